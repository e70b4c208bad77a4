// Threshold search for small layers (up to kSmallLayerMax elements, a few L1/L2 pages): the same
// MSD radix select as the large path, but with 8-bit digits (256-bin histograms on the stack,
// 1 KB to clear instead of 2048 bins per sub-histogram) and candidate lists in scratch that the
// caller reuses across layers, so a layer costs no heap allocation and no 2048-bin pass.
//   pass 0  key bits 30..23 (the exponent) over the layer, with the NaN/Inf check
//   compact the two chosen buckets' (key, index) into the scratch lists, index order kept
//   pass 1-3 key bits 22..15, 14..7, 6..0 over each list, filtering it in place, until the list
//           holds at most kSortMax candidates
//   finish  rank the remaining candidates as packed words (key << 32 | ~index): ascending word
//           order is exactly the ascending rank order (key ascending, ties by index descending),
//           so the word at the wanted position is the threshold element itself.
// Layers of at most kSortMax elements skip the histogram and are finished the same way. Portable C++:
// the wasm build compiles it too.
#ifndef DGP_SMALL_SELECT_H
#define DGP_SMALL_SELECT_H

#include <cstdint>
#include <cstring>
#include <vector>

#include "radix_common.h"
#include "select_neon.h"
#include "simd_variants.h"

#if DGP_X86_VARIANTS
#include <immintrin.h>

#include "compress8.h"
#endif

namespace dgp {

// Layers up to this size take the small path (measured crossover with the 2048-bin path, see
// docs/BENCHMARKS.md "small layers"). Candidate lists need 2 x 2 x 4 bytes per element.
constexpr uint64_t kSmallLayerMax = uint64_t(1) << 15;

// Candidate lists this short are finished by ranking packed words instead of more radix passes.
constexpr uint32_t kSortMax = 16;

constexpr int kSmallPasses = 4;
inline int small_digit_shift(int pass) { return pass == 0 ? 23 : pass == 1 ? 15 : pass == 2 ? 7 : 0; }
inline uint32_t small_digit_mask(int pass) { return pass == 3 ? 0x7fu : 0xffu; }

// Candidate lists of both thresholds, grown on demand and reused (one per worker thread).
class SmallScratch {
 public:
  // Room for n candidates per side plus kSlack slots for the appends' spare stores (the scalar
  // one stores one slot ahead, AVX2 a whole 8-lane vector, AVX-512 a whole 16-lane one).
  static constexpr uint64_t kSlack = 16;
  void reserve(uint64_t n) {
    if (keys_.size() >= 2 * (n + kSlack)) return;
    keys_.assign(2 * (n + kSlack), 0);
    index_.assign(2 * (n + kSlack), 0);
    side_len_ = n + kSlack;
  }
  uint32_t* keys(int side) { return keys_.data() + side * side_len_; }
  uint32_t* index(int side) { return index_.data() + side * side_len_; }

 private:
  std::vector<uint32_t> keys_, index_;
  uint64_t side_len_ = 0;
};

namespace small_detail {

struct Side {
  bool active;
  uint64_t rank;     // ascending position still wanted among the current candidates
  uint32_t prefix;   // key bits fixed so far (>> small_digit_shift of the last pass)
  uint32_t count;    // candidates in the list
  uint32_t* keys;
  uint32_t* index;
};

// Picks the bucket holding s.rank; s.prefix gains the digit, s.rank becomes the position in it.
inline void choose(Side& s, const uint32_t* hist, int bins, int pass) {
  // Find the group of 16 bins first (the sums vectorise), then the bin inside it.
  uint64_t seen = 0;
  int group = 0;
  for (; group + 16 < bins; group += 16) {
    uint32_t sum = 0;
    for (int b = 0; b < 16; ++b) sum += hist[group + b];
    if (s.rank < seen + sum) break;
    seen += sum;
  }
  s.rank -= seen;
  uint64_t below = 0;
  const uint32_t bucket = uint32_t(group) + select_bucket(hist + group, bins - group, &s.rank, &below);
  s.prefix = pass == 0 ? bucket : (s.prefix << (pass == 3 ? 7 : 8)) | bucket;
  s.count = hist[bucket];
}

// One refine pass over a side's list: histogram of the digit, choose, keep that bucket (stable).
inline void refine(Side& s, int pass) {
  const int shift = small_digit_shift(pass);
  const uint32_t mask = small_digit_mask(pass);
  uint32_t hist[256];
  std::memset(hist, 0, sizeof hist);
  const uint32_t m = s.count;
  for (uint32_t j = 0; j < m; ++j) ++hist[(s.keys[j] >> shift) & mask];
  choose(s, hist, int(mask + 1), pass);
  const uint32_t bucket = s.prefix & mask;
  uint32_t w = 0;
  for (uint32_t j = 0; j < m; ++j) {
    const uint32_t k = s.keys[j];
    s.keys[w] = k;
    s.index[w] = s.index[j];
    w += ((k >> shift) & mask) == bucket;
  }
}

// Appends (key, index) of the elements of bits[i, n) whose key >> 23 is tb (to the t list) or bb
// (to the b list), in index order, branch-free. Returns nothing; t and b advance.
inline void compact_small_scalar(const uint32_t* bits, uint64_t i, uint64_t n, uint32_t tb, uint32_t bb,
                                 uint32_t* tk, uint32_t* ti, uint64_t& t, uint32_t* bk, uint32_t* bi,
                                 uint64_t& b) {
  for (; i < n; ++i) {
    const uint32_t k = bits[i] & kMagnitudeMask;
    const uint32_t d = k >> 23;
    tk[t] = k;
    ti[t] = uint32_t(i);
    t += d == tb;
    bk[b] = k;
    bi[b] = uint32_t(i);
    b += d == bb;
  }
}

#if DGP_X86_VARIANTS
// AVX-512: 16 digits per step compared with both buckets; a step without a match (most) stores
// nothing, the others append the matching keys and indices (append16_avx512, compress8.h;
// SmallScratch::kSlack spare slots).
__attribute__((target("avx512f"))) inline void compact_small_avx512(
    const uint32_t* bits, uint64_t n, uint32_t tb, uint32_t bb, uint32_t* tk, uint32_t* ti, uint64_t& t,
    uint32_t* bk, uint32_t* bi, uint64_t& b) {
  const __m512i tbv = _mm512_set1_epi32(int(tb)), bbv = _mm512_set1_epi32(int(bb));
  const __m512i magnitude = _mm512_set1_epi32(int(kMagnitudeMask));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  uint64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i k = _mm512_and_si512(_mm512_loadu_si512(bits + i), magnitude);
    const __m512i d = _mm512_maskz_srli_epi32(__mmask16(0xffff), k, 23);
    const __mmask16 mt = _mm512_cmpeq_epi32_mask(d, tbv), mb = _mm512_cmpeq_epi32_mask(d, bbv);
    if ((mt | mb) == 0) continue;
    const __m512i ix = _mm512_add_epi32(_mm512_set1_epi32(int(uint32_t(i))), lane);
    if (mt) append16_avx512(tk, ti, t, mt, k, ix);
    if (mb) append16_avx512(bk, bi, b, mb, k, ix);
  }
  if (i == n) return;
  // The last < 16 elements in one masked step (a masked-off lane is never read, so nothing past
  // the layer is touched): bucket 0x100 in those lanes matches neither side.
  const __mmask16 live = __mmask16((1u << (n - i)) - 1u);
  const __m512i k = _mm512_and_si512(_mm512_maskz_loadu_epi32(live, bits + i), magnitude);
  const __m512i d = _mm512_mask_srli_epi32(_mm512_set1_epi32(0x100), live, k, 23);
  const __mmask16 mt = _mm512_cmpeq_epi32_mask(d, tbv), mb = _mm512_cmpeq_epi32_mask(d, bbv);
  const __m512i ix = _mm512_add_epi32(_mm512_set1_epi32(int(uint32_t(i))), lane);
  append16_avx512(tk, ti, t, mt, k, ix);
  append16_avx512(bk, bi, b, mb, k, ix);
}

// AVX2: 8 digits per step; a step with a match permutes the matching lanes to the front
// (append8_avx2) and stores all 8 at the list's end (kSlack spare slots).
__attribute__((target("avx2"))) inline void compact_small_avx2(
    const uint32_t* bits, uint64_t n, uint32_t tb, uint32_t bb, uint32_t* tk, uint32_t* ti, uint64_t& t,
    uint32_t* bk, uint32_t* bi, uint64_t& b) {
  const __m256i tbv = _mm256_set1_epi32(int(tb)), bbv = _mm256_set1_epi32(int(bb));
  const __m256i magnitude = _mm256_set1_epi32(int(kMagnitudeMask));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i k = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(bits + i)), magnitude);
    const __m256i d = _mm256_srli_epi32(k, 23);
    const unsigned mt = unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(d, tbv))));
    const unsigned mb = unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(d, bbv))));
    if ((mt | mb) == 0) continue;
    const __m256i ix = _mm256_add_epi32(_mm256_set1_epi32(int(uint32_t(i))), lane);
    if (mt) append8_avx2(tk, ti, t, mt, k, ix);
    if (mb) append8_avx2(bk, bi, b, mb, k, ix);
  }
  compact_small_scalar(bits, i, n, tb, bb, tk, ti, t, bk, bi, b);
}
#endif

// Ascending-order word of element i: key above, ~index below (ties: higher index first).
inline uint64_t packed(uint32_t key, uint32_t index) { return (uint64_t(key) << 32) | uint32_t(~index); }

// The word at ascending position `rank` among m distinct words: the one with exactly `rank`
// smaller words. m*m compares without a data-dependent branch (they vectorise; the words are
// below 2^63, so signed compares order them): cheaper than a sort's mispredictions for m <= kSortMax.
inline uint64_t word_at(const uint64_t* w, uint32_t m, uint64_t rank) {
  const int64_t* v = reinterpret_cast<const int64_t*>(w);
  uint64_t found = 0;
  for (uint32_t i = 0; i < m; ++i) {
    const int64_t x = v[i];
    uint32_t smaller = 0;
    for (uint32_t j = 0; j < m; ++j) smaller += v[j] < x;
    found = smaller == rank ? w[i] : found;
  }
  return found;
}

// Thresholds from the elements at the top and bottom ascending positions (radix_common.h):
// top iff word >= the top word, so ties at the top key with index <= its index are top;
// bottom iff word <= the bottom word, so ties at the bottom key with index >= its index.
inline void thresholds_from_words(bool top, uint64_t top_word, bool bottom, uint64_t bottom_word,
                                  Thresholds* out) {
  if (top) {
    out->top_key = uint32_t(top_word >> 32);
    out->top_index = uint64_t(uint32_t(~uint32_t(top_word))) + 1;
  }
  if (bottom) {
    out->bottom_key = uint32_t(bottom_word >> 32);
    out->bottom_index = uint32_t(~uint32_t(bottom_word));
  }
}

}  // namespace small_detail

// Exact thresholds of a layer of n <= kSmallLayerMax elements (counts already checked). Returns
// false and sets *bad_index (the first NaN/Inf) when the layer holds one.
inline bool find_thresholds_small(const uint32_t* bits, uint64_t n, uint64_t k_top, uint64_t k_bottom,
                                  SmallScratch& scratch, Thresholds* out, uint64_t* bad_index) {
  using small_detail::Side;
  *out = no_thresholds();
  const auto bad = [&] {
    const uint64_t i = first_non_finite_f32(bits, n);
    if (i < n) *bad_index = i;
    return false;
  };
  // (bits & exponent) + one exponent step overflows into bit 31 exactly for NaN/Inf.
  uint32_t flag = 0;
  uint64_t words[kSortMax];
  if (n <= kSortMax) {
    for (uint64_t i = 0; i < n; ++i) {
      flag |= (bits[i] & kExponentMask) + 0x00800000u;
      words[i] = small_detail::packed(bits[i] & kMagnitudeMask, uint32_t(i));
    }
    if (flag & 0x80000000u) return bad();
    const uint32_t m = uint32_t(n);
    small_detail::thresholds_from_words(
        k_top > 0, k_top > 0 ? small_detail::word_at(words, m, n - k_top) : 0, k_bottom > 0,
        k_bottom > 0 ? small_detail::word_at(words, m, k_bottom - 1) : 0, out);
    return true;
  }

  uint32_t hist[256];
  std::memset(hist, 0, sizeof hist);
  for (uint64_t i = 0; i < n; ++i) {
    const uint32_t u = bits[i];
    flag |= (u & kExponentMask) + 0x00800000u;
    ++hist[(u >> 23) & 0xffu];
  }
  if (flag & 0x80000000u) return bad();
  if (k_top == 0 && k_bottom == 0) return true;

  scratch.reserve(n);
  Side sides[2] = {{k_top > 0, n - k_top, 0, 0, scratch.keys(0), scratch.index(0)},
                   {k_bottom > 0, k_bottom - 1, 0, 0, scratch.keys(1), scratch.index(1)}};
  for (Side& s : sides)
    if (s.active) small_detail::choose(s, hist, 256, 0);

  // Compact both buckets in one pass. An inactive side never matches (bucket 0x100).
  const uint32_t tb = sides[0].active ? sides[0].prefix : 0x100u;
  const uint32_t bb = sides[1].active ? sides[1].prefix : 0x100u;
  uint32_t *tk = sides[0].keys, *ti = sides[0].index, *bk = sides[1].keys, *bi = sides[1].index;
  uint64_t t = 0, b = 0;
#if DGP_X86_VARIANTS
  static const Simd level = active_simd();
  if (level == Simd::Avx512) small_detail::compact_small_avx512(bits, n, tb, bb, tk, ti, t, bk, bi, b);
  else if (level == Simd::Avx2) small_detail::compact_small_avx2(bits, n, tb, bb, tk, ti, t, bk, bi, b);
  else
#endif
#if DGP_NEON
  if (neon::enabled()) neon::compact_small(bits, n, tb, bb, tk, ti, t, bk, bi, b, small_detail::compact_small_scalar);
  else
#endif
    small_detail::compact_small_scalar(bits, 0, n, tb, bb, tk, ti, t, bk, bi, b);

  uint64_t found[2] = {0, 0};
  for (int side = 0; side < 2; ++side) {
    Side& s = sides[side];
    if (!s.active) continue;
    for (int pass = 1; pass < kSmallPasses && s.count > kSortMax; ++pass) small_detail::refine(s, pass);
    // At most kSortMax candidates left (or all four digits fixed and every candidate equal):
    // the list is a contiguous run of the ascending order, so sort it and take the position.
    const uint32_t m = s.count;
    if (m <= kSortMax) {
      for (uint32_t j = 0; j < m; ++j) words[j] = small_detail::packed(s.keys[j], s.index[j]);
      found[side] = small_detail::word_at(words, m, s.rank);
    } else {
      // All equal keys, in index order: ascending position r is the (m-1-r)-th in index order.
      found[side] = small_detail::packed(s.prefix, s.index[m - 1 - s.rank]);
    }
  }
  small_detail::thresholds_from_words(sides[0].active, found[0], sides[1].active, found[1], out);
  return true;
}

}  // namespace dgp

#endif  // DGP_SMALL_SELECT_H
