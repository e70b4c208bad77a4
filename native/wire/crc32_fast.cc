// See crc32_fast.h.
#include "crc32_fast.h"

#include "wire_kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <initializer_list>
#define DGP_CRC_PCLMUL 1
#endif

namespace dgp_wire {

#ifdef DGP_CRC_PCLMUL
namespace {

alignas(16) const uint64_t kK1K2[2] = {0x0154442bd4ull, 0x01c6e41596ull};
alignas(16) const uint64_t kK3K4[2] = {0x01751997d0ull, 0x00ccaa009eull};
alignas(16) const uint64_t kK5K0[2] = {0x0163cd6124ull, 0x0000000000ull};
alignas(16) const uint64_t kPoly[2] = {0x01db710641ull, 0x01f7011641ull};

// Advances the CRC register `crc` (pre-inverted state) over len bytes; len >= 64, len % 16 == 0.
__attribute__((target("pclmul,sse4.1"))) uint32_t fold(const uint8_t* buf, size_t len, uint32_t crc) {
  __m128i x0, x1, x2, x3, x4, x5, x6, x7, x8, y5, y6, y7, y8;
  x1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x00));
  x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x10));
  x3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x20));
  x4 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x30));
  x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128(int(crc)));
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(kK1K2));
  buf += 64;
  len -= 64;
  while (len >= 64) {  // four independent 128-bit lanes folded 64 bytes ahead
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
    x7 = _mm_clmulepi64_si128(x3, x0, 0x00);
    x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
    x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
    x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
    y5 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x00));
    y6 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x10));
    y7 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x20));
    y8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + 0x30));
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), y5);
    x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), y6);
    x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), y7);
    x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), y8);
    buf += 64;
    len -= 64;
  }
  // Fold the four lanes into one.
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(kK3K4));
  for (__m128i next : {x2, x3, x4}) {
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, next), x5);
  }
  while (len >= 16) {
    x2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf));
    x5 = _mm_clmulepi64_si128(x1, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), x5);
    buf += 16;
    len -= 16;
  }
  // 128 -> 64 bits, then Barrett reduction to 32.
  x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
  x3 = _mm_setr_epi32(~0, 0, ~0, 0);
  x1 = _mm_srli_si128(x1, 8);
  x1 = _mm_xor_si128(x1, x2);
  x0 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kK5K0));
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_and_si128(x1, x3);
  x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(kPoly));
  x2 = _mm_and_si128(x1, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
  x2 = _mm_and_si128(x2, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  return uint32_t(_mm_extract_epi32(x1, 1));
}

// The byte table of the reflected polynomial, for the tail after the folded blocks.
struct ByteTable {
  uint32_t t[256];
  ByteTable() {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t c = b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
      t[b] = c;
    }
  }
};
const ByteTable kTable;

const bool kHasPclmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");

}  // namespace

bool crc32_fast_simd() { return kHasPclmul; }

uint32_t crc32_fast(const uint8_t* p, size_t len) {
  if (!kHasPclmul || len < 64) return crc32(p, len);
  const size_t chunk = len & ~size_t(15);
  uint32_t c = fold(p, chunk, 0xFFFFFFFFu);
  p += chunk;
  len -= chunk;
  while (len--) c = (c >> 8) ^ kTable.t[(c ^ *p++) & 0xff];
  return c ^ 0xFFFFFFFFu;
}

#else

bool crc32_fast_simd() { return false; }

uint32_t crc32_fast(const uint8_t* p, size_t len) { return crc32(p, len); }

#endif

}  // namespace dgp_wire
