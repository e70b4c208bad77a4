// The parts of the dual radix select that do not depend on where they run: key extraction,
// digit layout, bucket choice and the final tie rule. Written once, compiled for the host (CPU
// kernel, native tests) and for the device (CUDA kernel).
//
// Keys: for a float32 g, key = bits(g) & 0x7fffffff. For non-negative floats the IEEE bit
// pattern is monotone in the value, so comparing keys compares |g|; -0 and +0 share key 0.
//
// Order: SPEC §1 ranks by |g| descending, ties by lower index first. We work in the reverse
// ("ascending") order: key ascending, ties by higher index first. Position p in ascending order
// is rank n-1-p. The top set T is ascending positions [n-kTop, n), the bottom set B is [0, kBottom).
#ifndef DGP_RADIX_COMMON_H
#define DGP_RADIX_COMMON_H

#include <stdint.h>
#include <string.h>

#if defined(__CUDACC__)
#define DGP_HD __host__ __device__ __forceinline__
#else
#define DGP_HD inline
#endif

namespace dgp {

constexpr uint32_t kMagnitudeMask = 0x7fffffffu;
constexpr uint32_t kExponentMask = 0x7f800000u;

// Three MSD passes over the 31 key bits: 11 + 11 + 9.
constexpr int kPasses = 3;
constexpr int kMaxDigitBits = 11;
constexpr int kMaxBins = 1 << kMaxDigitBits;  // 2048

DGP_HD uint32_t magnitude_key(uint32_t bits) { return bits & kMagnitudeMask; }

// NaN and +-Infinity both have an all-ones exponent.
DGP_HD bool is_non_finite(uint32_t bits) { return (bits & kExponentMask) == kExponentMask; }

// The one NaN/Inf scan of the C++ code (selection, the wire decoder, the streaming validators):
// the position of the first non-finite among n float32 at p, or n. p may be unaligned (message
// bytes: the wire format is little-endian, as is every supported host).
inline uint64_t first_non_finite_f32(const void* p, uint64_t n) {
  const unsigned char* b = static_cast<const unsigned char*>(p);
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t u;
    memcpy(&u, b + 4 * i, 4);
    if (is_non_finite(u)) return i;
  }
  return n;
}

DGP_HD int digit_bits(int pass) { return pass < 2 ? 11 : 9; }
DGP_HD int digit_shift(int pass) { return pass == 0 ? 20 : (pass == 1 ? 9 : 0); }
DGP_HD int digit_bins(int pass) { return 1 << digit_bits(pass); }

DGP_HD uint32_t key_digit(uint32_t key, int pass) {
  return (key >> digit_shift(pass)) & ((1u << digit_bits(pass)) - 1u);
}

// The key bits above this pass's digit: the prefix fixed by the earlier passes.
DGP_HD uint32_t key_prefix(uint32_t key, int pass) {
  const int shift = digit_shift(pass) + digit_bits(pass);
  return shift >= 32 ? 0u : (key >> shift);
}

// Given the histogram of this pass (over the elements sharing the prefix so far) and the
// ascending position `rank` wanted inside it, return the bucket holding that position and
// reduce `rank` to the position inside the bucket. `below` gets the count of smaller elements.
DGP_HD uint32_t select_bucket(const uint32_t* hist, int bins, uint64_t* rank, uint64_t* below) {
  uint64_t seen = 0;
  for (int b = 0; b < bins; ++b) {
    const uint64_t h = hist[b];
    if (*rank < seen + h) {
      *rank -= seen;
      *below = seen;
      return (uint32_t)b;
    }
    seen += h;
  }
  // Unreachable for a consistent histogram (rank < total); keep the answer in range anyway.
  *below = seen;
  *rank = 0;
  return (uint32_t)(bins - 1);
}

// The exact thresholds once all passes are done, in the form the output pass needs:
//   top    iff key > top_key    or (key == top_key    and index <  top_index)
//   bottom iff key < bottom_key or (key == bottom_key and index >= bottom_index)
// With k_top == 0: top_key = 0xffffffff, top_index = 0 (never top).
// With k_bottom == 0: bottom_key = 0, bottom_index = UINT64_MAX (never bottom).
struct Thresholds {
  uint32_t top_key;
  uint32_t bottom_key;
  uint64_t top_index;
  uint64_t bottom_index;
};

DGP_HD Thresholds no_thresholds() {
  Thresholds t;
  t.top_key = 0xffffffffu;
  t.top_index = 0;
  t.bottom_key = 0;
  t.bottom_index = ~(uint64_t)0;
  return t;
}

// Ties at a threshold key, in index order, are numbered 0..equal-1 ("tie ordinal").
// rank_in_ties is the ascending position left over after the last pass (0..equal-1); ascending
// order among ties is by index descending, so ordinal = equal-1-position.
//   Top: ascending positions >= rank are top; those are the first (equal - rank) ordinals.
DGP_HD uint64_t top_tie_count(uint64_t equal, uint64_t rank_in_ties) { return equal - rank_in_ties; }
//   Bottom: ascending positions <= rank are bottom; those are the last (rank+1) ordinals, so the
//   first bottom ordinal is equal-1-rank.
DGP_HD uint64_t bottom_first_tie_ordinal(uint64_t equal, uint64_t rank_in_ties) {
  return equal - 1 - rank_in_ties;
}

// Class code of one element (SPEC §1): 0 bottom-removed, 1 kept, 2 top-removed.
DGP_HD uint8_t classify(uint32_t key, uint64_t index, const Thresholds& t) {
  const bool top = key > t.top_key || (key == t.top_key && index < t.top_index);
  const bool bottom = key < t.bottom_key || (key == t.bottom_key && index >= t.bottom_index);
  return (uint8_t)(1 + (top ? 1 : 0) - (bottom ? 1 : 0));
}

}  // namespace dgp

#endif  // DGP_RADIX_COMMON_H
