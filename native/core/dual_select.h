// CPU dual top/bottom-k selection (SPEC §1-4): radix select on the magnitude bits, batched over
// all layers of a model, multithreaded. Plain C++; the N-API glue lives in native/addon.
#ifndef DGP_DUAL_SELECT_H
#define DGP_DUAL_SELECT_H

#include <cstddef>
#include <cstdint>

#include "dgp_types.h"
#include "layer_check.h"
#include "radix_common.h"

namespace dgp {

// Size classes (tests cover both sides of each boundary):
//   n <= kSmallLayerMax (small_select.h)  8-bit-digit path, scratch reused, whole layer on one thread
//   n <  kSplitLayerMin                   2048-bin radix path on one thread
//   n >= kSplitLayerMin                   2048-bin radix path split across the threads
constexpr uint64_t kSplitLayerMin = uint64_t(1) << 18;
// Layers that run whole go to the thread pool only when their work (elements + kLayerWork per
// layer) reaches this: below it, waking the pool costs more than it saves.
constexpr uint64_t kParallelMinWork = uint64_t(1) << 16;
constexpr uint64_t kLayerWork = 256;

// Selects every layer and fills its outputs. threads <= 0 means all hardware threads.
// Every layer's thresholds are found before any output is written, so on NaN/Inf it returns
// DGP_BAD_VALUE naming the lowest such layer and its first bad index with every output of the
// call untouched unless `outputs_disposable` (caller-owned outputs need no separate finiteness
// pass). Inputs are never written.
// `outputs_disposable`: the caller drops every output when the call fails (outputs it allocated
// for this call), so a large layer's codes may be written in the same read that searches its
// thresholds (bracket_select.h), before the other layers are known to be finite.
DgpStatus select_layers_cpu(const DgpLayer* layers, size_t count, int threads,
                            bool outputs_disposable = false);

// Exact thresholds of one layer (exposed for tests and for the CUDA kernel's verification).
// Returns false (and sets *bad_index) if the layer holds a NaN/Inf.
bool find_thresholds(const float* values, uint64_t n, uint64_t k_top, uint64_t k_bottom,
                     int threads, Thresholds* out, uint64_t* bad_index);

// check_layer (validation of one layer) lives in layer_check.h, shared with the CUDA planner.

}  // namespace dgp

#endif  // DGP_DUAL_SELECT_H
