// Plain C++ kernels of the federated-learning layer (no napi.h): CRC-32, index coding of the wire
// format (docs/FORMAT.md), decode validation, densify / scatter-add, and the element-wise steps
// of error feedback and ADGP. Every function is bounds-safe on its own: it is given the capacity
// of each buffer it writes and the length of each buffer it reads, and never trusts the data.
// src/backends/ts/wire.ts is the bit-identical TypeScript twin of every function here. The surface
// (src/surface/kernels.ts) reaches them through wire_surface.cc, the functions of the kernel
// table (native/glue/kernel_table.h), from which the N-API and wasm glue are generated.
#ifndef DGP_WIRE_KERNELS_H
#define DGP_WIRE_KERNELS_H

#include <cstddef>
#include <cstdint>

namespace dgp_wire {

// Index codings of a layer (FORMAT.md "index block").
enum Coding : int { CODING_BITMAP = 0, CODING_DELTA = 1 };

// Decode outcomes. Negative so the glue can return "new offset or status" in one number.
enum Status : int {
  WIRE_OK = 0,
  WIRE_TRUNCATED = -1,        // the block runs past the end of the message
  WIRE_VARINT_OVERLONG = -2,  // a varint with a redundant trailing zero byte
  WIRE_VARINT_OVERFLOW = -3,  // a varint longer than 5 bytes or above 2^32-1
  WIRE_NOT_ASCENDING = -4,    // a delta of 0 (a repeated index)
  WIRE_OUT_OF_RANGE = -5,     // an index >= n
  WIRE_COUNT_MISMATCH = -6,   // a bitmap whose popcount differs from the declared count
  WIRE_BITMAP_PADDING = -7,   // bits at positions >= n set in the bitmap's last byte
  WIRE_BAD_CODING = -8,       // a coding byte other than 0 or 1
};

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF) of
// data[0, len). crc32("123456789") == 0xCBF43926.
uint32_t crc32(const uint8_t* data, size_t len);

// Bytes of the delta-varint coding of idx[0, k), or -1 when the indices are not strictly
// ascending or one is >= n; then *bad is the position of the first offending index.
int64_t delta_size(const uint32_t* idx, size_t k, uint64_t n, size_t* bad);

// Writes the bitmap (ceil(n/8) bytes) or the delta varints of idx[0, k) into out[0, cap).
// Returns the bytes written, or -1 when cap is too small or an index is invalid (as above).
int64_t write_indices(const uint32_t* idx, size_t k, uint64_t n, int coding, uint8_t* out, size_t cap);

// Decodes `count` indices of a layer of n elements from in[0, avail) into out[0, count).
// Returns WIRE_OK and sets *consumed, or a negative Status; *at is then the element position
// (or byte offset for TRUNCATED) of the problem. Never reads past avail or writes past count.
int read_indices(const uint8_t* in, size_t avail, int coding, uint64_t count, uint64_t n, uint32_t* out,
                 size_t* consumed, uint64_t* at);

// Copies `count` little-endian float32 from in (4*count readable bytes) into out. Returns -1, or
// the position of the first NaN/Inf (out is then unspecified).
int64_t read_values(const uint8_t* in, size_t count, float* out);

// Position of the first NaN/Inf in v[0, n), or -1.
int64_t first_non_finite(const float* v, size_t n);

// dst[idx[j]] = v[j] (add == false) or dst[idx[j]] = dst[idx[j]] + w * v[j] (float32 product, then
// float32 sum; no fused multiply-add). Returns -1, or the first j with idx[j] >= n (nothing at or
// after that j is written).
int64_t scatter(float* dst, uint64_t n, const uint32_t* idx, const float* v, size_t k, float w, bool add);

// acc[j] = acc[j] + w * v[j] for j < k (float32, unfused): the ADGP values-only aggregate.
void axpy(float* acc, const float* v, size_t k, float w);

// out[i] = a[i] + b[i] in float32 (SPEC §5: p = g + e).
void add(const float* a, const float* b, float* out, size_t n);

// Error-feedback modes (SPEC §5).
enum Mode : int { MODE_BOTTOM = 0, MODE_ALL = 1, MODE_NONE = 2 };

// e[i] = p[i] where kept in memory by the mode (code 0; code 2 too in MODE_ALL), else +0.
void memory_update(const float* p, const uint8_t* codes, size_t n, int mode, float* e);

// ADGP client step over one layer: values[j] = p[pos[j]], or +0 where codes[pos[j]] == 2 (own
// top set withheld). Rewrites codes so memory_update then keeps the right part (SPEC §8):
// 2 stays 2, a broadcast position not withheld becomes 1 (sent), every other position 0.
// Returns -1, or the first j with pos[j] >= n (codes and values then unspecified).
int64_t aligned_gather(const float* p, uint8_t* codes, size_t n, const uint32_t* pos, size_t k, float* values);

}  // namespace dgp_wire

#endif  // DGP_WIRE_KERNELS_H
