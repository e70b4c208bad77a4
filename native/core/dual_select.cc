// CPU dual radix select. Per layer:
//   pass 0  one streaming read: 2048-bin histogram of the top 11 key bits, NaN/Inf check.
//           Both thresholds (top: ascending position n-kTop, bottom: kBottom-1) pick their
//           bucket from this one histogram.
//   compact one streaming read: copy (key, index) of the elements in the two chosen buckets to
//           small candidate lists (index order is kept), if they fit the scratch cap.
//   refine  passes 1 and 2 (11 and 9 bits) over the candidate lists only, filtering in place;
//           afterwards each list holds exactly the elements equal to its threshold key, in index
//           order, so the tie rule of SPEC §1 is a lookup (radix_common.h: Thresholds).
//   output  one streaming read: class codes / pruned values / sparse kept set.
// When the candidates do not fit the cap (e.g. millions of equal values) the refine passes and
// the tie lookup re-scan the layer instead: slower, same result, no allocation proportional to n.
#include "dual_select.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <vector>

#include "bracket_select.h"
#include "cpu_features.h"
#include "layer_check.h"
#include "compress4.h"
#include "compress8.h"
#include "select_neon.h"  // aarch64: NEON loops, on unless DGP_SIMD=scalar
#include "simd_variants.h"
#include "small_select.h"
#include "thread_pool.h"

#if DGP_X86_VARIANTS
#include <immintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

// Hot loops are compiled for AVX-512, AVX2 and baseline x86-64 and picked at run time
// (simd_variants.h, capped by DGP_SIMD), so one binary is fast everywhere without -march=native.

namespace dgp {
namespace {

// Candidate scratch per threshold, in elements (8 bytes each).
constexpr uint64_t kCandidateCap = uint64_t(1) << 20;
// Spare slots after each part's candidate region: the branch-free scalar append stores one slot
// ahead, the AVX-512 append stores a whole 16-lane vector at the next free slot.
constexpr uint64_t kCandidateSlack = 16;

inline const uint32_t* as_bits(const float* p) { return reinterpret_cast<const uint32_t*>(p); }

struct Range {
  uint64_t begin, end;
};

std::vector<Range> split(uint64_t n, int parts) {
  std::vector<Range> r(parts);
  for (int p = 0; p < parts; ++p) r[p] = {n * p / parts, n * (p + 1) / parts};
  return r;
}

// ---- pass 0 ----------------------------------------------------------------------------------

// Histogram of digit 0 over [begin, end) and an OR-accumulated non-finite flag. Four
// interleaved sub-histograms keep runs of equal digits from serialising on one counter.
static inline DGP_ALWAYS_INLINE bool histogram_pass0_body(const uint32_t* bits, uint64_t begin,
                                                          uint64_t end, uint32_t* hist) {
  static_assert(kMaxBins == 2048, "pass-0 digit is 11 bits");
  std::vector<uint32_t> sub(4 * kMaxBins, 0);
  uint32_t* h0 = sub.data();
  uint32_t* h1 = h0 + kMaxBins;
  uint32_t* h2 = h1 + kMaxBins;
  uint32_t* h3 = h2 + kMaxBins;
  // (bits & exponent) + one exponent step overflows into bit 31 exactly for NaN/Inf.
  uint32_t flag = 0;
  uint64_t i = begin;
  for (; i + 4 <= end; i += 4) {
    const uint32_t a = bits[i], b = bits[i + 1], c = bits[i + 2], d = bits[i + 3];
    flag |= ((a & kExponentMask) + 0x00800000u) | ((b & kExponentMask) + 0x00800000u) |
            ((c & kExponentMask) + 0x00800000u) | ((d & kExponentMask) + 0x00800000u);
    ++h0[(a >> 20) & 0x7ff];
    ++h1[(b >> 20) & 0x7ff];
    ++h2[(c >> 20) & 0x7ff];
    ++h3[(d >> 20) & 0x7ff];
  }
  for (; i < end; ++i) {
    flag |= (bits[i] & kExponentMask) + 0x00800000u;
    ++h0[(bits[i] >> 20) & 0x7ff];
  }
  for (int b = 0; b < kMaxBins; ++b) hist[b] = h0[b] + h1[b] + h2[b] + h3[b];
  return (flag & 0x80000000u) != 0;
}
DGP_SIMD_VARIANTS(bool, histogram_pass0, (const uint32_t* bits, uint64_t begin, uint64_t end, uint32_t* hist),
                  (bits, begin, end, hist))

// ---- one threshold's search state ------------------------------------------------------------

// A threshold's candidate list: views into per-thread storage that lives across calls, so a
// large layer's candidates (about 1-5% of it: megabytes at 10^7) are not a fresh allocation,
// zero fill and page faults on every call. The storage grows to the largest list seen (at most
// kCandidateCap + slack per threshold and thread) and is not shrunk.
struct Candidates {
  uint32_t* keys = nullptr;
  uint32_t* index = nullptr;
  uint64_t size = 0;
};

struct CandidateStorage {
  std::vector<uint32_t> keys, index;
};

Candidates candidate_storage(int side, uint64_t n) {
#if defined(DGP_SINGLE_THREADED)
  static CandidateStorage storage[2];  // wasm: one thread, and no thread_local destructors in wasi
#else
  thread_local CandidateStorage storage[2];
#endif
  CandidateStorage& s = storage[side];
  if (s.keys.size() < n) {
    s.keys.resize(n);
    s.index.resize(n);
  }
  return Candidates{s.keys.data(), s.index.data(), n};
}

struct Side {
  bool active = false;
  uint64_t rank = 0;      // ascending position still wanted inside the current prefix
  uint32_t prefix = 0;    // key bits fixed by the passes done so far
  uint64_t equal = 0;     // after the last pass: how many elements equal the threshold key
  bool compacted = false; // candidates hold exactly the elements with this prefix
  Candidates cand;
};

// Histogram of digit `pass` over the elements whose key has `prefix` above that digit.
void histogram_filtered(const uint32_t* bits, uint64_t begin, uint64_t end, int pass,
                        uint32_t prefix, uint32_t* hist) {
  std::memset(hist, 0, sizeof(uint32_t) * digit_bins(pass));
  for (uint64_t i = begin; i < end; ++i) {
    const uint32_t k = magnitude_key(bits[i]);
    if (key_prefix(k, pass) == prefix) ++hist[key_digit(k, pass)];
  }
}

// After bucket `bucket` was chosen at `pass`, keep only the candidates in it (stable).
void filter_candidates(Candidates& c, int pass, uint32_t bucket) {
  size_t m = 0;
  for (size_t j = 0; j < c.size; ++j) {
    const uint32_t k = c.keys[j];
    c.keys[m] = k;
    c.index[m] = c.index[j];
    m += key_digit(k, pass) == bucket ? 1 : 0;
  }
  c.size = m;
}

// Index of the tie with ordinal `ordinal` (0-based, index order) among keys equal to `key`.
uint64_t tie_index_by_scan(const uint32_t* bits, uint64_t n, uint32_t key, uint64_t ordinal) {
  uint64_t seen = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (magnitude_key(bits[i]) == key) {
      if (seen == ordinal) return i;
      ++seen;
    }
  }
  return n;  // unreachable when ordinal < count of equal keys
}

// Appends (key, index) of element i to the lists whose bucket its digit 0 matches. Branch-free:
// each list has one slot of slack for the unconditional store; a side that is not compacted
// writes into a one-slot sink with mask 0.
struct CompactSink {
  uint32_t* keys;
  uint32_t* index;
  uint64_t at;
  uint64_t mask;
  uint32_t bucket;
  inline void offer(uint32_t k, uint32_t i) {
    keys[at & mask] = k;
    index[at & mask] = i;
    at += (k >> 20) == bucket;
  }
};

inline void compact_scalar(const uint32_t* bits, uint64_t i, uint64_t end, CompactSink& top,
                           CompactSink& bottom) {
  for (; i < end; ++i) {
    const uint32_t k = bits[i] & kMagnitudeMask;
    top.offer(k, uint32_t(i));
    bottom.offer(k, uint32_t(i));
  }
}

#if DGP_X86_VARIANTS
// The list appends are compress8.h's (append8_avx2, append16_avx512); a sink that takes no
// candidates (bucket 0xffffffff) never has a lane set, and a mask without lanes stores nothing.
__attribute__((target("avx2"))) inline void append8(CompactSink& s, __m256i k, __m256i ix, unsigned m) {
  if (m) append8_avx2(s.keys, s.index, s.at, m, k, ix);
}

// AVX2: compare 16 digits at a time; blocks without a candidate (most) are skipped, the others
// are compressed through compress8.h's permutation table as the AVX-512 path does with vpcompressd.
__attribute__((target("avx2"))) void compact_avx2(const uint32_t* bits, uint64_t begin,
                                                   uint64_t end, CompactSink& top,
                                                   CompactSink& bottom) {
  const __m256i tb = _mm256_set1_epi32(int(top.bucket));
  const __m256i bb = _mm256_set1_epi32(int(bottom.bucket));
  const __m256i magnitude = _mm256_set1_epi32(int(kMagnitudeMask));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  uint64_t i = begin;
  for (; i + 16 <= end; i += 16) {
    const __m256i ka = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(bits + i)), magnitude);
    const __m256i kb = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(bits + i + 8)), magnitude);
    const __m256i da = _mm256_srli_epi32(ka, 20), db = _mm256_srli_epi32(kb, 20);
    const __m256i ta = _mm256_cmpeq_epi32(da, tb), tb2 = _mm256_cmpeq_epi32(db, tb);
    const __m256i ba = _mm256_cmpeq_epi32(da, bb), bb2 = _mm256_cmpeq_epi32(db, bb);
    const __m256i any = _mm256_or_si256(_mm256_or_si256(ta, tb2), _mm256_or_si256(ba, bb2));
    if (_mm256_testz_si256(any, any)) continue;
    const __m256i ixa = _mm256_add_epi32(_mm256_set1_epi32(int(uint32_t(i))), lane);
    const __m256i ixb = _mm256_add_epi32(_mm256_set1_epi32(int(uint32_t(i + 8))), lane);
    append8(top, ka, ixa, unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(ta))));
    append8(top, kb, ixb, unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(tb2))));
    append8(bottom, ka, ixa, unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(ba))));
    append8(bottom, kb, ixb, unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(bb2))));
  }
  compact_scalar(bits, i, end, top, bottom);
}
#endif

#if DGP_X86_VARIANTS
// AVX-512: compare 16 digits into a mask and append the matching keys and indices
// (append16_avx512, compress8.h). Needs kCandidateSlack spare slots.
__attribute__((target("avx512f"))) void compact_avx512(const uint32_t* bits, uint64_t begin,
                                                        uint64_t end, CompactSink& top,
                                                        CompactSink& bottom) {
  const __m512i tb = _mm512_set1_epi32(int(top.bucket));
  const __m512i bb = _mm512_set1_epi32(int(bottom.bucket));
  const __m512i magnitude = _mm512_set1_epi32(int(kMagnitudeMask));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  uint64_t i = begin;
  for (; i + 16 <= end; i += 16) {
    const __m512i k = _mm512_and_si512(_mm512_loadu_si512(bits + i), magnitude);
    // The maskz form: GCC 12 warns about the unmasked one's undefined pass-through operand.
    const __m512i d = _mm512_maskz_srli_epi32(__mmask16(0xffff), k, 20);
    const __mmask16 mt = _mm512_cmpeq_epi32_mask(d, tb);
    const __mmask16 mb = _mm512_cmpeq_epi32_mask(d, bb);
    if ((mt | mb) == 0) continue;
    const __m512i ix = _mm512_add_epi32(_mm512_set1_epi32(int(uint32_t(i))), lane);
    if (mt) append16_avx512(top.keys, top.index, top.at, mt, k, ix);
    if (mb) append16_avx512(bottom.keys, bottom.index, bottom.at, mb, k, ix);
  }
  compact_scalar(bits, i, end, top, bottom);
}
#endif

#if defined(__wasm_simd128__)
#include "select_wasm_simd128.h"  // the wasm build's SIMD128 loops (native/wasm/)
#endif

// Copies (key, index) of the elements whose digit 0 equals a wanted bucket, in index order.
void compact_block_loop(const uint32_t* bits, uint64_t begin, uint64_t end, CompactSink& top,
                        CompactSink& bottom) {
#if defined(__wasm_simd128__)
  return compact_wasm_simd128(bits, begin, end, top, bottom, compact_scalar);
#endif
#if DGP_NEON
  if (neon::enabled()) return neon::compact(bits, begin, end, top, bottom, compact_scalar);
#endif
#if DGP_X86_VARIANTS
  static const Simd level = active_simd();
  if (level == Simd::Avx512) return compact_avx512(bits, begin, end, top, bottom);
  if (level == Simd::Avx2) return compact_avx2(bits, begin, end, top, bottom);
#endif
  compact_scalar(bits, begin, end, top, bottom);
}

// ---- the threshold search --------------------------------------------------------------------

class ThresholdSearch {
 public:
  ThresholdSearch(const uint32_t* bits, uint64_t n, uint64_t k_top, uint64_t k_bottom, int threads)
      : bits_(bits), n_(n), threads_(threads) {
    top_.active = k_top > 0;
    top_.rank = n - k_top;
    bottom_.active = k_bottom > 0;
    bottom_.rank = k_bottom - 1;
    parts_ = (threads > 1 && n >= kSplitLayerMin) ? threads : 1;
    ranges_ = split(n, parts_);
  }

  // Returns false and sets *bad_index on NaN/Inf.
  bool run(Thresholds* out, uint64_t* bad_index) {
    *out = no_thresholds();
    if (!pass0()) {
      *bad_index = first_non_finite_f32(bits_, n_);
      return false;
    }
    if (!top_.active && !bottom_.active) return true;
    compact();
    for (int pass = 1; pass < kPasses; ++pass) refine(pass);
    if (top_.active) {
      out->top_key = top_.prefix;
      const uint64_t count = top_tie_count(top_.equal, top_.rank);
      out->top_index = count >= top_.equal ? n_ : tie_index(top_, count);
    }
    if (bottom_.active) {
      out->bottom_key = bottom_.prefix;
      out->bottom_index = tie_index(bottom_, bottom_first_tie_ordinal(bottom_.equal, bottom_.rank));
    }
    return true;
  }

 private:
  bool pass0() {
    chunk_hist_.assign(size_t(parts_) * kMaxBins, 0);
    std::vector<char> bad(parts_, 0);
    run_parts([&](int p) {
      bad[p] = histogram_pass0(bits_, ranges_[p].begin, ranges_[p].end,
                               &chunk_hist_[size_t(p) * kMaxBins]);
    });
    for (int p = 0; p < parts_; ++p)
      if (bad[p]) return false;
    std::vector<uint32_t> hist(kMaxBins, 0);
    for (int p = 0; p < parts_; ++p)
      for (int b = 0; b < kMaxBins; ++b) hist[b] += chunk_hist_[size_t(p) * kMaxBins + b];
    choose(top_, hist.data(), 0);
    choose(bottom_, hist.data(), 0);
    return true;
  }

  void choose(Side& s, const uint32_t* hist, int pass) {
    if (!s.active) return;
    uint64_t below = 0;
    const uint32_t bucket = select_bucket(hist, digit_bins(pass), &s.rank, &below);
    s.prefix = (s.prefix << digit_bits(pass)) | bucket;
    s.equal = hist[bucket];
  }

  // Copies both threshold buckets' elements into their candidate lists, if they fit. Each part
  // writes its own region; regions are kCandidateSlack slots apart because the appends store
  // past the next free slot, which must not reach the next part's first candidate.
  void compact() {
    Side* sides[2] = {&top_, &bottom_};
    for (int side = 0; side < 2; ++side) {
      Side* s = sides[side];
      if (!s->active || s->equal > kCandidateCap) continue;
      s->cand = candidate_storage(side, s->equal + kCandidateSlack * parts_);
      s->compacted = true;
    }
    if (!top_.compacted && !bottom_.compacted) return;
    auto region_start = [&](const Side& s, int p) {
      uint64_t at = kCandidateSlack * uint64_t(p);  // the earlier parts' spare slots
      for (int q = 0; q < p; ++q) at += chunk_hist_[size_t(q) * kMaxBins + s.prefix];
      return at;
    };
    run_parts([&](int p) {
      compact_range(ranges_[p], top_.compacted ? region_start(top_, p) : 0,
                    bottom_.compacted ? region_start(bottom_, p) : 0);
    });
    for (Side* s : sides) {
      if (!s->compacted) continue;
      // Close the slack gaps between the parts' regions.
      uint64_t write = 0;
      for (int p = 0; p < parts_; ++p) {
        const uint64_t from = region_start(*s, p);
        const uint64_t len = chunk_hist_[size_t(p) * kMaxBins + s->prefix];
        std::memmove(&s->cand.keys[write], &s->cand.keys[from], len * sizeof(uint32_t));
        std::memmove(&s->cand.index[write], &s->cand.index[from], len * sizeof(uint32_t));
        write += len;
      }
      s->cand.size = s->equal;
    }
  }

  void compact_range(Range r, uint64_t top_at, uint64_t bottom_at) {
    uint32_t sink_k = 0, sink_i = 0;
    auto make = [&](Side& s, uint64_t at) {
      // A side that is not compacted never matches (bucket 0xffffffff) and writes to the sink.
      if (!s.compacted) return CompactSink{&sink_k, &sink_i, 0, 0, 0xffffffffu};
      return CompactSink{s.cand.keys, s.cand.index, at, ~uint64_t(0), s.prefix};
    };
    CompactSink top = make(top_, top_at), bottom = make(bottom_, bottom_at);
    compact_block_loop(bits_, r.begin, r.end, top, bottom);
  }

  void refine(int pass) {
    Side* sides[2] = {&top_, &bottom_};
    for (Side* s : sides) {
      if (!s->active) continue;
      std::vector<uint32_t> hist(digit_bins(pass), 0);
      if (s->compacted) {
        for (uint64_t j = 0; j < s->cand.size; ++j) ++hist[key_digit(s->cand.keys[j], pass)];
      } else {
        scan_histogram(pass, s->prefix, hist.data());
      }
      choose(*s, hist.data(), pass);
      if (s->compacted) filter_candidates(s->cand, pass, s->prefix & (digit_bins(pass) - 1));
    }
  }

  void scan_histogram(int pass, uint32_t prefix, uint32_t* hist) {
    const int bins = digit_bins(pass);
    std::vector<uint32_t> part_hist(size_t(parts_) * bins, 0);
    run_parts([&](int p) {
      histogram_filtered(bits_, ranges_[p].begin, ranges_[p].end, pass, prefix,
                         &part_hist[size_t(p) * bins]);
    });
    for (int p = 0; p < parts_; ++p)
      for (int b = 0; b < bins; ++b) hist[b] += part_hist[size_t(p) * bins + b];
  }

  uint64_t tie_index(const Side& s, uint64_t ordinal) const {
    if (s.compacted) return s.cand.index[ordinal];
    return tie_index_by_scan(bits_, n_, s.prefix, ordinal);
  }

  template <class F>
  void run_parts(F&& f) {
    if (parts_ == 1) {
      f(0);
      return;
    }
    global_pool().parallel_for(size_t(parts_), threads_, [&](size_t p, int) { f(int(p)); });
  }

  const uint32_t* bits_;
  uint64_t n_;
  int threads_;
  int parts_ = 1;
  std::vector<Range> ranges_;
  std::vector<uint32_t> chunk_hist_;
  Side top_, bottom_;
};

// ---- output pass -----------------------------------------------------------------------------

// Thresholds with indices clamped to 32 bits so the per-element test vectorises.
struct Cut {
  uint32_t top_key, bottom_key, top_index, bottom_index;
  bool never_top, never_bottom;
};

Cut make_cut(const Thresholds& t, uint64_t n) {
  Cut c;
  c.never_top = t.top_key == 0xffffffffu;
  c.never_bottom = t.bottom_index > n;
  c.top_key = c.never_top ? 0x7fffffffu : t.top_key;
  c.top_index = c.never_top ? 0u : uint32_t(std::min<uint64_t>(t.top_index, n));
  c.bottom_key = t.bottom_key;
  c.bottom_index = c.never_bottom ? 0xffffffffu : uint32_t(t.bottom_index);
  return c;
}

// Cuts are passed by value: a local copy cannot alias the output stores (uint8_t stores alias
// everything), so the compiler keeps the thresholds in registers and vectorises.
static inline DGP_ALWAYS_INLINE uint32_t code_of(uint32_t k, uint32_t i, const Cut c) {
  const uint32_t top = (k > c.top_key) | ((k == c.top_key) & (i < c.top_index));
  const uint32_t bottom = (k < c.bottom_key) | ((k == c.bottom_key) & (i >= c.bottom_index));
  return 1u + top - bottom;
}

static inline DGP_ALWAYS_INLINE void write_codes_body(const uint32_t* bits, Range r, const Cut c, uint8_t* codes) {
#if defined(__wasm_simd128__)
  return write_codes_wasm_simd128(bits, r.begin, r.end, c, codes, code_of);
#endif
#if DGP_NEON
  if (neon::enabled()) return neon::write_codes(bits, r.begin, r.end, c, codes);
#endif
  // Whole 64-element blocks (4 vectors per step), then 16 at a time, then the last < 16 through a
  // zero-padded copy: left to itself the compiler runs the remainder of its 64-wide loop one
  // element at a time, up to 63 of them, which was half of a 250-element layer's output time.
  uint64_t i = r.begin;
  const uint64_t blocks_end = r.begin + ((r.end - r.begin) & ~uint64_t(63));
  for (; i < blocks_end; ++i) codes[i] = uint8_t(code_of(bits[i] & kMagnitudeMask, uint32_t(i), c));
  for (; i + 16 <= r.end; i += 16)
    for (uint32_t j = 0; j < 16; ++j)
      codes[i + j] = uint8_t(code_of(bits[i + j] & kMagnitudeMask, uint32_t(i + j), c));
  if (i < r.end) {
    uint32_t tail[16] = {0};
    uint8_t out[16];
    std::memcpy(tail, bits + i, 4 * (r.end - i));
    for (uint32_t j = 0; j < 16; ++j) out[j] = uint8_t(code_of(tail[j] & kMagnitudeMask, uint32_t(i + j), c));
    std::memcpy(codes + i, out, r.end - i);
  }
}
DGP_SIMD_VARIANTS(void, write_codes, (const uint32_t* bits, Range r, const Cut c, uint8_t* codes), (bits, r, c, codes))

static inline DGP_ALWAYS_INLINE void write_pruned_body(const uint32_t* bits, Range r, const Cut c, float* pruned) {
  uint32_t* out = reinterpret_cast<uint32_t*>(pruned);
#if DGP_NEON
  if (neon::enabled()) return neon::write_pruned(bits, r.begin, r.end, c, out);
#endif
  for (uint64_t i = r.begin; i < r.end; ++i) {
    const uint32_t kept = code_of(bits[i] & kMagnitudeMask, uint32_t(i), c) == 1u;
    out[i] = bits[i] & (0u - kept);  // value bits when kept, +0 otherwise
  }
}
DGP_SIMD_VARIANTS(void, write_pruned, (const uint32_t* bits, Range r, const Cut c, float* pruned), (bits, r, c, pruned))

static inline DGP_ALWAYS_INLINE uint64_t count_kept_body(const uint32_t* bits, Range r, const Cut c) {
#if DGP_NEON
  if (neon::enabled()) return neon::count_kept(bits, r.begin, r.end, c);
#endif
  uint64_t m = 0;
  for (uint64_t i = r.begin; i < r.end; ++i)
    m += code_of(bits[i] & kMagnitudeMask, uint32_t(i), c) == 1u;
  return m;
}
DGP_SIMD_VARIANTS(uint64_t, count_kept, (const uint32_t* bits, Range r, const Cut c), (bits, r, c))

// Where the sparse kept set goes. A list the caller did not ask for is a one-slot sink written
// with mask 0, so asking for only indices or only values costs no scratch proportional to n.
struct SparseSink {
  uint32_t* idx;
  uint64_t idx_mask;
  uint32_t* vbits;
  uint64_t val_mask;
  inline void put(uint64_t at, uint32_t i, uint32_t b) const {
    idx[at & idx_mask] = i;
    vbits[at & val_mask] = b;
  }
};

uint64_t write_sparse_scalar(const uint32_t* bits, uint64_t begin, uint64_t end, const Cut c,
                             uint64_t at, const SparseSink& out) {
  for (uint64_t i = begin; i < end; ++i) {
    const uint32_t b = bits[i];
    if (code_of(b & kMagnitudeMask, uint32_t(i), c) == 1u) out.put(at++, uint32_t(i), b);
  }
  return at;
}

#if DGP_X86_VARIANTS
// AVX2: classify 8 elements into a kept bitmask, then store the set bits in order. The kept set
// is scattered (about 1 in 5), so a per-element branch mispredicts; a bit loop does not.
__attribute__((target("avx2"))) void write_sparse_avx2(const uint32_t* bits, Range r, const Cut c,
                                                        uint64_t at, const SparseSink& out) {
  const __m256i sign = _mm256_set1_epi32(int(0x80000000u));
  const __m256i magnitude = _mm256_set1_epi32(int(kMagnitudeMask));
  const __m256i tk = _mm256_set1_epi32(int(c.top_key)), bk = _mm256_set1_epi32(int(c.bottom_key));
  // Index comparisons are unsigned: flip the sign bit and compare signed.
  const __m256i ti = _mm256_set1_epi32(int(c.top_index ^ 0x80000000u));
  const __m256i bi = _mm256_set1_epi32(int(c.bottom_index ^ 0x80000000u));
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  uint64_t i = r.begin;
  for (; i + 8 <= r.end; i += 8) {
    const __m256i raw = _mm256_loadu_si256((const __m256i*)(bits + i));
    const __m256i k = _mm256_and_si256(raw, magnitude);  // keys fit in 31 bits: signed compares work
    const __m256i ix = _mm256_xor_si256(_mm256_add_epi32(_mm256_set1_epi32(int(uint32_t(i))), lane), sign);
    const __m256i top = _mm256_or_si256(
        _mm256_cmpgt_epi32(k, tk), _mm256_and_si256(_mm256_cmpeq_epi32(k, tk), _mm256_cmpgt_epi32(ti, ix)));
    const __m256i bottom = _mm256_or_si256(
        _mm256_cmpgt_epi32(bk, k), _mm256_andnot_si256(_mm256_cmpgt_epi32(bi, ix), _mm256_cmpeq_epi32(k, bk)));
    unsigned kept = ~unsigned(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_or_si256(top, bottom)))) & 0xffu;
    while (kept) {
      const unsigned j = unsigned(__builtin_ctz(kept));
      out.put(at++, uint32_t(i + j), bits[i + j]);
      kept &= kept - 1;
    }
  }
  write_sparse_scalar(bits, i, r.end, c, at, out);
}
#endif

void write_sparse(const uint32_t* bits, Range r, const Cut c, uint64_t at, const SparseSink& out) {
#if DGP_NEON
  if (neon::enabled()) {
    neon::write_sparse(bits, r.begin, r.end, c, at, out);
    return;
  }
#endif
#if DGP_X86_VARIANTS
  static const bool avx2 = active_simd() >= Simd::Avx2;
  if (avx2) return write_sparse_avx2(bits, r, c, at, out);
#endif
  write_sparse_scalar(bits, r.begin, r.end, c, at, out);
}

// Where the sparse outputs of one part go; an output not asked for is a one-slot sink.
struct SinkSlots {
  uint32_t idx = 0, val = 0;  // per part, so parts never share a store target
};

SparseSink sparse_sink(const DgpLayer& L, SinkSlots& slots) {
  return SparseSink{L.kept_indices ? L.kept_indices : &slots.idx, L.kept_indices ? ~uint64_t(0) : 0,
                    L.kept_values ? reinterpret_cast<uint32_t*>(L.kept_values) : &slots.val,
                    L.kept_values ? ~uint64_t(0) : 0};
}

// All outputs of one layer on the calling thread, with no allocation (small layers).
void write_outputs_serial(const DgpLayer& L, const Thresholds& t) {
  const uint32_t* bits = as_bits(L.values);
  const Cut c = make_cut(t, L.n);
  const Range r{0, L.n};
  if (L.codes) write_codes(bits, r, c, L.codes);
  if (L.pruned) write_pruned(bits, r, c, L.pruned);
  if (L.kept_indices != nullptr || L.kept_values != nullptr) {
    SinkSlots slots;
    write_sparse(bits, r, c, 0, sparse_sink(L, slots));
  }
}

void write_outputs(const DgpLayer& L, const Thresholds& t, int parts, int threads) {
  const uint32_t* bits = as_bits(L.values);
  const Cut c = make_cut(t, L.n);
  const std::vector<Range> ranges = split(L.n, parts);
  const bool sparse = L.kept_indices != nullptr || L.kept_values != nullptr;
  std::vector<uint64_t> offset(parts + 1, 0);
  auto each = [&](const std::function<void(int)>& f) {
    if (parts == 1) {
      f(0);
    } else {
      global_pool().parallel_for(size_t(parts), threads, [&](size_t p, int) { f(int(p)); });
    }
  };
  if (sparse && parts > 1) {
    std::vector<uint64_t> kept(parts, 0);
    each([&](int p) { kept[p] = count_kept(bits, ranges[p], c); });
    for (int p = 0; p < parts; ++p) offset[p + 1] = offset[p] + kept[p];
  }
  each([&](int p) {
    if (L.codes) write_codes(bits, ranges[p], c, L.codes);
    if (L.pruned) write_pruned(bits, ranges[p], c, L.pruned);
    if (sparse) {
      SinkSlots slots;
      write_sparse(bits, ranges[p], c, offset[p], sparse_sink(L, slots));
    }
  });
}

// Candidate lists of the small-layer path, one per thread that runs layers, kept across calls
// (at most 16 * kSmallLayerMax bytes each), so a small layer costs no heap allocation.
SmallScratch& thread_scratch() {
#if defined(DGP_SINGLE_THREADED)
  static SmallScratch scratch;  // wasm: one thread, and no thread_local destructors in wasi
#else
  thread_local SmallScratch scratch;
#endif
  return scratch;
}

// Thresholds of one layer with up to `threads` threads. Returns false on NaN/Inf. A large layer
// tries the bracketed path first; with `fuse_codes` it writes the codes in that same read
// (*codes_done then says so), which only a call whose outputs are dropped on failure may allow.
bool find_one(const DgpLayer& L, int threads, bool fuse_codes, Thresholds* t, uint64_t* bad_index,
              bool* codes_done) {
  *codes_done = false;
  if (L.n <= kSmallLayerMax)
    return find_thresholds_small(as_bits(L.values), L.n, L.k_top, L.k_bottom, thread_scratch(), t, bad_index);
  if (L.n >= kBracketMin && bracket_vectorised()) {
    const int parts = (threads > 1 && L.n >= kSplitLayerMin) ? threads : 1;
    uint8_t* codes = fuse_codes ? L.codes : nullptr;
    const BracketResult r =
        find_thresholds_bracketed(as_bits(L.values), L.n, L.k_top, L.k_bottom, codes, parts, threads, t);
    if (r == BracketResult::NonFinite) {
      *bad_index = first_non_finite_f32(L.values, L.n);
      return false;
    }
    if (r == BracketResult::Done) {
      *codes_done = codes != nullptr;
      return true;
    }
  }
  return find_thresholds(L.values, L.n, L.k_top, L.k_bottom, threads, t, bad_index);
}

// The outputs of one layer not yet written, with up to `threads` threads.
void write_one(const DgpLayer& L, const Thresholds& t, int threads, bool codes_done) {
  DgpLayer rest = L;
  if (codes_done) rest.codes = nullptr;
  const int parts = (threads > 1 && L.n >= kSplitLayerMin) ? threads : 1;
  if (parts == 1) write_outputs_serial(rest, t);
  else write_outputs(rest, t, parts, threads);
}

// Work units of a layer run whole on one thread: its elements plus a fixed cost per layer.
uint64_t layer_work(const DgpLayer& L) { return L.n + kLayerWork; }

// Per-call bookkeeping, kept per thread across calls so a call allocates nothing proportional
// to its layer count (thousands of small layers: no malloc and no heap trim per call).
struct CallScratch {
  std::vector<Thresholds> cuts;
  std::vector<uint64_t> bad;
  std::vector<char> codes_done;  // codes written by the bracketed pass (disposable outputs only)
  std::vector<size_t> split, whole, first;  // layers split across threads; layers run whole; groups
};

CallScratch& call_scratch() {
#if defined(DGP_SINGLE_THREADED)
  static CallScratch scratch;
#else
  thread_local CallScratch scratch;
#endif
  return scratch;
}

// Runs f(l) for every layer run whole: on the calling thread when that is less work than a
// wake-up of the pool, else in contiguous groups of about equal work, a few groups per thread.
template <class F>
void for_whole_layers(const CallScratch& s, int threads, bool parallel, F&& f) {
  if (!parallel) {
    for (size_t l : s.whole) f(l);
    return;
  }
  const size_t groups = s.first.size() - 1;
  global_pool().parallel_for(groups, threads, [&](size_t grp, int) {
    for (size_t j = s.first[grp]; j < s.first[grp + 1]; ++j) f(s.whole[j]);
  });
}

}  // namespace

bool find_thresholds(const float* values, uint64_t n, uint64_t k_top, uint64_t k_bottom,
                     int threads, Thresholds* out, uint64_t* bad_index) {
  ThresholdSearch search(as_bits(values), n, k_top, k_bottom, threads);
  return search.run(out, bad_index);
}

// Asks Linux for 2 MiB pages under a large output the kernel is about to write. An output the
// package just allocated is often fresh memory, and written 4 KiB page by page it costs a fault
// per page: on the 2-core VM of docs/BENCHMARKS.md several times the selection's own wall time
// at 10^7 (the bench's native-1t against native-1t-raw). Only the 2 MiB-aligned interior is
// advised; pages already there are unaffected, and a refusal (THP off, other systems) changes
// nothing. Measured in commit message.
void prefer_huge_pages(void* p, uint64_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t(1) << 21;
  if (p == nullptr || bytes < 2 * kHuge) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

DgpStatus select_layers_cpu(const DgpLayer* layers, size_t count, int threads, bool outputs_disposable) {
  DgpStatus status = ok_status();
  for (size_t l = 0; l < count; ++l)
    if (!check_layer(layers[l], l, &status)) return status;
  for (size_t l = 0; l < count; ++l) {
    prefer_huge_pages(layers[l].codes, layers[l].n);
    prefer_huge_pages(layers[l].pruned, 4 * layers[l].n);
  }
  if (threads <= 0) threads = hardware_threads();
  threads = std::min(threads, global_pool().size());

  try {
    CallScratch& s = call_scratch();
    s.cuts.resize(count);
    s.bad.assign(count, ~uint64_t(0));
    s.codes_done.assign(count, 0);
    s.split.clear();
    s.whole.clear();
    uint64_t total = 0;
    for (size_t l = 0; l < count; ++l) {
      if (threads > 1 && layers[l].n >= kSplitLayerMin) {
        s.split.push_back(l);
      } else {
        s.whole.push_back(l);
        total += layer_work(layers[l]);
      }
    }
    const bool parallel = threads > 1 && s.whole.size() > 1 && total >= kParallelMinWork;
    if (parallel) {
      const size_t groups = std::min(s.whole.size(), size_t(threads) * 4);
      s.first.assign(groups + 1, s.whole.size());
      uint64_t done = 0;
      size_t g = 0;
      for (size_t j = 0; j < s.whole.size() && g < groups; ++j) {
        if (done * groups >= total * g) s.first[g++] = j;
        done += layer_work(layers[s.whole[j]]);
      }
      s.first[0] = 0;
    }
    // Every layer's thresholds first (large layers one at a time across all threads, the rest
    // whole), so a NaN/Inf anywhere is found before any output is written: on DGP_BAD_VALUE
    // every output of the call is untouched. Then the outputs.
    const auto find = [&](size_t l, int with) {
      uint64_t at = 0;
      bool done = false;
      const bool ok = find_one(layers[l], with, outputs_disposable, &s.cuts[l], &at, &done);
      if (!ok) s.bad[l] = at;
      s.codes_done[l] = done;
      return ok;
    };
    for (size_t l : s.split)
      if (!find(l, threads)) break;
    for_whole_layers(s, threads, parallel, [&](size_t l) { find(l, 1); });
    for (size_t l = 0; l < count; ++l) {
      if (s.bad[l] != ~uint64_t(0)) {
        status.code = DGP_BAD_VALUE;
        status.layer = l;
        status.index = s.bad[l];
        std::snprintf(status.message, sizeof status.message,
                      "layer %llu holds a NaN or Infinity at index %llu", (unsigned long long)l,
                      (unsigned long long)s.bad[l]);
        return status;
      }
    }
    for (size_t l : s.split) write_one(layers[l], s.cuts[l], threads, s.codes_done[l]);
    for_whole_layers(s, threads, parallel, [&](size_t l) { write_one(layers[l], s.cuts[l], 1, s.codes_done[l]); });
  } catch (const std::bad_alloc&) {
    status.code = DGP_NO_MEMORY;
    std::snprintf(status.message, sizeof status.message, "out of memory for selection scratch");
    return status;
  }
  return status;
}

}  // namespace dgp
