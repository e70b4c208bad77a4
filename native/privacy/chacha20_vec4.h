// Portable 4-lane ChaCha20 (GCC/clang vector extensions): lane l of every state vector belongs to
// the block for counter + l; a 4x4 transpose per group of four words puts the blocks back in
// keystream order. It compiles to SSE2 on x86-64 (the baseline variant), NEON on arm64 and
// simd128 in the wasm build. Included by chacha20_stream.cc only.
#ifndef DGP_PRIVACY_CHACHA20_VEC4_H
#define DGP_PRIVACY_CHACHA20_VEC4_H

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "chacha20_stream.h"

namespace dgp_privacy {
namespace vec4 {

typedef uint32_t U32x4 __attribute__((vector_size(16)));
typedef uint8_t U8x16 __attribute__((vector_size(16)));

template <int R>
inline U32x4 rotl(U32x4 x) {
#if defined(__wasm_simd128__)
  // simd128 has no rotate: rotations by whole bytes are one byte shuffle (little-endian words)
  if (R == 16)
    return (U32x4)__builtin_shufflevector((U8x16)x, (U8x16)x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  if (R == 8)
    return (U32x4)__builtin_shufflevector((U8x16)x, (U8x16)x, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
#endif
  return (x << R) | (x >> (32 - R));
}

inline void qr(U32x4& a, U32x4& b, U32x4& c, U32x4& d) {
  a += b; d = rotl<16>(d ^ a);
  c += d; b = rotl<12>(b ^ c);
  a += b; d = rotl<8>(d ^ a);
  c += d; b = rotl<7>(b ^ c);
}

// Rows r[0..3] (word w+i of blocks 0..3) to columns (words w..w+3 of block l) in r[l].
inline void transpose4(U32x4* r) {
  const U32x4 t0 = __builtin_shufflevector(r[0], r[1], 0, 4, 1, 5), t1 = __builtin_shufflevector(r[0], r[1], 2, 6, 3, 7);
  const U32x4 t2 = __builtin_shufflevector(r[2], r[3], 0, 4, 1, 5), t3 = __builtin_shufflevector(r[2], r[3], 2, 6, 3, 7);
  r[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
  r[1] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
  r[2] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
  r[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

template <Apply op>
inline void put(uint32_t* p, U32x4 v) {
  U32x4 old;  // memcpy: dst need not be 16-byte aligned
  if (op != Apply::Store) std::memcpy(&old, p, 16);
  if (op == Apply::Add) v = old + v;
  if (op == Apply::Subtract) v = old - v;
  std::memcpy(p, &v, 16);
}

// Whole batches of 4 blocks; returns the blocks done (a multiple of 4, <= blocks).
template <Apply op>
size_t batches(const uint32_t* key, const uint32_t* nonce, uint32_t counter, uint32_t* dst, size_t blocks) {
  const uint32_t j[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u, key[0], key[1], key[2], key[3],
                          key[4],      key[5],      key[6],      key[7],      0u,      nonce[0], nonce[1], nonce[2]};
  const U32x4 lane = {0, 1, 2, 3};
  size_t b = 0;
  for (; b + 4 <= blocks; b += 4, dst += 64) {
    U32x4 in[16], x[16];
    for (int i = 0; i < 16; i++) in[i] = U32x4{j[i], j[i], j[i], j[i]};
    in[12] = (counter + uint32_t(b)) + lane;  // wraps only in the unused tail lanes (chacha20_stream.cc)
    for (int i = 0; i < 16; i++) x[i] = in[i];
    for (int i = 0; i < 10; i++) {
      qr(x[0], x[4], x[8], x[12]); qr(x[1], x[5], x[9], x[13]); qr(x[2], x[6], x[10], x[14]); qr(x[3], x[7], x[11], x[15]);
      qr(x[0], x[5], x[10], x[15]); qr(x[1], x[6], x[11], x[12]); qr(x[2], x[7], x[8], x[13]); qr(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) x[i] += in[i];
    for (int w = 0; w < 16; w += 4) {
      transpose4(x + w);
      for (int l = 0; l < 4; l++) put<op>(dst + 16 * l + w, x[w + l]);
    }
  }
  return b;
}

}  // namespace vec4
}  // namespace dgp_privacy

#endif  // DGP_PRIVACY_CHACHA20_VEC4_H
