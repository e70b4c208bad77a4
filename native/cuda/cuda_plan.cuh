// Host side of one batched CUDA call: validates the layers (same rules and messages as the CPU
// kernel's check_layer) and lays them out for the device: padded offsets, histogram-pass
// segments, output-pass tiles, candidate-list slots and the copy pieces. Plain C++ (no CUDA
// calls), so the native tests check it on machines without a GPU.
#ifndef DGP_CUDA_PLAN_CUH
#define DGP_CUDA_PLAN_CUH

#include <cstdio>
#include <cstring>
#include <vector>

#include "cuda_common.cuh"
#include "dgp_types.h"
#include "layer_check.h"

namespace dgp {
namespace cuda {

struct Plan {
  std::vector<LayerDesc> layers;    // only layers with n > 0, in call order
  std::vector<size_t> position;     // their positions in the caller's array
  std::vector<Segment> segments;
  std::vector<Tile> tiles;
  uint64_t elements = 0;            // padded length of the values/codes/pruned buffers
  uint64_t kept = 0;                // total kept elements (length of the kept buffers)
  uint64_t list = 0;                // length of each candidate-list buffer
  uint32_t outputs = 0;             // union of the layers' kOut* bits
};

// Fills `plan`; returns false with `status` set when a layer is invalid. May throw bad_alloc.
inline bool build_plan(const DgpLayer* layers, size_t count, Plan* plan, DgpStatus* status) {
  *plan = Plan();
  for (size_t l = 0; l < count; ++l)
    if (!dgp::check_layer(layers[l], l, status)) return false;
  for (size_t l = 0; l < count; ++l) {
    const DgpLayer& src = layers[l];
    if (src.n == 0) continue;  // nothing to rank, nothing to write
    const uint32_t n = (uint32_t)src.n;
    LayerDesc d;
    d.offset = plan->elements;
    d.kept_offset = plan->kept;
    d.list_offset = plan->list;
    d.n = n;
    d.k_top = (uint32_t)src.k_top;
    d.k_bottom = (uint32_t)src.k_bottom;
    d.list_cap = n >= kListMinLayer ? n / kListDivisor : 0u;
    d.first_tile = (uint32_t)plan->tiles.size();
    d.outputs = (src.codes ? kOutCodes : 0u) | (src.pruned ? kOutPruned : 0u) |
                ((src.kept_indices || src.kept_values) ? kOutKept : 0u);
    const uint32_t layer = (uint32_t)plan->layers.size();
    const uint32_t segs = (uint32_t)((n + (uint64_t)kSegment - 1) / kSegment);
    for (uint32_t s = 0; s < segs; ++s) {
      const uint64_t start = (uint64_t)s * kSegment;
      const uint64_t len = n - start < kSegment ? n - start : kSegment;
      plan->segments.push_back(Segment{layer, (uint32_t)start, (uint32_t)len, s, segs});
    }
    for (uint64_t start = 0; start < n; start += kTile)
      plan->tiles.push_back(Tile{layer, (uint32_t)start});
    plan->elements += round_up(n, kAlign);
    plan->kept += n - d.k_top - d.k_bottom;
    plan->list += d.list_cap;
    plan->outputs |= d.outputs;
    plan->layers.push_back(d);
    plan->position.push_back(l);
  }
  return true;
}

// A contiguous host range and where it lives in a device buffer (bytes).
struct Piece {
  char* host;
  uint64_t device_offset;
  uint64_t bytes;
};

// Staging windows over a device buffer: [start, start + bytes) in ascending order, at most
// `chunk` bytes each, covering every piece (gaps between pieces inside a window are copied too;
// they are alignment padding of a few bytes).
struct Window {
  uint64_t start;
  uint64_t bytes;
};

inline std::vector<Window> staging_windows(const std::vector<Piece>& pieces, uint64_t chunk) {
  std::vector<Window> w;
  size_t p = 0;
  while (p < pieces.size()) {
    if (pieces[p].bytes == 0) {
      ++p;
      continue;
    }
    // A run of pieces separated by small gaps shares windows; a run ends at a large gap so
    // unrequested regions are not copied.
    uint64_t run_start = pieces[p].device_offset;
    uint64_t run_end = run_start + pieces[p].bytes;
    size_t q = p + 1;
    while (q < pieces.size() &&
           (pieces[q].bytes == 0 || pieces[q].device_offset <= run_end + 4096)) {
      if (pieces[q].bytes) run_end = pieces[q].device_offset + pieces[q].bytes;
      ++q;
    }
    for (uint64_t s = run_start; s < run_end; s += chunk)
      w.push_back(Window{s, run_end - s < chunk ? run_end - s : chunk});
    p = q;
  }
  return w;
}

}  // namespace cuda
}  // namespace dgp

#endif  // DGP_CUDA_PLAN_CUH
