// Host-and-device pieces of the CUDA dual select that are not CUDA-specific: the device tables'
// layout, the per-side progress of the three radix passes, the final thresholds in the form the
// output pass uses, and the arithmetic of the output pass's scan. Everything here compiles with
// a plain C++ compiler too (DGP_HD is `inline` there), so the native tests check it on the CPU.
//
// Terminology (see radix_common.h): keys are |g| bit patterns, "ascending position" counts from
// the smallest key, ties among equal keys are ordered by index descending in ascending order,
// i.e. ties are numbered by index ascending ("tie ordinal") and the SPEC §1 rank order prefers
// the lower index.
#ifndef DGP_CUDA_COMMON_CUH
#define DGP_CUDA_COMMON_CUH

#include <stdint.h>

#include "radix_common.h"

namespace dgp {
namespace cuda {

// ---- Launch geometry -------------------------------------------------------------------------
constexpr uint32_t kThreads = 256;      // every kernel uses 256-thread blocks
constexpr uint32_t kAlign = 16;         // layer offsets in the device buffers, in elements
constexpr uint32_t kSegment = 32768;    // elements per block in the histogram passes
constexpr uint32_t kSmallSegment = 2048;  // at or below: count straight into global memory
constexpr uint32_t kItems = 16;         // elements per thread in the output pass
constexpr uint32_t kTile = kThreads * kItems;  // 4096 elements per block in the output pass
// Layers at least this long get candidate lists (capacity n / kListDivisor per side) so the
// third pass reads the few elements sharing the threshold's 22-bit prefix, not the layer.
constexpr uint32_t kListMinLayer = 65536;
constexpr uint32_t kListDivisor = 16;

// Output bits of LayerDesc::outputs.
constexpr uint32_t kOutCodes = 1, kOutPruned = 2, kOutKept = 4;

// ---- Device tables (built on the host, copied once per call) ----------------------------------
struct LayerDesc {
  uint64_t offset;       // element offset in the values/codes/pruned buffers (multiple of kAlign)
  uint64_t kept_offset;  // element offset in the kept-index / kept-value buffers
  uint64_t list_offset;  // element offset in each of the two candidate-list buffers
  uint32_t n;
  uint32_t k_top;
  uint32_t k_bottom;
  uint32_t list_cap;     // capacity of each candidate list (0: this layer has none)
  uint32_t first_tile;   // index of the layer's first output tile
  uint32_t outputs;      // kOut* bits
};

// One block of a histogram pass: elements [start, start + len) of a layer; `index` of `count`
// segments of that layer (the third pass splits the candidate lists the same way).
struct Segment {
  uint32_t layer;
  uint32_t start;
  uint32_t len;
  uint32_t index;
  uint32_t count;
};

// One block of the output pass: elements [start, min(start + kTile, n)) of a layer.
struct Tile {
  uint32_t layer;
  uint32_t start;
};

// ---- Radix select progress of one threshold ("side") -------------------------------------------
struct Side {
  uint32_t active;  // 0 when the side's set is empty (k == 0)
  uint32_t prefix;  // key bits fixed by the passes so far (after the last pass: the whole key)
  uint32_t rank;    // ascending position wanted among the elements sharing `prefix`
  uint32_t equal;   // elements sharing `prefix` (after the last pass: the ties at the key)
};

// Top set T = ascending positions [n - k_top, n): its threshold is position n - k_top.
DGP_HD Side init_top_side(uint32_t n, uint32_t k_top) {
  Side s;
  s.active = k_top > 0 ? 1u : 0u;
  s.prefix = 0;
  s.rank = k_top > 0 ? n - k_top : 0;
  s.equal = n;
  return s;
}

// Bottom set B = ascending positions [0, k_bottom): its threshold is position k_bottom - 1.
DGP_HD Side init_bottom_side(uint32_t n, uint32_t k_bottom) {
  Side s;
  s.active = k_bottom > 0 ? 1u : 0u;
  s.prefix = 0;
  s.rank = k_bottom > 0 ? k_bottom - 1 : 0;
  s.equal = n;
  return s;
}

// Whether an element takes part in pass `pass` of this side (pass 0: every element).
DGP_HD bool side_matches(const Side& s, uint32_t key, int pass) {
  return s.active && key_prefix(key, pass) == s.prefix;
}

// After the histogram of `pass`: select_bucket picked `bucket`, holding `bucket_count` elements,
// and reduced the rank to `rank_in_bucket`. Append the digit to the prefix.
DGP_HD void side_advance(Side* s, int pass, uint32_t bucket, uint32_t rank_in_bucket,
                         uint32_t bucket_count) {
  s->prefix = (s->prefix << digit_bits(pass)) | bucket;
  s->rank = rank_in_bucket;
  s->equal = bucket_count;
}

// ---- Final thresholds, in tie-ordinal form ------------------------------------------------------
// After the three passes each side knows its key and where its cut falls among the ties at that
// key. The output pass numbers the ties of each key in index order with a scan, so it needs:
//   top    iff key > top_key    or (key == top_key    and tie ordinal <  top_ties)
//   bottom iff key < bottom_key or (key == bottom_key and tie ordinal >= bottom_first)
// (the same rule as Thresholds/classify with the tie's index in place of its ordinal). An
// inactive top side uses top_key 0xffffffff (above every key); an inactive bottom side uses
// bottom_key 0 with bottom_first 0xffffffff, above any ordinal (ordinals are < n < 2^32).
struct Final {
  uint32_t top_key;
  uint32_t bottom_key;
  uint32_t top_ties;      // ties at top_key that are top-removed: ordinals [0, top_ties)
  uint32_t bottom_first;  // first bottom-removed tie ordinal at bottom_key
};

DGP_HD Final finalize_sides(const Side& top, const Side& bottom) {
  Final f;
  f.top_key = top.active ? top.prefix : 0xffffffffu;
  f.top_ties = top.active ? (uint32_t)top_tie_count(top.equal, top.rank) : 0u;
  f.bottom_key = bottom.active ? bottom.prefix : 0u;
  f.bottom_first =
      bottom.active ? (uint32_t)bottom_first_tie_ordinal(bottom.equal, bottom.rank) : 0xffffffffu;
  return f;
}

// ---- Output-pass scan ------------------------------------------------------------------------
// The count pass, the tile scan and the output pass scan three additive counts in index order. From them each element learns its
// tie ordinals, and each run of elements learns how many kept elements precede it, which is
// where its kept entries go in the ascending sparse form.
struct Counts {
  uint32_t strict;       // key > top_key or key < bottom_key (removed whatever the ties say)
  uint32_t top_ties;     // key == top_key
  uint32_t bottom_ties;  // key == bottom_key
};

DGP_HD Counts zero_counts() {
  Counts c;
  c.strict = 0;
  c.top_ties = 0;
  c.bottom_ties = 0;
  return c;
}

DGP_HD Counts add_counts(const Counts& a, const Counts& b) {
  Counts c;
  c.strict = a.strict + b.strict;
  c.top_ties = a.top_ties + b.top_ties;
  c.bottom_ties = a.bottom_ties + b.bottom_ties;
  return c;
}

DGP_HD Counts element_counts(uint32_t key, const Final& f) {
  Counts c;
  c.strict = (key > f.top_key || key < f.bottom_key) ? 1u : 0u;
  c.top_ties = key == f.top_key ? 1u : 0u;
  c.bottom_ties = key == f.bottom_key ? 1u : 0u;
  return c;
}

DGP_HD uint32_t counts_component(const Counts& c, int which) {
  return which == 0 ? c.strict : (which == 1 ? c.top_ties : c.bottom_ties);
}

// Kept elements among the first `position` elements of a layer, given the counts over them.
// Removed = strict + (top ties with ordinal < top_ties) + (bottom ties with ordinal >=
// bottom_first). When top_key == bottom_key the same ties are counted by both, and the two tie
// ranges are disjoint because k_top + k_bottom <= n.
DGP_HD uint64_t kept_before(uint64_t position, const Counts& before, const Final& f) {
  const uint64_t top = before.top_ties < f.top_ties ? before.top_ties : f.top_ties;
  const uint64_t bottom =
      before.bottom_ties > f.bottom_first ? (uint64_t)before.bottom_ties - f.bottom_first : 0u;
  return position - before.strict - top - bottom;
}

// Where a tie ordinal falls relative to the ties of one tile: -1 before the tile's first tie,
// +1 after its last tie, 0 on one of them (then a thread of the tile holds it).
DGP_HD int ordinal_place(uint64_t ordinal, uint64_t ties_before, uint64_t ties_in_tile) {
  if (ordinal < ties_before) return -1;
  return ordinal < ties_before + ties_in_tile ? 0 : 1;
}

// The Thresholds (radix_common.h) that classify() needs for the elements of one tile, when the
// tie ordinals of both cuts fall outside the tile. Inside, the caller substitutes the index of
// the tie holding the ordinal (top_index / bottom_index below are then ignored).
//   top:    ordinal before the tile's ties -> no tie of the tile is top    -> index 0
//           after the tile's ties          -> every tie of the tile is top -> UINT64_MAX
//   bottom: before -> every tie of the tile is bottom -> index 0; after -> none -> UINT64_MAX
DGP_HD Thresholds tile_thresholds(const Final& f, const Counts& tile_before,
                                  const Counts& tile_total) {
  Thresholds t;
  t.top_key = f.top_key;
  t.bottom_key = f.bottom_key;
  const int tp = ordinal_place(f.top_ties, tile_before.top_ties, tile_total.top_ties);
  const int bp = ordinal_place(f.bottom_first, tile_before.bottom_ties, tile_total.bottom_ties);
  t.top_index = tp > 0 ? ~(uint64_t)0 : 0u;
  t.bottom_index = bp > 0 ? ~(uint64_t)0 : 0u;
  return t;
}

DGP_HD uint64_t round_up(uint64_t x, uint64_t m) { return (x + m - 1) / m * m; }

}  // namespace cuda
}  // namespace dgp

#endif  // DGP_CUDA_COMMON_CUH
