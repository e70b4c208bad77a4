// RFC 8439 §2.3 ChaCha20 block function, shared by the randomness kernels (random.cc) and the
// secure-aggregation masks (masks.cc); the reference for the vector variants of chacha20_stream.h.
// Plain C++ (the wasm build includes it).
#ifndef DGP_PRIVACY_CHACHA20_H
#define DGP_PRIVACY_CHACHA20_H

#include <cstddef>
#include <cstdint>

namespace dgp_privacy {

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

#define DGP_QR(a, b, c, d) \
  a += b; d = rotl(d ^ a, 16); c += d; b = rotl(b ^ c, 12); a += b; d = rotl(d ^ a, 8); c += d; b = rotl(b ^ c, 7);

// One block for `counter` into out[0, 16).
inline void chacha20_block(const uint32_t* key, const uint32_t* nonce, uint32_t counter, uint32_t* out) {
  const uint32_t j[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u, key[0], key[1], key[2], key[3],
                          key[4],      key[5],      key[6],      key[7],      counter, nonce[0], nonce[1], nonce[2]};
  uint32_t x0 = j[0], x1 = j[1], x2 = j[2], x3 = j[3], x4 = j[4], x5 = j[5], x6 = j[6], x7 = j[7];
  uint32_t x8 = j[8], x9 = j[9], x10 = j[10], x11 = j[11], x12 = j[12], x13 = j[13], x14 = j[14], x15 = j[15];
  for (int i = 0; i < 10; i++) {
    DGP_QR(x0, x4, x8, x12) DGP_QR(x1, x5, x9, x13) DGP_QR(x2, x6, x10, x14) DGP_QR(x3, x7, x11, x15)
    DGP_QR(x0, x5, x10, x15) DGP_QR(x1, x6, x11, x12) DGP_QR(x2, x7, x8, x13) DGP_QR(x3, x4, x9, x14)
  }
  out[0] = x0 + j[0]; out[1] = x1 + j[1]; out[2] = x2 + j[2]; out[3] = x3 + j[3];
  out[4] = x4 + j[4]; out[5] = x5 + j[5]; out[6] = x6 + j[6]; out[7] = x7 + j[7];
  out[8] = x8 + j[8]; out[9] = x9 + j[9]; out[10] = x10 + j[10]; out[11] = x11 + j[11];
  out[12] = x12 + j[12]; out[13] = x13 + j[13]; out[14] = x14 + j[14]; out[15] = x15 + j[15];
}
#undef DGP_QR

}  // namespace dgp_privacy

#endif  // DGP_PRIVACY_CHACHA20_H
