// Plain C description of one layer's selection job. Shared by the CPU kernel, the CUDA kernel
// (through its C interface) and the N-API glue, so nothing here may use C++-only features.
#ifndef DGP_TYPES_H
#define DGP_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// One layer: input values and the outputs to fill. Every output pointer may be NULL (skipped).
// Lengths: codes and pruned hold n entries; kept_indices and kept_values hold
// n - k_top - k_bottom entries (the kept set's size is known before the call).
typedef struct DgpLayer {
  const float* values;     // n float32, read-only
  uint64_t n;
  uint64_t k_top;          // size of the top-removed set T (SPEC §1)
  uint64_t k_bottom;       // size of the bottom-removed set B
  uint8_t* codes;          // 0 = bottom-removed, 1 = kept, 2 = top-removed
  float* pruned;           // kept values in place, +0 elsewhere
  uint32_t* kept_indices;  // ascending indices of the kept set
  float* kept_values;      // values at kept_indices, bit-for-bit
} DgpLayer;

// Outcome of a batched call. status == DGP_OK, or DGP_BAD_VALUE with the lowest layer position
// holding a NaN/Inf and the first such index in it, or another code with a message.
enum {
  DGP_OK = 0,
  DGP_BAD_VALUE = 1,      // NaN or +-Infinity in a layer
  DGP_BAD_ARGUMENT = 2,   // counts out of range, missing pointers
  DGP_DEVICE_ERROR = 3,   // CUDA runtime failure (message says which call)
  DGP_NO_MEMORY = 4
};

typedef struct DgpStatus {
  int code;
  uint64_t layer;          // layer position for DGP_BAD_VALUE / DGP_BAD_ARGUMENT
  uint64_t index;          // first offending element for DGP_BAD_VALUE
  char message[256];
} DgpStatus;

#ifdef __cplusplus
}
#endif

#endif  // DGP_TYPES_H
