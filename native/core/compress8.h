// The x86 compaction appends, one per instruction set, shared by every loop that compacts
// (key, index) lanes into a candidate list: the radix compaction (dual_select.cc), the bracketed
// pass (select_x86.h) and the small-layer compaction (small_select.h). AVX2 has no compress
// instruction: a lane permutation per 8-lane mask (8 KB, built at compile time) moves the set
// lanes to the front. AVX-512 compresses in a register. The 4-lane flavour (NEON, wasm SIMD128)
// is compress4.h. Include at namespace scope.
#ifndef DGP_COMPRESS8_H
#define DGP_COMPRESS8_H

#include <stdint.h>

#include "simd_variants.h"

#if DGP_X86_VARIANTS
#include <immintrin.h>
#endif

namespace dgp {

struct X86Compress8 {
  alignas(32) uint32_t perm[256][8];
  constexpr X86Compress8() : perm{} {
    for (int m = 0; m < 256; ++m) {
      int k = 0;
      for (int lane = 0; lane < 8; ++lane)
        if (m & (1 << lane)) perm[m][k++] = uint32_t(lane);
    }
  }
};
inline constexpr X86Compress8 kX86Compress8;

#if DGP_X86_VARIANTS
// Appends the lanes of (k, ix) whose bit is set in m at keys/index[at], in lane order, and
// advances `at`; all 8 lanes are stored, so the lists need 8 spare slots past their end.
__attribute__((target("avx2"))) inline void append8_avx2(uint32_t* keys, uint32_t* index, uint64_t& at, unsigned m,
                                                         __m256i k, __m256i ix) {
  const __m256i perm = _mm256_load_si256(reinterpret_cast<const __m256i*>(kX86Compress8.perm[m]));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys + at), _mm256_permutevar8x32_epi32(k, perm));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(index + at), _mm256_permutevar8x32_epi32(ix, perm));
  at += unsigned(__builtin_popcount(m));
}

// Appends the lanes of (k, ix) set in m at keys/index[at], in lane order, and advances `at`: the
// lanes are compressed in a register and all 16 stored at the list's end (compressing straight to
// memory is slow on Zen 4), so the lists need 16 spare slots past their end.
__attribute__((target("avx512f"))) inline void append16_avx512(uint32_t* keys, uint32_t* index, uint64_t& at,
                                                              __mmask16 m, __m512i k, __m512i ix) {
  _mm512_storeu_si512(keys + at, _mm512_maskz_compress_epi32(m, k));
  _mm512_storeu_si512(index + at, _mm512_maskz_compress_epi32(m, ix));
  at += unsigned(__builtin_popcount(m));
}
#endif

}  // namespace dgp

#endif  // DGP_COMPRESS8_H
