// Sample-bracketed threshold search for large layers (dual_select.cc tries it first).
//
// The exact radix path reads a large layer three times (2048-bin histogram, compaction, output)
// and its histogram is a scalar scatter that no vector ISA speeds up. This path reads it once:
//   sample   a fixed strided sample of the keys (up to kBracketSample) gives, for each cut, a
//            key interval [lo, hi] that holds the cut with high probability;
//   pass     one vectorised read counts the keys above the top interval and below the bottom
//            one, copies (key, index) of the keys inside either interval to a candidate list
//            (index order kept), and writes each element's code as if the cuts sat between the
//            intervals: exact for every element outside them;
//   resolve  the counts say whether each cut really lies in its interval (else: Miss, and the
//            caller runs the exact radix path); if so, the exact cut is found among the
//            candidates (a few percent of the layer) and their codes are rewritten.
// The result is exact whatever the sample says (SPEC §1 order); only the speed depends on it.
// Ties bigger than the candidate cap (e.g. a cut inside millions of equal keys) are a Miss,
// usually predicted from the sample before the pass.
#ifndef DGP_BRACKET_SELECT_H
#define DGP_BRACKET_SELECT_H

#include <cstdint>

#include "radix_common.h"

namespace dgp {

// Layers from this size take the bracketed path first; the sample has at most kBracketSample keys.
constexpr uint64_t kBracketMin = uint64_t(1) << 18;
constexpr uint64_t kBracketSample = uint64_t(1) << 14;

enum class BracketResult { Done, Miss, NonFinite };

// The sample: s = bracket_sample_size(n) keys, the j-th at bracket_sample_at(n, s, j): one per
// stride, at a pseudo-random offset inside it, so the rows of a matrix whose length divides the
// stride are not all sampled in one column. (Public so tests can build inputs the sample
// misjudges.)
uint64_t bracket_sample_size(uint64_t n);
inline uint64_t bracket_sample_at(uint64_t n, uint64_t s, uint64_t j) {
  const uint64_t stride = n / s;
  uint32_t h = uint32_t(j) * 0x9e3779b9u;  // a multiplicative hash of j, then a xorshift round
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  return j * stride + ((uint64_t(h) * stride) >> 32);  // h % stride without a divide
}

// Whether the pass has a vector loop here (AVX-512, AVX2, SIMD128 or NEON, as DGP_SIMD allows).
// Scalar, it is no faster than the radix path, so select_layers_cpu uses it only when this
// holds; tests call find_thresholds_bracketed on every path.
bool bracket_vectorised();

// Thresholds of one layer of n >= kBracketMin keys; when codes is not null and the result is
// Done, every code is written (SPEC §1). `parts` ranges run on up to `threads` pool threads.
// On Miss nothing is known (codes may hold anything); on NonFinite the layer holds a NaN/Inf.
BracketResult find_thresholds_bracketed(const uint32_t* bits, uint64_t n, uint64_t k_top,
                                        uint64_t k_bottom, uint8_t* codes, int parts,
                                        int threads, Thresholds* out);

}  // namespace dgp

#endif  // DGP_BRACKET_SELECT_H
