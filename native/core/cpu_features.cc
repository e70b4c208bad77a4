#include "cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace dgp {

Simd detected_simd() {
#if defined(__x86_64__) || defined(__i386__)
#if defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return Simd::Avx512;
  if (__builtin_cpu_supports("avx2")) return Simd::Avx2;
#endif
  return Simd::Sse2;
#elif defined(__aarch64__)
  return Simd::Neon;
#else
  return Simd::Scalar;
#endif
}

const char* simd_name(Simd s) {
  switch (s) {
    case Simd::Avx512: return "avx512";
    case Simd::Avx2: return "avx2";
    case Simd::Sse2: return "sse2";
    case Simd::Neon: return "neon";
    default: return "scalar";
  }
}

namespace {

Simd capped(Simd cpu) {
  const char* cap = std::getenv("DGP_SIMD");
  if (cap == nullptr || *cap == '\0') return cpu;
  Simd want = cpu;
  if (std::strcmp(cap, "scalar") == 0) want = Simd::Scalar;
  else if (std::strcmp(cap, "sse2") == 0) want = Simd::Sse2;
  else if (std::strcmp(cap, "neon") == 0) want = Simd::Neon;
  else if (std::strcmp(cap, "avx2") == 0) want = Simd::Avx2;
  else if (std::strcmp(cap, "avx512") == 0) want = Simd::Avx512;
  // NEON and the x86 levels are different families: a cap from the other family is ignored,
  // except "scalar", which turns off every vector path.
  const bool cpu_arm = cpu == Simd::Neon, want_arm = want == Simd::Neon;
  if (want == Simd::Scalar) return Simd::Scalar;
  if (cpu_arm != want_arm) return cpu;
  return static_cast<int>(want) < static_cast<int>(cpu) ? want : cpu;
}

}  // namespace

Simd active_simd() {
  static const Simd level = capped(detected_simd());
  return level;
}

const char* simd_level() { return simd_name(active_simd()); }

}  // namespace dgp
