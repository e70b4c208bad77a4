// What the running CPU offers, for backendInfo() and for choosing kernel variants.
#ifndef DGP_CPU_FEATURES_H
#define DGP_CPU_FEATURES_H

namespace dgp {

// Vector instruction sets the kernels have variants for, narrowest first.
enum class Simd { Scalar = 0, Sse2 = 1, Neon = 2, Avx2 = 3, Avx512 = 4 };

// The level the kernels run: the widest the CPU has, capped by the environment variable
// DGP_SIMD (avx512, avx2, sse2 or scalar; read once) so the narrower paths can be measured and
// tested on a machine with wider ones. An unknown value, or one above the CPU, changes nothing.
Simd active_simd();

// The CPU's own widest level, ignoring DGP_SIMD.
Simd detected_simd();

// "avx512", "avx2", "sse2", "neon" or "scalar": active_simd() as reported by backendInfo().
const char* simd_level();
const char* simd_name(Simd s);

}  // namespace dgp

#endif  // DGP_CPU_FEATURES_H
