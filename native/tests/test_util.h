// A tiny self-registering test harness for the native suite (no Node, no third-party code),
// plus the slow, obviously-correct reference selection every kernel is checked against.
#ifndef DGP_TEST_UTIL_H
#define DGP_TEST_UTIL_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace dgp_test {

struct TestCase {
  const char* name;
  std::function<void()> body;
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

struct Registrar {
  Registrar(const char* name, std::function<void()> body) { registry().push_back({name, body}); }
};

// Thrown by a test that cannot run here (e.g. no CUDA device); reported as skipped.
struct Skip {
  std::string why;
};

struct Failure {
  std::string what;
};

#define DGP_TEST(name)                                                  \
  static void name();                                                   \
  static ::dgp_test::Registrar name##_registrar(#name, name);           \
  static void name()

#define DGP_CHECK(cond)                                                                   \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      char buf_[512];                                                                     \
      std::snprintf(buf_, sizeof buf_, "%s:%d: check failed: %s", __FILE__, __LINE__, #cond); \
      throw ::dgp_test::Failure{buf_};                                                    \
    }                                                                                     \
  } while (0)

#define DGP_CHECK_MSG(cond, ...)                                                   \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      char msg_[384];                                                              \
      std::snprintf(msg_, sizeof msg_, __VA_ARGS__);                               \
      char buf_[512];                                                              \
      std::snprintf(buf_, sizeof buf_, "%s:%d: %s (%s)", __FILE__, __LINE__, #cond, msg_); \
      throw ::dgp_test::Failure{buf_};                                             \
    }                                                                              \
  } while (0)

inline uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// SPEC §1 by definition: sort indices by (|g| descending, index ascending) and cut.
inline std::vector<uint8_t> reference_codes(const std::vector<float>& g, uint64_t k_top,
                                            uint64_t k_bottom) {
  const size_t n = g.size();
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const uint32_t ka = bits_of(g[a]) & 0x7fffffffu, kb = bits_of(g[b]) & 0x7fffffffu;
    return ka != kb ? ka > kb : a < b;
  });
  std::vector<uint8_t> codes(n, 1);
  for (size_t r = 0; r < n; ++r) {
    if (r < k_top) codes[order[r]] = 2;
    else if (r >= n - k_bottom) codes[order[r]] = 0;
  }
  return codes;
}

// One layer's codes through select_layers_cpu with `threads` threads (defined in test_cpu.cc).
std::vector<uint8_t> cpu_codes(const std::vector<float>& g, uint64_t k_top, uint64_t k_bottom, int threads);

// Input generators shared by the CPU and CUDA suites.
enum class Dist { LogNormal, Uniform, AllEqual, FewValues, SignedZeros, Subnormals, FullRange };

inline std::vector<float> make_input(Dist d, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> g(n);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> uni(-1.f, 1.f);
  for (size_t i = 0; i < n; ++i) {
    switch (d) {
      case Dist::LogNormal: {
        const float m = std::exp(2.f * normal(rng) - 6.f);
        g[i] = (rng() & 1) ? m : -m;
        break;
      }
      case Dist::Uniform: g[i] = uni(rng); break;
      case Dist::AllEqual: g[i] = (i & 1) ? 0.5f : -0.5f; break;
      case Dist::FewValues: g[i] = float(int(rng() % 5) - 2) * 0.25f; break;
      case Dist::SignedZeros: g[i] = (rng() % 3 == 0) ? ((rng() & 1) ? -0.f : 0.f) : uni(rng); break;
      case Dist::Subnormals: g[i] = float_of(uint32_t(rng() % 0x00800000u) | ((rng() & 1) << 31)); break;
      case Dist::FullRange: {
        uint32_t u;
        do { u = uint32_t(rng()); } while ((u & 0x7f800000u) == 0x7f800000u);
        g[i] = float_of(u);
        break;
      }
    }
  }
  return g;
}

}  // namespace dgp_test

#endif  // DGP_TEST_UTIL_H
