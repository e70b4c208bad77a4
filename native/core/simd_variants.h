// Run-time choice among copies of one loop compiled for different vector instruction sets.
// DGP_SIMD_VARIANTS(ret, name, (params), (args)) defines `ret name(params)`, which calls
// name_body(args) compiled for AVX-512 (x86-64-v4), AVX2 or the baseline, as active_simd()
// (cpu_features.h) says. name_body must be `static inline DGP_ALWAYS_INLINE`: it is inlined into
// each copy and vectorised there. Unlike GCC's target_clones, the choice honours DGP_SIMD, so
// the AVX2 copy can be measured and tested on an AVX-512 machine. Other compilers and
// architectures (wasm, aarch64) get the body once.
#ifndef DGP_SIMD_VARIANTS_H
#define DGP_SIMD_VARIANTS_H

#include "cpu_features.h"

#if defined(__GNUC__)
#define DGP_ALWAYS_INLINE __attribute__((always_inline))
#else
#define DGP_ALWAYS_INLINE
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#define DGP_X86_VARIANTS 1
// x86-64-v4 spelled as features (GCC and clang both accept this form).
#define DGP_AVX512_FEATURES "avx512f,avx512bw,avx512vl,avx512dq,avx512cd,avx2,fma,bmi,bmi2,lzcnt,popcnt"
#define DGP_SIMD_VARIANTS(ret, name, params, args)                                             \
  __attribute__((target(DGP_AVX512_FEATURES))) ret name##_avx512 params { return name##_body args; } \
  __attribute__((target("avx2"))) ret name##_avx2 params { return name##_body args; }          \
  ret name##_base params { return name##_body args; }                                          \
  ret name params {                                                                            \
    static const ::dgp::Simd level = ::dgp::active_simd();                                     \
    if (level == ::dgp::Simd::Avx512) return name##_avx512 args;                              \
    if (level == ::dgp::Simd::Avx2) return name##_avx2 args;                                  \
    return name##_base args;                                                                   \
  }
#else
#define DGP_X86_VARIANTS 0
#define DGP_SIMD_VARIANTS(ret, name, params, args) \
  ret name params { return name##_body args; }
#endif

#endif  // DGP_SIMD_VARIANTS_H
