// Device kernels of the batched dual radix select (see docs/CUDA.md for the design).
//
// Every kernel walks a table, not a layer: the histogram passes take one Segment per block, the
// select kernel one layer per block, the count and output passes one Tile per block. A model
// with hundreds of small tensors is therefore ten launches, like a model with one large tensor.
//
//   init      per layer: selection state, zeroed histograms
//   pass 0    per segment: 2048-bin histogram of key bits 30..20, NaN/Inf detection
//   select 0  per layer: bucket of each threshold (one histogram serves both)
//   pass 1    per segment: histogram of bits 19..9 of the elements in each side's bucket, and
//             their keys appended to the side's candidate list (large layers), buffered per
//             block in shared memory
//   select 1
//   pass 2    per segment: histogram of bits 8..0, read from the candidate lists (the layer
//             itself when a list overflowed, e.g. for millions of equal values)
//   select 2  exact threshold keys and where the cut falls among their ties
//   count     per tile: counts of strictly removed elements and of ties at each threshold key
//   tile scan per layer: exclusive scan of those counts over the layer's tiles
//   output    per tile: number the ties in index order (tie rule), classify, write codes /
//             pruned, ordered compaction of the kept set
#ifndef DGP_CUDA_KERNELS_CUH
#define DGP_CUDA_KERNELS_CUH

#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include "cuda_common.cuh"

namespace dgp {
namespace cuda {

// Selection state of one layer, in device memory, carried from kernel to kernel.
struct LayerState {
  Side top;
  Side bottom;
  uint32_t shared;       // both sides share one prefix for the pass about to run: one histogram
  uint32_t list_shared;  // both sides shared the pass-1 prefix: one candidate list (list 0)
  uint32_t list_count[2];
  unsigned long long bad_index;  // first NaN/Inf index, ~0 when none
  Final fin;
};

struct DeviceTables {
  const uint32_t* values;  // float bits
  const LayerDesc* layers;
  const Segment* segments;
  const Tile* tiles;
  LayerState* state;
  uint32_t* hist;          // per layer: 2 slots x kMaxBins
  uint32_t* lists;         // list 0 at [0, list_len), list 1 at [list_len, 2 list_len)
  uint64_t list_len;
  Counts* tile_counts;     // per tile: its Counts (count pass)
  Counts* tile_prefix;     // per tile: Counts of the layer's elements before it (tile scan)
  uint8_t* codes;
  uint32_t* pruned;        // float bits
  uint32_t* kept_index;
  uint32_t* kept_value;    // float bits
};

__device__ __forceinline__ uint32_t* layer_hist(const DeviceTables& t, uint32_t layer, int slot) {
  return t.hist + ((size_t)layer * 2 + slot) * kMaxBins;
}

__global__ void __launch_bounds__(kThreads) init_kernel(DeviceTables t) {
  const uint32_t layer = blockIdx.x;
  const LayerDesc L = t.layers[layer];
  if (threadIdx.x == 0) {
    LayerState s;
    s.top = init_top_side(L.n, L.k_top);
    s.bottom = init_bottom_side(L.n, L.k_bottom);
    s.shared = s.top.active && s.bottom.active;
    s.list_shared = 0;
    s.list_count[0] = s.list_count[1] = 0;
    s.bad_index = ~0ull;
    s.fin = finalize_sides(s.top, s.bottom);
    t.state[layer] = s;
  }
  uint32_t* h = layer_hist(t, layer, 0);
  for (uint32_t i = threadIdx.x; i < 2 * kMaxBins; i += kThreads) h[i] = 0;
}

// Candidate lists are filled through a per-block shared buffer: lanes reserve slots with one
// shared atomic per warp, and the block reserves global space with one atomic per flush. (A
// global atomic per warp on the layer's single list counter serialises in L2 and cost more
// than the whole pass.)
constexpr uint32_t kCandidateBuffer = 2048;              // per side, in keys
constexpr uint32_t kPass1Step = kThreads * 4;            // elements per loop iteration

struct CandidateBuffer {
  uint32_t keys[2][kCandidateBuffer];
  uint32_t count[2];
  uint32_t base[2];
};

// Must be called by all 32 lanes of a warp.
__device__ __forceinline__ void warp_append_shared(bool take, uint32_t key, uint32_t* keys,
                                                   uint32_t* count) {
  const unsigned mask = __ballot_sync(0xffffffffu, take);
  if (mask == 0) return;
  const int lane = threadIdx.x & 31;
  const int leader = __ffs(mask) - 1;
  uint32_t base = 0;
  if (lane == leader) base = atomicAdd(count, (uint32_t)__popc(mask));
  base = __shfl_sync(0xffffffffu, base, leader);
  if (take) keys[base + __popc(mask & ((1u << lane) - 1u))] = key;
}

// Moves the block's buffered candidates to the layer's lists. Called by the whole block at a
// point where every thread sees the same counts (after a barrier). Positions past `cap` are
// counted but not written, so the count tells the next pass that the list overflowed.
__device__ __forceinline__ void flush_candidates(CandidateBuffer& c, uint32_t* list0,
                                                 uint32_t* list1, uint32_t* global_count,
                                                 uint32_t cap) {
  if (threadIdx.x < 2 && c.count[threadIdx.x])
    c.base[threadIdx.x] = atomicAdd(global_count + threadIdx.x, c.count[threadIdx.x]);
  __syncthreads();
  for (int s = 0; s < 2; ++s) {
    uint32_t* list = s ? list1 : list0;
    for (uint32_t i = threadIdx.x; i < c.count[s]; i += kThreads) {
      const uint64_t pos = (uint64_t)c.base[s] + i;
      if (pos < cap) list[pos] = c.keys[s][i];
    }
  }
  __syncthreads();
  if (threadIdx.x < 2) c.count[threadIdx.x] = 0;
  __syncthreads();
}

// Shared-memory histograms of one block, flushed into the layer's global histograms at the end.
// Small segments skip the shared copy (zeroing and flushing 2048 bins would cost more than
// their few elements) and count straight into global memory.
struct BlockHist {
  uint32_t* shared_bins;  // 2 x kMaxBins
  uint32_t* global0;
  uint32_t* global1;
  bool direct;

  __device__ void zero(int bins) {
    if (direct) return;
    for (int i = threadIdx.x; i < bins; i += kThreads) {
      shared_bins[i] = 0;
      shared_bins[kMaxBins + i] = 0;
    }
  }
  __device__ void add(int slot, uint32_t digit) {
    if (direct) atomicAdd((slot ? global1 : global0) + digit, 1u);
    else atomicAdd(shared_bins + slot * kMaxBins + digit, 1u);
  }
  __device__ void flush(int bins) {
    if (direct) return;
    for (int i = threadIdx.x; i < bins; i += kThreads) {
      const uint32_t a = shared_bins[i], b = shared_bins[kMaxBins + i];
      if (a) atomicAdd(global0 + i, a);
      if (b) atomicAdd(global1 + i, b);
    }
  }
};

// Pass 0: every element of the segment, digit 0, into slot 0; first non-finite index.
__global__ void __launch_bounds__(kThreads) pass0_kernel(DeviceTables t) {
  __shared__ uint32_t bins[2 * kMaxBins];
  __shared__ unsigned long long first_bad;
  const Segment sg = t.segments[blockIdx.x];
  const LayerDesc L = t.layers[sg.layer];
  const uint32_t* v = t.values + L.offset + sg.start;
  BlockHist h{bins, layer_hist(t, sg.layer, 0), layer_hist(t, sg.layer, 1),
              sg.len <= kSmallSegment};
  h.zero(kMaxBins);
  if (threadIdx.x == 0) first_bad = ~0ull;
  __syncthreads();

  unsigned long long bad = ~0ull;
  auto visit = [&](uint32_t bits, uint32_t i) {
    if (is_non_finite(bits) && i < bad) bad = i;
    h.add(0, key_digit(magnitude_key(bits), 0));
  };
  // Segment and layer starts are multiples of 16 elements, so uint4 loads are aligned.
  const uint32_t n4 = sg.len / 4;
  const uint4* v4 = reinterpret_cast<const uint4*>(v);
  for (uint32_t i = threadIdx.x; i < n4; i += kThreads) {
    const uint4 q = __ldg(v4 + i);
    visit(q.x, 4 * i);
    visit(q.y, 4 * i + 1);
    visit(q.z, 4 * i + 2);
    visit(q.w, 4 * i + 3);
  }
  for (uint32_t i = 4 * n4 + threadIdx.x; i < sg.len; i += kThreads) visit(__ldg(v + i), i);

  if (bad != ~0ull) atomicMin(&first_bad, bad);
  __syncthreads();
  h.flush(kMaxBins);
  if (threadIdx.x == 0 && first_bad != ~0ull)
    atomicMin(&t.state[sg.layer].bad_index, (unsigned long long)sg.start + first_bad);
}

// Pass 1: full read of the segment; elements in a side's pass-0 bucket are counted by digit 1
// and their keys appended to that side's candidate list. When both sides picked the same
// bucket, slot 0 and list 0 serve both.
__global__ void __launch_bounds__(kThreads) pass1_kernel(DeviceTables t) {
  __shared__ uint32_t bins[2 * kMaxBins];
  const Segment sg = t.segments[blockIdx.x];
  const LayerDesc L = t.layers[sg.layer];
  LayerState* st = t.state + sg.layer;
  const Side top = st->top, bottom = st->bottom;
  const bool use_top = top.active;
  const bool use_bottom = bottom.active && !st->shared;
  if (!use_top && !use_bottom) return;  // uniform over the block

  const uint32_t* v = t.values + L.offset + sg.start;
  BlockHist h{bins, layer_hist(t, sg.layer, 0), layer_hist(t, sg.layer, 1),
              sg.len <= kSmallSegment};
  h.zero(kMaxBins);
  __syncthreads();

  const bool lists = L.list_cap > 0;
  uint32_t* list0 = t.lists + L.list_offset;
  uint32_t* list1 = t.lists + t.list_len + L.list_offset;
  __shared__ CandidateBuffer cand;
  if (threadIdx.x < 2) cand.count[threadIdx.x] = 0;
  __syncthreads();
  // All lanes of a warp call it together (warp_append_shared needs them).
  auto visit = [&](uint32_t bits, bool valid) {
    const uint32_t key = magnitude_key(bits);
    const bool in_top = valid && use_top && side_matches(top, key, 1);
    const bool in_bottom = valid && use_bottom && !in_top && side_matches(bottom, key, 1);
    if (in_top) h.add(0, key_digit(key, 1));
    if (in_bottom) h.add(1, key_digit(key, 1));
    if (lists) {
      warp_append_shared(in_top, key, cand.keys[0], &cand.count[0]);
      warp_append_shared(in_bottom, key, cand.keys[1], &cand.count[1]);
    }
  };
  const uint32_t n4 = sg.len / 4;
  const uint4* v4 = reinterpret_cast<const uint4*>(v);
  // Whole blocks iterate together (bounds checked per lane): the ballots need whole warps and
  // the flushes need the whole block. One iteration adds at most kPass1Step keys per side.
  for (uint32_t base = 0; base < n4; base += kThreads) {
    const uint32_t i = base + threadIdx.x;
    const bool valid = i < n4;
    const uint4 q = valid ? __ldg(v4 + i) : make_uint4(0, 0, 0, 0);
    visit(q.x, valid);
    visit(q.y, valid);
    visit(q.z, valid);
    visit(q.w, valid);
    if (lists) {
      __syncthreads();
      const bool full = cand.count[0] > kCandidateBuffer - kPass1Step ||
                        cand.count[1] > kCandidateBuffer - kPass1Step;
      __syncthreads();  // every thread has read the counts before any warp appends again
      if (full) flush_candidates(cand, list0, list1, t.state[sg.layer].list_count, L.list_cap);
    }
  }
  {
    const uint32_t i = 4 * n4 + threadIdx.x;  // at most 3 tail elements
    const bool valid = i < sg.len;
    visit(valid ? __ldg(v + i) : 0u, valid);
  }
  __syncthreads();
  if (lists) flush_candidates(cand, list0, list1, t.state[sg.layer].list_count, L.list_cap);
  h.flush(kMaxBins);
}

// Pass 2: digit 2 of the elements sharing each side's 22-bit prefix, read from the side's
// candidate list when it did not overflow (block `index` takes slice `index` of `count`), else
// from the segment itself.
__global__ void __launch_bounds__(kThreads) pass2_kernel(DeviceTables t) {
  __shared__ uint32_t bins[2 * kMaxBins];
  const Segment sg = t.segments[blockIdx.x];
  const LayerDesc L = t.layers[sg.layer];
  const LayerState* st = t.state + sg.layer;
  const Side top = st->top, bottom = st->bottom;
  if (!top.active && !bottom.active) return;
  const bool shared = st->shared;  // same 22-bit prefix: slot 0 counts for both
  const bool list_shared = st->list_shared;
  const bool list0_ok = L.list_cap > 0 && st->list_count[0] <= L.list_cap;
  const bool list1_ok = L.list_cap > 0 && st->list_count[1] <= L.list_cap;
  const bool bottom_list_ok = list_shared ? list0_ok : list1_ok;
  const bool full_top = top.active && !list0_ok;
  const bool full_bottom = bottom.active && !bottom_list_ok;

  BlockHist h{bins, layer_hist(t, sg.layer, 0), layer_hist(t, sg.layer, 1),
              sg.len <= kSmallSegment};
  h.zero(digit_bins(2));
  __syncthreads();

  auto visit = [&](uint32_t key, bool for_top, bool for_bottom) {
    if (for_top && side_matches(top, key, 2)) h.add(0, key_digit(key, 2));
    else if (for_bottom && !shared && side_matches(bottom, key, 2)) h.add(1, key_digit(key, 2));
  };

  if (full_top || full_bottom) {
    const uint32_t* v = t.values + L.offset + sg.start;
    for (uint32_t i = threadIdx.x; i < sg.len; i += kThreads)
      visit(magnitude_key(__ldg(v + i)), full_top, full_bottom);
  }
  // Candidate slices. With `shared`, both sides read list 0 (list_shared holds too).
  const bool read0 = list0_ok && (top.active || (bottom.active && list_shared));
  const bool read1 = list1_ok && bottom.active && !list_shared;
  if (read0) {
    const uint64_t c = st->list_count[0];
    const uint32_t lo = (uint32_t)(c * sg.index / sg.count);
    const uint32_t hi = (uint32_t)(c * (sg.index + 1) / sg.count);
    const uint32_t* list = t.lists + L.list_offset;
    for (uint32_t i = lo + threadIdx.x; i < hi; i += kThreads)
      visit(list[i], top.active, bottom.active && list_shared);
  }
  if (read1) {
    const uint64_t c = st->list_count[1];
    const uint32_t lo = (uint32_t)(c * sg.index / sg.count);
    const uint32_t hi = (uint32_t)(c * (sg.index + 1) / sg.count);
    const uint32_t* list = t.lists + t.list_len + L.list_offset;
    for (uint32_t i = lo + threadIdx.x; i < hi; i += kThreads) visit(list[i], false, true);
  }
  __syncthreads();
  h.flush(digit_bins(2));
}

// Select after pass `pass`, one block per layer: for each active side, the bucket holding its
// ascending position. Each thread owns a run of bins; a block scan of the run totals finds the
// run holding the position and select_bucket (radix_common.h) finishes inside it. The block
// then zeroes the histograms for the next pass and, after the last pass, fixes the thresholds.
__global__ void __launch_bounds__(kThreads) select_kernel(DeviceTables t, int pass) {
  using Scan = cub::BlockScan<unsigned long long, kThreads>;
  __shared__ typename Scan::TempStorage scan_storage;
  __shared__ uint32_t bins[kMaxBins];
  __shared__ uint32_t found_bucket, found_rank, found_count;
  const uint32_t layer = blockIdx.x;
  LayerState* st = t.state + layer;
  Side sides[2] = {st->top, st->bottom};
  const bool shared = st->shared;
  const int nbins = digit_bins(pass);
  const int run = nbins / (int)kThreads;  // 8 bins per thread for 11-bit digits, 2 for 9-bit

  for (int s = 0; s < 2; ++s) {
    if (!sides[s].active) continue;  // uniform over the block
    // Pass 0 counts every element into slot 0 for both sides.
    const uint32_t* gh = layer_hist(t, layer, (pass == 0 || (s == 1 && shared)) ? 0 : s);
    for (int i = threadIdx.x; i < nbins; i += kThreads) bins[i] = gh[i];
    __syncthreads();
    unsigned long long total = 0;
    for (int i = 0; i < run; ++i) total += bins[threadIdx.x * run + i];
    unsigned long long before = 0;
    Scan(scan_storage).ExclusiveSum(total, before);
    const uint64_t rank = sides[s].rank;
    if (rank >= before && rank < before + total) {
      uint64_t r = rank - before, below = 0;
      const uint32_t b = threadIdx.x * run + select_bucket(bins + threadIdx.x * run, run, &r, &below);
      found_bucket = b;
      found_rank = (uint32_t)r;
      found_count = bins[b];
    }
    __syncthreads();
    side_advance(&sides[s], pass, found_bucket, found_rank, found_count);
    __syncthreads();  // bins and found_* are reused by the next side
  }
  uint32_t* h = layer_hist(t, layer, 0);
  for (uint32_t i = threadIdx.x; i < 2 * kMaxBins; i += kThreads) h[i] = 0;
  if (threadIdx.x == 0) {
    st->top = sides[0];
    st->bottom = sides[1];
    const uint32_t same = sides[0].active && sides[1].active && sides[0].prefix == sides[1].prefix;
    st->shared = same;
    if (pass == 0) st->list_shared = same;
    if (pass == kPasses - 1) st->fin = finalize_sides(sides[0], sides[1]);
  }
}

struct AddCounts {
  __device__ __forceinline__ Counts operator()(const Counts& a, const Counts& b) const {
    return add_counts(a, b);
  }
};

// Output pass, one 4096-element tile per block, 16 consecutive elements per thread. The scan of
// the three Counts gives every element its tie ordinals (to apply the tie rule) and every thread
// the number of kept elements before its run (to write the sparse kept set in index order).
// Loads this thread's run of kItems elements of a tile (zeros past the layer's end).
__device__ __forceinline__ void load_run(const DeviceTables& t, const LayerDesc& L,
                                         const Tile& tile, uint32_t first, uint32_t valid,
                                         uint32_t (&bits)[kItems]) {
  const uint32_t* v = t.values + L.offset + tile.start + first;
  if (first + kItems <= valid) {
    const uint4* v4 = reinterpret_cast<const uint4*>(v);
#pragma unroll
    for (int q = 0; q < (int)kItems / 4; ++q) {
      const uint4 x = __ldg(v4 + q);
      bits[4 * q] = x.x;
      bits[4 * q + 1] = x.y;
      bits[4 * q + 2] = x.z;
      bits[4 * q + 3] = x.w;
    }
  } else {
#pragma unroll
    for (int j = 0; j < (int)kItems; ++j) bits[j] = first + j < valid ? __ldg(v + j) : 0u;
  }
}

__device__ __forceinline__ Counts run_counts(const uint32_t (&bits)[kItems], uint32_t first,
                                             uint32_t valid, const Final& f) {
  Counts c = zero_counts();
#pragma unroll
  for (int j = 0; j < (int)kItems; ++j)
    if (first + j < valid) c = add_counts(c, element_counts(magnitude_key(bits[j]), f));
  return c;
}

__device__ __forceinline__ uint32_t tile_valid(const LayerDesc& L, const Tile& tile) {
  return L.n - tile.start < kTile ? L.n - tile.start : kTile;
}

// Count pass, one tile per block: the tile's three Counts.
__global__ void __launch_bounds__(kThreads) count_kernel(DeviceTables t) {
  using Reduce = cub::BlockReduce<Counts, kThreads>;
  __shared__ typename Reduce::TempStorage reduce_storage;
  const Tile tile = t.tiles[blockIdx.x];
  const LayerDesc L = t.layers[tile.layer];
  const Final f = t.state[tile.layer].fin;
  const uint32_t valid = tile_valid(L, tile), first = threadIdx.x * kItems;
  uint32_t bits[kItems];
  load_run(t, L, tile, first, valid, bits);
  const Counts total = Reduce(reduce_storage).Reduce(run_counts(bits, first, valid, f), AddCounts());
  if (threadIdx.x == 0) t.tile_counts[blockIdx.x] = total;
}

// Per layer: exclusive scan of its tiles' Counts, in index order.
__global__ void __launch_bounds__(kThreads) tile_scan_kernel(DeviceTables t) {
  using Scan = cub::BlockScan<Counts, kThreads>;
  __shared__ typename Scan::TempStorage scan_storage;
  const LayerDesc L = t.layers[blockIdx.x];
  const uint32_t tiles = (uint32_t)((L.n + (uint64_t)kTile - 1) / kTile);
  Counts carry = zero_counts();
  for (uint32_t base = 0; base < tiles; base += kThreads) {
    const uint32_t i = base + threadIdx.x;
    const Counts mine = i < tiles ? t.tile_counts[L.first_tile + i] : zero_counts();
    Counts excl, total;
    Scan(scan_storage).ExclusiveScan(mine, excl, zero_counts(), AddCounts(), total);
    if (i < tiles) t.tile_prefix[L.first_tile + i] = add_counts(carry, excl);
    carry = add_counts(carry, total);
    __syncthreads();  // scan_storage is reused
  }
}

// Output pass, one 4096-element tile per block, 16 consecutive elements per thread. The tile's
// Counts prefix (count pass + tile scan) plus a block scan give every element its tie ordinals
// (to apply the tie rule) and every thread the number of kept elements before its run (to write
// the sparse kept set in index order). Four blocks per SM (64 registers) keep several tiles in
// flight per SM.
__global__ void __launch_bounds__(kThreads, 4) output_kernel(DeviceTables t) {
  using Scan = cub::BlockScan<Counts, kThreads>;
  __shared__ typename Scan::TempStorage scan_storage;
  __shared__ unsigned long long top_index, bottom_index;

  const Tile tile = t.tiles[blockIdx.x];
  const LayerDesc L = t.layers[tile.layer];
  const Final f = t.state[tile.layer].fin;
  const uint32_t valid = tile_valid(L, tile), first = threadIdx.x * kItems;
  uint32_t bits[kItems];
  load_run(t, L, tile, first, valid, bits);
  Counts excl, tile_total;
  Scan(scan_storage).ExclusiveScan(run_counts(bits, first, valid, f), excl, zero_counts(),
                                   AddCounts(), tile_total);
  const Counts tile_before = t.tile_prefix[blockIdx.x];
  const Counts before = add_counts(tile_before, excl);  // over the layer, before my run

  // Thresholds for this tile: where a cut's tie ordinal lies on a tie of this tile, the thread
  // holding that tie supplies its index; otherwise tile_thresholds' index applies.
  Thresholds th = tile_thresholds(f, tile_before, tile_total);
  if (threadIdx.x == 0) {
    top_index = th.top_index;
    bottom_index = th.bottom_index;
  }
  __syncthreads();
  {
    uint32_t tt = before.top_ties, tb = before.bottom_ties;
    for (int j = 0; j < (int)kItems; ++j) {
      if (first + j >= valid) break;
      const uint32_t key = magnitude_key(bits[j]);
      if (key == f.top_key) {
        if (tt == f.top_ties) top_index = tile.start + first + j;
        ++tt;
      }
      if (key == f.bottom_key) {
        if (tb == f.bottom_first) bottom_index = tile.start + first + j;
        ++tb;
      }
    }
  }
  __syncthreads();
  th.top_index = top_index;
  th.bottom_index = bottom_index;

  // Classify and write. Runs start at multiples of 16 elements of a layer whose buffers are
  // padded to 16, so a run with any valid element may write all 16 codes / pruned values.
  if (first < valid) {
    const bool want_kept = (L.outputs & kOutKept) != 0;
    const uint64_t kept_end = L.kept_offset + (L.n - L.k_top - L.k_bottom);
    uint64_t kept_at = L.kept_offset + kept_before((uint64_t)tile.start + first, before, f);
    uint32_t code_words[kItems / 4];
#pragma unroll
    for (int q = 0; q < (int)kItems / 4; ++q) code_words[q] = 0;
#pragma unroll
    for (int j = 0; j < (int)kItems; ++j) {
      const uint64_t index = (uint64_t)tile.start + first + j;
      const bool in = first + j < valid;
      const uint8_t code = in ? classify(magnitude_key(bits[j]), index, th) : (uint8_t)1;
      code_words[j / 4] |= (uint32_t)code << (8 * (j % 4));
      const bool kept = in && code == 1;
      if (kept && want_kept) {
        // The bound only matters if the thresholds were inconsistent (they are not); it keeps
        // every write inside the layer's kept range regardless.
        if (kept_at < kept_end) {
          t.kept_index[kept_at] = (uint32_t)index;
          t.kept_value[kept_at] = bits[j];
        }
        ++kept_at;
      }
      bits[j] = kept ? bits[j] : 0u;  // now the pruned value (registers are reused)
    }
    const uint64_t at = L.offset + tile.start + first;
    if (L.outputs & kOutCodes)
      *reinterpret_cast<uint4*>(t.codes + at) =
          make_uint4(code_words[0], code_words[1], code_words[2], code_words[3]);
    if (L.outputs & kOutPruned) {
      uint4* p4 = reinterpret_cast<uint4*>(t.pruned + at);
#pragma unroll
      for (int q = 0; q < (int)kItems / 4; ++q)
        p4[q] = make_uint4(bits[4 * q], bits[4 * q + 1], bits[4 * q + 2], bits[4 * q + 3]);
    }
  }
}

}  // namespace cuda
}  // namespace dgp

#endif  // DGP_CUDA_KERNELS_CUH
