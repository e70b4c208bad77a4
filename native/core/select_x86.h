// AVX-512 and AVX2 versions of the bracketed pass of bracket_select.cc (see bracket_select.h),
// included inside its anonymous namespace, picked at run time by active_simd() (DGP_SIMD caps
// it, so both run and are tested on an AVX-512 machine). Same results as bracket_scalar,
// element for element; the tail of each range goes to bracket_scalar.
#ifndef DGP_SELECT_X86_H
#define DGP_SELECT_X86_H

#include <immintrin.h>

// AVX-512 append (append16_avx512, compress8.h; kSlack spare slots). The bottom list appends
// branch-free (its interval, at 80%, holds a candidate in about a third of the steps: a branch
// would mispredict); the top one only when a lane matched.
__attribute__((target(DGP_AVX512_FEATURES))) inline void avx512_append(CandidateList& l, __mmask16 m,
                                                                      __m512i k, __m512i ix) {
  append16_avx512(l.keys, l.index, l.at, m, k, ix);
}

// AVX-512: 16 keys per step. Tallies count in vector lanes (a range is at most one kBlock, so
// 32-bit lanes do not overflow).
__attribute__((target(DGP_AVX512_FEATURES))) inline void bracket_avx512(
    const uint32_t* bits, uint64_t i, uint64_t end, const BracketBounds& b, uint8_t* codes,
    CandidateList& top, CandidateList& bottom, BracketTally& t) {
  const __m512i magnitude = _mm512_set1_epi32(int(kMagnitudeMask));
  const __m512i above = _mm512_set1_epi32(int(b.above)), below = _mm512_set1_epi32(int(b.below));
  const __m512i tlo = _mm512_set1_epi32(int(b.top_lo)), thi = _mm512_set1_epi32(int(b.top_hi));
  const __m512i blo = _mm512_set1_epi32(int(b.bottom_lo)), bhi = _mm512_set1_epi32(int(b.bottom_hi));
  const __m512i tmid = _mm512_set1_epi32(int(b.top_mid)), bmid = _mm512_set1_epi32(int(b.bottom_mid));
  const __m512i one = _mm512_set1_epi32(1), sixteen = _mm512_set1_epi32(16);
  const __m128i one8 = _mm_set1_epi8(1);
  __m512i ix = _mm512_add_epi32(_mm512_set1_epi32(int(uint32_t(i))),
                                _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  __m512i n_above = _mm512_setzero_si512(), n_below = _mm512_setzero_si512(), kmax = _mm512_setzero_si512();
  for (; i + 16 <= end; i += 16) {
    const __m512i k = _mm512_and_si512(_mm512_loadu_si512(bits + i), magnitude);
    const __mmask16 up = _mm512_cmpgt_epu32_mask(k, above);
    const __mmask16 down = _mm512_cmplt_epu32_mask(k, below);
    const __mmask16 in_top = _mm512_mask_cmple_epu32_mask(_mm512_cmpge_epu32_mask(k, tlo), k, thi);
    const __mmask16 in_bottom = _mm512_mask_cmple_epu32_mask(_mm512_cmpge_epu32_mask(k, blo), k, bhi);
    n_above = _mm512_mask_add_epi32(n_above, up, n_above, one);
    n_below = _mm512_mask_add_epi32(n_below, down, n_below, one);
    kmax = _mm512_maskz_max_epu32(__mmask16(0xffff), kmax, k);  // maskz: see compact_avx512
    if (codes) {
      const __m128i c = _mm_mask_add_epi8(one8, _mm512_cmpgt_epu32_mask(k, tmid), one8, one8);  // 2 or 1
      _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + i),
                       _mm_mask_sub_epi8(c, _mm512_cmplt_epu32_mask(k, bmid), c, one8));
    }
    if (in_top) avx512_append(top, in_top, k, ix);  // the top interval is narrow: rarely taken
    avx512_append(bottom, in_bottom, k, ix);
    ix = _mm512_add_epi32(ix, sixteen);
  }
  alignas(64) uint32_t lanes[3][16];  // (the reduce intrinsics trip GCC 12's uninitialised warning)
  _mm512_store_si512(lanes[0], n_above);
  _mm512_store_si512(lanes[1], n_below);
  _mm512_store_si512(lanes[2], kmax);
  for (int l = 0; l < 16; ++l) {
    t.above += lanes[0][l];
    t.below += lanes[1][l];
    t.max_key = std::max(t.max_key, lanes[2][l]);
  }
  bracket_scalar(bits, i, end, b, codes, top, bottom, t);
}

// AVX2 has no compress instruction: append8_avx2 (compress8.h) permutes the set lanes to the front.

// AVX2: 32 keys per step (four 8-lane vectors, so the codes pack to one 32-byte store).
// Bounds fit in 31 bits, so signed compares order the keys; lo <= k is k > lo - 1.
// Appends the lanes of (k, ix) whose bit is set in m (all 8 lanes are stored: kSlack).
__attribute__((target("avx2"))) inline unsigned lanes_of(__m256i mask) {
  return unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(mask)));
}

__attribute__((target("avx2"))) inline void avx2_append(CandidateList& l, unsigned m, __m256i k, __m256i ix) {
  append8_avx2(l.keys, l.index, l.at, m, k, ix);
}

__attribute__((target("avx2"))) inline void bracket_avx2(
    const uint32_t* bits, uint64_t i, uint64_t end, const BracketBounds& b, uint8_t* codes,
    CandidateList& top, CandidateList& bottom, BracketTally& t) {
  const __m256i magnitude = _mm256_set1_epi32(int(kMagnitudeMask));
  const __m256i above = _mm256_set1_epi32(int(b.above)), below = _mm256_set1_epi32(int(b.below));
  const __m256i tlo = _mm256_set1_epi32(int(b.top_lo) - 1), thi = _mm256_set1_epi32(int(b.top_hi));
  const __m256i blo = _mm256_set1_epi32(int(b.bottom_lo) - 1), bhi = _mm256_set1_epi32(int(b.bottom_hi));
  const __m256i tmid = _mm256_set1_epi32(int(b.top_mid)), bmid = _mm256_set1_epi32(int(b.bottom_mid));
  const __m256i one = _mm256_set1_epi32(1), eight = _mm256_set1_epi32(8);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  __m256i ix = _mm256_add_epi32(_mm256_set1_epi32(int(uint32_t(i))), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  __m256i n_above = _mm256_setzero_si256(), n_below = _mm256_setzero_si256(), kmax = _mm256_setzero_si256();
  for (; i + 32 <= end; i += 32) {
    __m256i code[4];
    for (int q = 0; q < 4; ++q) {
      const __m256i k = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(bits + i + 8 * q)), magnitude);
      const __m256i up = _mm256_cmpgt_epi32(k, above), down = _mm256_cmpgt_epi32(below, k);
      const __m256i in_top = _mm256_andnot_si256(_mm256_cmpgt_epi32(k, thi), _mm256_cmpgt_epi32(k, tlo));
      const __m256i in_bottom = _mm256_andnot_si256(_mm256_cmpgt_epi32(k, bhi), _mm256_cmpgt_epi32(k, blo));
      n_above = _mm256_sub_epi32(n_above, up);  // masks are -1
      n_below = _mm256_sub_epi32(n_below, down);
      kmax = _mm256_max_epi32(kmax, k);
      code[q] = _mm256_add_epi32(_mm256_sub_epi32(one, _mm256_cmpgt_epi32(k, tmid)), _mm256_cmpgt_epi32(bmid, k));
      const unsigned mt = lanes_of(in_top);
      if (mt) avx2_append(top, mt, k, ix);  // the top interval is narrow: rarely taken
      avx2_append(bottom, lanes_of(in_bottom), k, ix);
      ix = _mm256_add_epi32(ix, eight);
    }
    if (codes) {
      const __m256i packed = _mm256_packus_epi16(_mm256_packs_epi32(code[0], code[1]), _mm256_packs_epi32(code[2], code[3]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + i), _mm256_permutevar8x32_epi32(packed, order));
    }
  }
  alignas(32) uint32_t lanes[3][8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[0]), n_above);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[1]), n_below);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes[2]), kmax);
  for (int l = 0; l < 8; ++l) {
    t.above += lanes[0][l];
    t.below += lanes[1][l];
    t.max_key = std::max(t.max_key, lanes[2][l]);
  }
  bracket_scalar(bits, i, end, b, codes, top, bottom, t);
}

#endif  // DGP_SELECT_X86_H
