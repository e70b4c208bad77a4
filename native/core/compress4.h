// Byte shuffles that move the set lanes of a 4-lane mask of 32-bit lanes to the front, in lane
// order, and the count of set lanes: the compress step of the 128-bit SIMD flavours that have no
// compress instruction (NEON: select_neon.h; wasm SIMD128: select_wasm_simd128.h). Unset slots
// repeat lane 0, so a 4-lane store past the set lanes writes only spare slots. Include at
// namespace scope (the wasm loops are included inside dual_select.cc's anonymous namespace).
#ifndef DGP_COMPRESS4_H
#define DGP_COMPRESS4_H

#include <stdint.h>

namespace dgp {

struct Compress4 {
  alignas(16) uint8_t perm[16][16];
  uint8_t count[16];
  constexpr Compress4() : perm{}, count{} {
    for (int m = 0; m < 16; ++m) {
      int k = 0;
      for (int lane = 0; lane < 4; ++lane) {
        if (!(m & (1 << lane))) continue;
        for (int b = 0; b < 4; ++b) perm[m][4 * k + b] = uint8_t(4 * lane + b);
        ++k;
      }
      count[m] = uint8_t(k);
      for (int j = k; j < 4; ++j)
        for (int b = 0; b < 4; ++b) perm[m][4 * j + b] = uint8_t(b);
    }
  }
};
constexpr Compress4 kCompress4;

}  // namespace dgp

#endif  // DGP_COMPRESS4_H
