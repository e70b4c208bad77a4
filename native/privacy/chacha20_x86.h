// AVX2 (8 lanes) and AVX-512 (16 lanes) ChaCha20: lane l of every state vector belongs to the
// block for counter + l, so one pass of the RFC 8439 rounds makes 8 or 16 blocks; a transpose then
// turns the 16 word-vectors into blocks in keystream order. Included by chacha20_stream.cc only;
// compiled with target attributes so a baseline x86-64 build carries them (simd_variants.h).
#ifndef DGP_PRIVACY_CHACHA20_X86_H
#define DGP_PRIVACY_CHACHA20_X86_H

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../core/simd_variants.h"
#include "chacha20_stream.h"

namespace dgp_privacy {
namespace x86 {

#define DGP_AVX2 __attribute__((target("avx2"), always_inline)) inline
#define DGP_AVX512 __attribute__((target(DGP_AVX512_FEATURES), always_inline)) inline

// ---- AVX2 ----
// Rotations by 16 and 8 move whole bytes: one byte shuffle instead of two shifts and an or.
DGP_AVX2 __m256i rotl16_avx2(__m256i x) {
  return _mm256_shuffle_epi8(x, _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7,
                                                 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
}
DGP_AVX2 __m256i rotl8_avx2(__m256i x) {
  return _mm256_shuffle_epi8(x, _mm256_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4,
                                                 5, 6, 11, 8, 9, 10, 15, 12, 13, 14));
}
DGP_AVX2 void qr_avx2(__m256i& a, __m256i& b, __m256i& c, __m256i& d) {
  a = _mm256_add_epi32(a, b); d = rotl16_avx2(_mm256_xor_si256(d, a));
  c = _mm256_add_epi32(c, d); b = _mm256_xor_si256(b, c); b = _mm256_or_si256(_mm256_slli_epi32(b, 12), _mm256_srli_epi32(b, 20));
  a = _mm256_add_epi32(a, b); d = rotl8_avx2(_mm256_xor_si256(d, a));
  c = _mm256_add_epi32(c, d); b = _mm256_xor_si256(b, c); b = _mm256_or_si256(_mm256_slli_epi32(b, 7), _mm256_srli_epi32(b, 25));
}

// 8 rows (word r of blocks 0..7) to 8 columns (words of block l); column l lands in r[l].
DGP_AVX2 void transpose8_avx2(__m256i* r) {
  __m256i t[8], u[8];
  for (int k = 0; k < 4; k++) {
    t[2 * k] = _mm256_unpacklo_epi32(r[2 * k], r[2 * k + 1]);      // lanes 0,1 | 4,5 of two rows
    t[2 * k + 1] = _mm256_unpackhi_epi32(r[2 * k], r[2 * k + 1]);  // lanes 2,3 | 6,7
  }
  for (int m = 0; m < 2; m++) {  // four rows per 128-bit half: lane s | lane s + 4
    u[4 * m] = _mm256_unpacklo_epi64(t[4 * m], t[4 * m + 2]);
    u[4 * m + 1] = _mm256_unpackhi_epi64(t[4 * m], t[4 * m + 2]);
    u[4 * m + 2] = _mm256_unpacklo_epi64(t[4 * m + 1], t[4 * m + 3]);
    u[4 * m + 3] = _mm256_unpackhi_epi64(t[4 * m + 1], t[4 * m + 3]);
  }
  for (int s = 0; s < 4; s++) {  // rows 0-3 and 4-7 of lane s (low halves) and lane s + 4 (high)
    r[s] = _mm256_permute2x128_si256(u[s], u[4 + s], 0x20);
    r[s + 4] = _mm256_permute2x128_si256(u[s], u[4 + s], 0x31);
  }
}

template <Apply op>
DGP_AVX2 void put_avx2(uint32_t* p, __m256i v) {
  __m256i* q = reinterpret_cast<__m256i*>(p);
  if (op == Apply::Add) v = _mm256_add_epi32(_mm256_loadu_si256(q), v);
  if (op == Apply::Subtract) v = _mm256_sub_epi32(_mm256_loadu_si256(q), v);
  _mm256_storeu_si256(q, v);
}

// Whole batches of 8 blocks; returns the blocks done (a multiple of 8, <= blocks).
template <Apply op>
__attribute__((target("avx2"))) size_t batches_avx2(const uint32_t* key, const uint32_t* nonce, uint32_t counter,
                                                    uint32_t* dst, size_t blocks) {
  const uint32_t j[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u, key[0], key[1], key[2], key[3],
                          key[4],      key[5],      key[6],      key[7],      0u,      nonce[0], nonce[1], nonce[2]};
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  size_t b = 0;
  for (; b + 8 <= blocks; b += 8, dst += 128) {
    __m256i in[16], x[16];
    for (int i = 0; i < 16; i++) in[i] = _mm256_set1_epi32(int(j[i]));
    // lanes wrap mod 2^32 only in the tail batch of chacha20_stream.cc, whose extra words are unused
    in[12] = _mm256_add_epi32(_mm256_set1_epi32(int(counter + uint32_t(b))), lane);
    for (int i = 0; i < 16; i++) x[i] = in[i];
    for (int i = 0; i < 10; i++) {
      qr_avx2(x[0], x[4], x[8], x[12]); qr_avx2(x[1], x[5], x[9], x[13]);
      qr_avx2(x[2], x[6], x[10], x[14]); qr_avx2(x[3], x[7], x[11], x[15]);
      qr_avx2(x[0], x[5], x[10], x[15]); qr_avx2(x[1], x[6], x[11], x[12]);
      qr_avx2(x[2], x[7], x[8], x[13]); qr_avx2(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) x[i] = _mm256_add_epi32(x[i], in[i]);
    transpose8_avx2(x);      // words 0-7 of blocks 0-7
    transpose8_avx2(x + 8);  // words 8-15
    for (int l = 0; l < 8; l++) {
      put_avx2<op>(dst + 16 * l, x[l]);
      put_avx2<op>(dst + 16 * l + 8, x[8 + l]);
    }
  }
  return b;
}

// ---- AVX-512 ----
// The maskz forms with an all-ones mask (the same instructions): the plain intrinsics start from
// _mm512_undefined_epi32, which trips GCC 12's uninitialised warning (as in select_x86.h).
constexpr __mmask16 kAll16 = 0xffff;
constexpr __mmask8 kAll8 = 0xff;
template <int R>
DGP_AVX512 __m512i rotl_avx512(__m512i x) { return _mm512_maskz_rol_epi32(kAll16, x, R); }
DGP_AVX512 void qr_avx512(__m512i& a, __m512i& b, __m512i& c, __m512i& d) {
  a = _mm512_add_epi32(a, b); d = rotl_avx512<16>(_mm512_xor_si512(d, a));
  c = _mm512_add_epi32(c, d); b = rotl_avx512<12>(_mm512_xor_si512(b, c));
  a = _mm512_add_epi32(a, b); d = rotl_avx512<8>(_mm512_xor_si512(d, a));
  c = _mm512_add_epi32(c, d); b = rotl_avx512<7>(_mm512_xor_si512(b, c));
}

// 16 rows (word r of blocks 0..15) to 16 columns (the words of block l); column l lands in r[l].
DGP_AVX512 void transpose16_avx512(__m512i* r) {
  __m512i t[16], u[16];
  for (int k = 0; k < 8; k++) {  // per 128-bit part q: lanes 4q, 4q+1 (lo) and 4q+2, 4q+3 (hi) of two rows
    t[2 * k] = _mm512_maskz_unpacklo_epi32(kAll16, r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_maskz_unpackhi_epi32(kAll16, r[2 * k], r[2 * k + 1]);
  }
  for (int m = 0; m < 4; m++) {  // u[4m + s], part q: rows 4m..4m+3 of lane 4q + s
    u[4 * m] = _mm512_maskz_unpacklo_epi64(kAll8, t[4 * m], t[4 * m + 2]);
    u[4 * m + 1] = _mm512_maskz_unpackhi_epi64(kAll8, t[4 * m], t[4 * m + 2]);
    u[4 * m + 2] = _mm512_maskz_unpacklo_epi64(kAll8, t[4 * m + 1], t[4 * m + 3]);
    u[4 * m + 3] = _mm512_maskz_unpackhi_epi64(kAll8, t[4 * m + 1], t[4 * m + 3]);
  }
  for (int s = 0; s < 4; s++) {  // a 4x4 transpose of 128-bit parts: lane 4q + s gets part q of u[s], u[4+s], ...
    const __m512i v0 = _mm512_maskz_shuffle_i32x4(kAll16, u[s], u[4 + s], 0x44);
    const __m512i v1 = _mm512_maskz_shuffle_i32x4(kAll16, u[s], u[4 + s], 0xee);
    const __m512i v2 = _mm512_maskz_shuffle_i32x4(kAll16, u[8 + s], u[12 + s], 0x44);
    const __m512i v3 = _mm512_maskz_shuffle_i32x4(kAll16, u[8 + s], u[12 + s], 0xee);
    r[s] = _mm512_maskz_shuffle_i32x4(kAll16, v0, v2, 0x88);
    r[4 + s] = _mm512_maskz_shuffle_i32x4(kAll16, v0, v2, 0xdd);
    r[8 + s] = _mm512_maskz_shuffle_i32x4(kAll16, v1, v3, 0x88);
    r[12 + s] = _mm512_maskz_shuffle_i32x4(kAll16, v1, v3, 0xdd);
  }
}

template <Apply op>
__attribute__((target(DGP_AVX512_FEATURES))) size_t batches_avx512(const uint32_t* key, const uint32_t* nonce,
                                                                   uint32_t counter, uint32_t* dst, size_t blocks) {
  const uint32_t j[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u, key[0], key[1], key[2], key[3],
                          key[4],      key[5],      key[6],      key[7],      0u,      nonce[0], nonce[1], nonce[2]};
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  size_t b = 0;
  for (; b + 16 <= blocks; b += 16, dst += 256) {
    __m512i in[16], x[16];
    for (int i = 0; i < 16; i++) in[i] = _mm512_set1_epi32(int(j[i]));
    in[12] = _mm512_add_epi32(_mm512_set1_epi32(int(counter + uint32_t(b))), lane);  // (wraps only in the unused tail lanes)
    for (int i = 0; i < 16; i++) x[i] = in[i];
    for (int i = 0; i < 10; i++) {
      qr_avx512(x[0], x[4], x[8], x[12]); qr_avx512(x[1], x[5], x[9], x[13]);
      qr_avx512(x[2], x[6], x[10], x[14]); qr_avx512(x[3], x[7], x[11], x[15]);
      qr_avx512(x[0], x[5], x[10], x[15]); qr_avx512(x[1], x[6], x[11], x[12]);
      qr_avx512(x[2], x[7], x[8], x[13]); qr_avx512(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) x[i] = _mm512_add_epi32(x[i], in[i]);
    transpose16_avx512(x);
    for (int l = 0; l < 16; l++) {
      uint32_t* p = dst + 16 * l;
      __m512i v = x[l];
      if (op == Apply::Add) v = _mm512_add_epi32(_mm512_loadu_si512(p), v);
      if (op == Apply::Subtract) v = _mm512_sub_epi32(_mm512_loadu_si512(p), v);
      _mm512_storeu_si512(p, v);
    }
  }
  return b;
}

#undef DGP_AVX2
#undef DGP_AVX512

}  // namespace x86
}  // namespace dgp_privacy

#endif  // DGP_PRIVACY_CHACHA20_X86_H
