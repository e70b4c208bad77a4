// What the running CPU offers, for backendInfo() and for choosing kernel variants.
#ifndef DGP_CPU_FEATURES_H
#define DGP_CPU_FEATURES_H

namespace dgp {

// "avx512", "avx2", "sse2", "neon" or "scalar": the widest vector level the kernels use here.
const char* simd_level();

}  // namespace dgp

#endif  // DGP_CPU_FEATURES_H
