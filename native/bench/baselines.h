// Bench-only baselines (not part of the library's API): what a competent C++ programmer would
// write without this package, and the memory-bandwidth floor. Plain C++, no napi.h; exposed to
// the benchmark through the bench-only addon (native/bench/bench_binding.cc).
#ifndef DGP_BENCH_BASELINES_H
#define DGP_BENCH_BASELINES_H

#include <stdint.h>

namespace dgp_bench {

// Selection with std::nth_element: copies (|g| bits, index) into a scratch array of packed
// 64-bit keys, runs nth_element twice (top threshold over the whole array, bottom threshold
// over the remainder), then writes class codes (0 bottom, 1 kept, 2 top) in one streaming pass
// by comparing each element's packed key with the two thresholds. Single-threaded.
//
// Tie rule: the packed key is (|g| bits << 32) | (0xffffffff - index), so descending key order
// is exactly SPEC §1's rank order (|g| descending, lower index first) and the codes match the
// library's bit for bit. A plain nth_element over |g| alone would break ties arbitrarily; the
// index in the low bits costs nothing extra because the index array is needed anyway.
// Returns false if the arguments are inconsistent (k_top + k_bottom > n).
bool nth_element_codes(const float* values, uint64_t n, uint64_t k_top, uint64_t k_bottom,
                       uint8_t* codes);

// The memory limit: one vectorised read-only pass, sum of |g| (float accumulators in vector
// lanes, so the summation order differs from a sequential sum). Single-threaded.
double sum_abs(const float* values, uint64_t n);

// Which code path sum_abs takes: the kernel's SIMD level (cpu_features.h), DGP_SIMD included.
const char* sum_abs_isa();

}  // namespace dgp_bench

#endif  // DGP_BENCH_BASELINES_H
