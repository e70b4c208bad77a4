// C interface of the CUDA backend. No N-API types and no C++ exceptions cross it, so the
// addon links the same way whether the .cu files were compiled or cuda_absent.cc was.
#ifndef DGP_CUDA_H
#define DGP_CUDA_H

#include "dgp_types.h"

#ifdef __cplusplus
extern "C" {
#endif

// 1 when this binary was compiled with the CUDA backend, 0 when cuda_absent.cc was built.
int dgp_cuda_compiled(void);

// Number of usable CUDA devices (0 if none). When 0, `reason` receives why (no driver, no
// device, built without CUDA), NUL-terminated and truncated to reason_len.
int dgp_cuda_device_count(char* reason, size_t reason_len);

// Name and compute capability of device 0, e.g. "NVIDIA H100 80GB HBM3 (sm_90)".
void dgp_cuda_device_name(char* name, size_t name_len);

// Same contract as the CPU kernel (dgp::select_layers_cpu): all layers in one batched call,
// outputs written to host memory, bit-identical results. Never throws.
DgpStatus dgp_cuda_select_layers(const DgpLayer* layers, size_t count);

#ifdef __cplusplus
}
#endif

#endif  // DGP_CUDA_H
