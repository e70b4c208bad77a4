// The lane permutation that moves the set lanes of an 8-lane mask of 32-bit lanes to the front,
// in lane order (8 KB, built at compile time): the compress step of the AVX2 loops, which have
// no compress instruction (the bracketed pass, select_x86.h; the small-layer compaction,
// small_select.h). Include at namespace scope.
#ifndef DGP_COMPRESS8_H
#define DGP_COMPRESS8_H

#include <stdint.h>

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

}  // namespace dgp

#endif  // DGP_COMPRESS8_H
