// Benchmark hook of the CUDA backend (not part of the addon's C interface): runs the kernel
// sequence on data already resident on the device, so the benchmark can separate kernel time
// from host<->device copies.
#ifndef DGP_CUDA_BENCH_CUH
#define DGP_CUDA_BENCH_CUH

#include <stddef.h>

#include "dgp_types.h"

namespace dgp {
namespace cuda {

struct DeviceTiming {
  double kernel_ms;     // mean time of one call's kernels (init .. output), CUDA events
  double d2d_copy_ms;   // mean time of a device-to-device cudaMemcpy of the input bytes
  double input_bytes;   // 4 * total elements
  // One more run with events between the steps (see kStageNames). Event gaps include launch
  // overheads.
  double stage_ms[10];
};

constexpr int kStages = 10;
constexpr const char* kStageNames[kStages] = {"init",     "pass 0", "select 0",  "pass 1",
                                              "select 1", "pass 2", "select 2",  "count",
                                              "tile scan", "output"};

// Uploads the layers once, then times `reps` runs of the kernels (after one warm-up run) and
// `reps` device-to-device copies of the same input bytes. Nothing is copied back; the layers'
// output pointers only say which outputs the kernels write.
DgpStatus time_device_resident(const DgpLayer* layers, size_t count, int reps, DeviceTiming* out);

}  // namespace cuda
}  // namespace dgp

#endif  // DGP_CUDA_BENCH_CUH
