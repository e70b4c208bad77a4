// Bench-only baselines; see baselines.h.
#include "baselines.h"

#include "simd_variants.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

namespace dgp_bench {

bool nth_element_codes(const float* values, uint64_t n, uint64_t k_top, uint64_t k_bottom,
                       uint8_t* codes) {
  if (k_top > n || k_bottom > n || k_top + k_bottom > n) return false;
  if (n == 0) return true;
  // Scratch copy: |g| bits with the index packed below (descending order == rank order).
  std::vector<uint64_t> keys(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t b;
    std::memcpy(&b, values + i, 4);
    keys[i] = (uint64_t(b & 0x7fffffffu) << 32) | uint64_t(0xffffffffu - uint32_t(i));
  }
  // Thresholds: the last top key (rank kTop-1) and the first bottom key (rank n-kBottom).
  uint64_t top_min = ~uint64_t(0);  // top iff key >= top_min (none when k_top == 0)
  uint64_t bottom_max = 0;          // bottom iff key <= bottom_max
  bool any_bottom = k_bottom > 0;
  if (k_top > 0) {
    std::nth_element(keys.begin(), keys.begin() + (k_top - 1), keys.end(), std::greater<uint64_t>());
    top_min = keys[k_top - 1];
  }
  if (any_bottom) {
    // Everything from k_top on is below the top threshold; the bottom threshold is rank n-kBottom.
    std::nth_element(keys.begin() + k_top, keys.begin() + (n - k_bottom), keys.end(),
                     std::greater<uint64_t>());
    bottom_max = keys[n - k_bottom];
  }
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t b;
    std::memcpy(&b, values + i, 4);
    const uint64_t k = (uint64_t(b & 0x7fffffffu) << 32) | uint64_t(0xffffffffu - uint32_t(i));
    const uint8_t top = k_top > 0 && k >= top_min;
    const uint8_t bottom = any_bottom && k <= bottom_max;
    codes[i] = uint8_t(1 + top - bottom);
  }
  return true;
}

namespace {

// 16 lanes x 4 accumulators; GCC vector extensions lower to the widest ISA of each copy, which
// simd_variants.h picks as it does for the kernel (so DGP_SIMD=avx2 caps both alike).
typedef float v16f __attribute__((vector_size(64)));
typedef uint32_t v16u __attribute__((vector_size(64)));

static inline DGP_ALWAYS_INLINE double sum_abs_impl_body(const float* values, uint64_t n) {
  v16f a0 = {}, a1 = {}, a2 = {}, a3 = {};
  const v16u mask = v16u{} + 0x7fffffffu;
  uint64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    v16u x0, x1, x2, x3;
    std::memcpy(&x0, values + i, 64);
    std::memcpy(&x1, values + i + 16, 64);
    std::memcpy(&x2, values + i + 32, 64);
    std::memcpy(&x3, values + i + 48, 64);
    a0 += (v16f)(x0 & mask);
    a1 += (v16f)(x1 & mask);
    a2 += (v16f)(x2 & mask);
    a3 += (v16f)(x3 & mask);
  }
  const v16f a = (a0 + a1) + (a2 + a3);
  double s = 0;
  for (int l = 0; l < 16; ++l) s += a[l];
  for (; i < n; ++i) s += values[i] < 0 ? -values[i] : values[i];
  return s;
}

DGP_SIMD_VARIANTS(double, sum_abs_impl, (const float* values, uint64_t n), (values, n))

}  // namespace

double sum_abs(const float* values, uint64_t n) { return sum_abs_impl(values, n); }

const char* sum_abs_isa() { return dgp::simd_level(); }

}  // namespace dgp_bench
