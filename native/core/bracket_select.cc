// Sample-bracketed threshold search; see bracket_select.h for the method.
#include "bracket_select.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu_features.h"
#include "compress4.h"
#include "compress8.h"
#include "select_neon.h"
#include "simd_variants.h"
#include "thread_pool.h"

namespace dgp {
namespace {

// What the pass tests. Keys above `above` are top and keys below `below` are bottom for sure;
// keys in [top_lo, top_hi] and in [bottom_lo, bottom_hi] are the two cuts' candidates. The code
// written is 2 for keys above top_mid, 0 below bottom_mid, else 1: exact outside the intervals,
// and inside them right for all but the candidates between each mid (the sample's guess of the
// cut) and the exact cut, which are rewritten afterwards. An inactive side has above = top_mid
// = 0x7fffffff (no key is above) or below = bottom_mid = 0, and the empty interval [1, 0]. All
// bounds fit in 31 bits, so signed compares order them (AVX2 and SIMD128 have no unsigned one).
struct BracketBounds {
  uint32_t above, below;
  uint32_t top_lo, top_hi, bottom_lo, bottom_hi;
  uint32_t top_mid, bottom_mid;
};

// The code the pass writes for key k.
inline uint32_t provisional_code(uint32_t k, const BracketBounds& b) {
  return 1 + uint32_t(k > b.top_mid) - uint32_t(k < b.bottom_mid);
}

struct BracketTally {
  uint64_t above = 0, below = 0;
  uint32_t max_key = 0;  // a NaN/Inf has a key >= kExponentMask
};

// A candidate list being filled: (key, index) pairs in index order, the next free slot `at`.
struct CandidateList {
  uint32_t* keys;
  uint32_t* index;
  uint64_t at;
  // Branch-free append: stores always (one slot of slack), advances when `take`.
  inline void offer(uint32_t k, uint32_t i, bool take) {
    keys[at] = k;
    index[at] = i;
    at += take;
  }
};

// The pass over [i, end): provisional codes, tallies, candidates. The SIMD flavours run it on
// their tails. Everything lives in locals: the byte stores of the codes may alias anything
// reached through a pointer, which would force a reload of every tally and list end per key.
inline void bracket_scalar(const uint32_t* bits, uint64_t i, uint64_t end, const BracketBounds& b_in,
                           uint8_t* codes, CandidateList& top_in, CandidateList& bottom_in, BracketTally& t) {
  const BracketBounds b = b_in;
  CandidateList top = top_in, bottom = bottom_in;
  uint64_t above = 0, below = 0;
  uint32_t max_key = t.max_key;
  for (; i < end; ++i) {
    const uint32_t k = bits[i] & kMagnitudeMask;
    above += k > b.above;
    below += k < b.below;
    max_key = std::max(max_key, k);
    if (codes) codes[i] = uint8_t(provisional_code(k, b));
    top.offer(k, uint32_t(i), (k >= b.top_lo) & (k <= b.top_hi));
    bottom.offer(k, uint32_t(i), (k >= b.bottom_lo) & (k <= b.bottom_hi));
  }
  t.above += above;
  t.below += below;
  t.max_key = max_key;
  top_in = top;
  bottom_in = bottom;
}

// The SIMD flavours of the pass, each in its own header (included inside this namespace).
#if DGP_X86_VARIANTS
#include "select_x86.h"
#endif
#if defined(__wasm_simd128__)
#define DGP_BRACKET_PASS 1
#include "select_wasm_simd128.h"
#endif

void bracket_range(const uint32_t* bits, uint64_t begin, uint64_t end, const BracketBounds& b,
                   uint8_t* codes, CandidateList& top, CandidateList& bottom, BracketTally& t) {
#if defined(__wasm_simd128__)
  return bracket_wasm_simd128(bits, begin, end, b, codes, top, bottom, t);
#endif
#if DGP_NEON
  if (neon::enabled()) return neon::bracket(bits, begin, end, b, codes, top, bottom, t, bracket_scalar);
#endif
#if DGP_X86_VARIANTS
  static const Simd level = active_simd();
  if (level == Simd::Avx512) return bracket_avx512(bits, begin, end, b, codes, top, bottom, t);
  if (level == Simd::Avx2) return bracket_avx2(bits, begin, end, b, codes, top, bottom, t);
#endif
  bracket_scalar(bits, begin, end, b, codes, top, bottom, t);
}

// The pass runs in blocks: before each, both lists must have room for the whole block, so a
// list never overflows (SIMD flavours store up to 16 slots past the end: kSlack).
constexpr uint64_t kBlock = 4096;
constexpr uint64_t kSlack = 16;

struct Scratch {
  std::vector<uint32_t> keys[2], index[2];  // top and bottom lists, the parts' regions side by side
  std::vector<uint32_t> narrow_keys, narrow_index;  // a cut's bucket while it is narrowed
  std::vector<uint32_t> sample;
};

Scratch& scratch() {
#if defined(DGP_SINGLE_THREADED)
  static Scratch s;  // wasm: one thread, and no thread_local destructors in wasi
#else
  thread_local Scratch s;  // kept across calls: no allocation or page faults per large layer
#endif
  return s;
}

void ensure(std::vector<uint32_t>& v, uint64_t n) {
  if (v.size() < n) v.resize(n);
}

// Finds the key at ascending position *rank among keys[0, size), all in [lo, hi]: histograms of
// (key - lo) >> shift on at most 2048 bins, keeping the bucket that holds the rank, until one
// key is left. The first round reads the input; the bucket's (key, index) pairs are copied
// to out_keys / out_index (index may be null) in order, and later rounds filter those in place.
// Afterwards out holds exactly the *size elements equal to the returned key, in input order,
// and *rank is the position inside them.
uint32_t narrow(const uint32_t* keys, const uint32_t* index, uint64_t* size, uint32_t lo,
                uint32_t hi, uint64_t* rank, uint32_t* out_keys, uint32_t* out_index) {
  uint32_t hist[kMaxBins];
  for (;;) {
    const uint32_t width = hi - lo;
    const int shift = width < kMaxBins ? 0 : (32 - __builtin_clz(width)) - kMaxDigitBits;
    const int bins = int(width >> shift) + 1;
    std::memset(hist, 0, sizeof(uint32_t) * bins);
    for (uint64_t j = 0; j < *size; ++j) ++hist[(keys[j] - lo) >> shift];
    uint64_t below = 0;
    const uint32_t bucket = select_bucket(hist, bins, rank, &below);
    uint64_t m = 0;
    for (uint64_t j = 0; j < *size; ++j) {
      const uint32_t k = keys[j];
      out_keys[m] = k;
      if (out_index) out_index[m] = index[j];
      m += ((k - lo) >> shift) == bucket;
    }
    *size = m;
    keys = out_keys;
    index = out_index;
    lo += bucket << shift;
    if (shift == 0) return lo;
    hi = uint32_t(std::min<uint64_t>(hi, uint64_t(lo) + (uint64_t(1) << shift) - 1));
  }
}

void take_sample(const uint32_t* bits, uint64_t n, uint64_t s, uint32_t* out) {
  for (uint64_t j = 0; j < s; ++j) out[j] = bits[bracket_sample_at(n, s, j)] & kMagnitudeMask;
}

// Key interval [*lo, *hi] that holds the cut at ascending position `pos` of n with high
// probability: the sample's keys about 4 standard deviations of a sample quantile below and
// above it; *mid is the sample's key at the cut's place.
void interval(const uint32_t* sample, uint64_t s, uint64_t n, uint64_t pos, uint32_t* work,
              uint32_t* lo, uint32_t* mid, uint32_t* hi) {
  const double f = (double(pos) + 0.5) / double(n);
  const double q = f * double(s), margin = 4.0 * std::sqrt(double(s) * f * (1.0 - f)) + 3.0;
  const double at[3] = {std::floor(q - margin), std::floor(q), std::ceil(q + margin)};
  uint32_t* bound[3] = {lo, mid, hi};
  for (int e = 0; e < 3; ++e) {
    if (at[e] < 0) {
      *bound[e] = 0;
    } else if (at[e] >= double(s)) {
      *bound[e] = kMagnitudeMask;
    } else {
      uint64_t size = s, rank = uint64_t(at[e]);
      *bound[e] = narrow(sample, nullptr, &size, 0, kMagnitudeMask, &rank, work, nullptr);
    }
  }
}

// The exact cut at ascending position `pos` of n from its candidate list (all keys in
// [lo, hi], in index order); `below` counts the keys under lo. Returns false if the cut is not
// in the interval. Else sets *key, *equal (how many keys equal it), *rank inside those, and
// leaves their indices, in index order, in S.narrow_index.
bool resolve(Scratch& S, const uint32_t* keys, const uint32_t* index, uint64_t size, uint32_t lo,
             uint32_t hi, uint64_t pos, uint64_t below, uint32_t* key, uint64_t* equal, uint64_t* rank) {
  if (pos < below || pos >= below + size) return false;
  *rank = pos - below;
  *key = narrow(keys, index, &size, lo, hi, rank, S.narrow_keys.data(), S.narrow_index.data());
  *equal = size;
  return true;
}

// Rewrites the codes the mids got wrong among one list's candidates, reading only the list.
// Only keys between a mid and its exact cut (the cut included, for its ties) can be wrong: a
// small share of the candidates, so the test for that range is a well-predicted branch.
void fix_codes(const uint32_t* keys, const uint32_t* index, uint64_t size, const Thresholds& th,
               uint64_t n, const BracketBounds& b, uint8_t* codes) {
  // [lo, lo + width] per side; an inactive side gets an empty range (width wraps to lo > hi).
  uint32_t lo[2] = {1, 1}, width[2] = {0, 0};
  bool any[2] = {false, false};
  if (th.top_key != 0xffffffffu) {
    lo[0] = std::min(b.top_mid + 1, th.top_key);
    width[0] = std::max(b.top_mid, th.top_key) - lo[0];
    any[0] = true;
  }
  if (th.bottom_index <= n) {
    lo[1] = std::min(b.bottom_mid, th.bottom_key);
    width[1] = std::max(b.bottom_mid == 0 ? 0 : b.bottom_mid - 1, th.bottom_key) - lo[1];
    any[1] = true;
  }
  for (uint64_t j = 0; j < size; ++j) {
    const uint32_t k = keys[j];
    if (!((any[0] && k - lo[0] <= width[0]) || (any[1] && k - lo[1] <= width[1]))) continue;
    const uint8_t c = classify(k, index[j], th);
    if (c != provisional_code(k, b)) codes[index[j]] = c;
  }
}

}  // namespace

bool bracket_vectorised() {
#if defined(__wasm_simd128__)
  return true;
#elif DGP_X86_VARIANTS
  return active_simd() >= Simd::Avx2;
#elif DGP_NEON
  return neon::enabled();
#else
  return false;
#endif
}

// About n^(2/3) / 2 balances the sample's cost against the candidates' (the intervals, and so
// the candidates, shrink as 1/sqrt(sample)).
uint64_t bracket_sample_size(uint64_t n) {
  const double s = 0.5 * std::cbrt(double(n)) * std::cbrt(double(n));
  return std::min<uint64_t>(kBracketSample, std::max<uint64_t>(1024, uint64_t(s)));
}

BracketResult find_thresholds_bracketed(const uint32_t* bits, uint64_t n, uint64_t k_top,
                                        uint64_t k_bottom, uint8_t* codes, int parts,
                                        int threads, Thresholds* out) {
  Scratch& S = scratch();
  const uint64_t s = bracket_sample_size(n);
  ensure(S.sample, 2 * s);
  uint32_t* sample = S.sample.data();
  take_sample(bits, n, s, sample);

  BracketBounds b{kMagnitudeMask, 0, 1, 0, 1, 0, kMagnitudeMask, 0};
  if (k_top > 0) {
    interval(sample, s, n, n - k_top, sample + s, &b.top_lo, &b.top_mid, &b.top_hi);
    b.above = b.top_hi;
  }
  if (k_bottom > 0) {
    interval(sample, s, n, k_bottom - 1, sample + s, &b.bottom_lo, &b.bottom_mid, &b.bottom_hi);
    b.below = b.bottom_lo;
  }
  // Expected candidates of each cut, from the sample; a cut inside a huge tie group shows here
  // and goes straight to the exact path.
  uint64_t in_sample[2] = {0, 0};
  for (uint64_t j = 0; j < s; ++j) {
    const uint32_t k = sample[j];
    in_sample[0] += (k >= b.top_lo) & (k <= b.top_hi);
    in_sample[1] += (k >= b.bottom_lo) & (k <= b.bottom_hi);
  }
  uint64_t cap[2];
  for (int side = 0; side < 2; ++side) {
    const uint64_t expected = in_sample[side] * (n / s);
    if (expected > n / 8) return BracketResult::Miss;
    cap[side] = (2 * expected + 4 * kBlock) / uint64_t(parts) + kBlock;  // per part
    ensure(S.keys[side], (cap[side] + kSlack) * parts);
    ensure(S.index[side], (cap[side] + kSlack) * parts);
  }

  std::vector<BracketTally> tally(parts);
  std::vector<uint64_t> found(2 * size_t(parts), 0);
  std::vector<char> overflow(parts, 0);
  auto run_part = [&](size_t p) {
    const uint64_t begin = n * p / parts, end = n * (p + 1) / parts;
    CandidateList list[2];
    for (int side = 0; side < 2; ++side) {
      const uint64_t region = p * (cap[side] + kSlack);
      list[side] = CandidateList{S.keys[side].data() + region, S.index[side].data() + region, 0};
    }
    for (uint64_t i = begin; i < end; i += kBlock) {
      const uint64_t e = std::min(end, i + kBlock);
      if (list[0].at + (e - i) > cap[0] || list[1].at + (e - i) > cap[1]) {
        overflow[p] = 1;
        return;
      }
      bracket_range(bits, i, e, b, codes, list[0], list[1], tally[p]);
    }
    found[2 * p] = list[0].at;
    found[2 * p + 1] = list[1].at;
  };
  if (parts == 1) run_part(0);
  else global_pool().parallel_for(size_t(parts), threads, [&](size_t p, int) { run_part(p); });

  BracketTally t;
  uint64_t size[2] = {0, 0};
  for (int p = 0; p < parts; ++p) {
    if (overflow[p]) return BracketResult::Miss;
    t.above += tally[p].above;
    t.below += tally[p].below;
    t.max_key = std::max(t.max_key, tally[p].max_key);
    for (int side = 0; side < 2; ++side) {  // the parts' regions side by side, in index order
      const uint64_t from = p * (cap[side] + kSlack), len = found[2 * p + side];
      std::memmove(&S.keys[side][size[side]], &S.keys[side][from], len * sizeof(uint32_t));
      std::memmove(&S.index[side][size[side]], &S.index[side][from], len * sizeof(uint32_t));
      size[side] += len;
    }
  }
  if (t.max_key >= kExponentMask) return BracketResult::NonFinite;

  ensure(S.narrow_keys, std::max(size[0], size[1]));
  ensure(S.narrow_index, std::max(size[0], size[1]));
  Thresholds th = no_thresholds();
  uint32_t key = 0;
  uint64_t equal = 0, rank = 0;
  if (k_top > 0) {
    // Keys under the top interval: all but those above it and those in it.
    if (!resolve(S, S.keys[0].data(), S.index[0].data(), size[0], b.top_lo, b.top_hi, n - k_top,
                 n - t.above - size[0], &key, &equal, &rank))
      return BracketResult::Miss;
    th.top_key = key;
    const uint64_t tops = top_tie_count(equal, rank);
    th.top_index = tops >= equal ? n : S.narrow_index[tops];
  }
  if (k_bottom > 0) {
    if (!resolve(S, S.keys[1].data(), S.index[1].data(), size[1], b.bottom_lo, b.bottom_hi,
                 k_bottom - 1, t.below, &key, &equal, &rank))
      return BracketResult::Miss;
    th.bottom_key = key;
    th.bottom_index = S.narrow_index[bottom_first_tie_ordinal(equal, rank)];
  }
  *out = th;
  if (codes)
    for (int side = 0; side < 2; ++side)
      fix_codes(S.keys[side].data(), S.index[side].data(), size[side], th, n, b, codes);
  return BracketResult::Done;
}

}  // namespace dgp
