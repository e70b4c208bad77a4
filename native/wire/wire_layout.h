// The one C++ reader of the wire layout's pieces (docs/FORMAT.md), header-only so the decoder
// kernels (wire_kernels.cc: read_indices, read_values), the streaming validators
// (stream_aggregate.cc: stream_validate, partial_validate and their apply passes) and the fuzz
// target all walk the bytes with the same code:
//   le32             a little-endian u32 field
//   read_varint      a count / length / delta varint (LEB128 u32, one encoding only)
//   walk_delta       a delta-varint index block, index by index
//   walk_bitmap      a bitmap index block's set bits, in order
//   first_non_finite_f32 (native/core/radix_common.h) the one NaN/Inf scan, over values or bytes
// Each walker reports the raw facts of a problem (which element, which byte); the callers map
// them to their own report (wire_kernels.h Status and *at, or stream_aggregate.h StreamProblem),
// which are part of the kernel surface and unchanged. No status is turned into a message in C++:
// the one table of messages is TypeScript's.
#ifndef DGP_WIRE_LAYOUT_H
#define DGP_WIRE_LAYOUT_H

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../core/radix_common.h"
#include "wire_kernels.h"

namespace dgp_wire {
namespace layout {

// A little-endian u32 at p (header fields, stored CRCs, slice-by-8 CRC words).
inline uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

enum VarintResult : int { VARINT_OK = 0, VARINT_TRUNCATED = 1, VARINT_OVERLONG = 2, VARINT_OVERFLOW = 3 };

// LEB128 u32 at b[*pos], reading no byte at or past `end`: at most 5 bytes, the 5th <= 0x0f, no
// redundant trailing zero byte. On VARINT_OK *pos moves past it; otherwise *pos is unchanged.
// Truncation is found before overflow, overflow (5th byte) before overlong, as bytes arrive.
inline int read_varint(const uint8_t* b, size_t end, size_t* pos, uint32_t* out) {
  uint32_t v = 0;
  for (size_t len = 0;; ++len) {
    if (*pos + len >= end) return VARINT_TRUNCATED;
    const uint8_t byte = b[*pos + len];
    if (len == 4 && byte > 0x0f) return VARINT_OVERFLOW;
    v |= uint32_t(byte & 0x7f) << (7 * len);
    if (!(byte & 0x80)) {
      if (len > 0 && byte == 0) return VARINT_OVERLONG;
      *pos += len + 1;
      *out = v;
      return VARINT_OK;
    }
  }
}

// Where a walk stopped: the element j and the byte offset into the block (for a varint problem
// the varint's first byte; for an index problem the byte after its varint).
struct WalkStop {
  uint64_t j = 0;
  size_t pos = 0;
};

// Walks `count` delta varints of a layer of n elements in b[0, avail), calling index(j, i) for
// each valid index i in order. Returns WIRE_OK with *consumed, or WIRE_TRUNCATED,
// WIRE_VARINT_OVERLONG, WIRE_VARINT_OVERFLOW, WIRE_NOT_ASCENDING or WIRE_OUT_OF_RANGE with *stop.
template <class Index>
inline int walk_delta(const uint8_t* b, size_t avail, uint64_t count, uint64_t n, Index index, size_t* consumed,
                      WalkStop* stop) {
  size_t pos = 0;
  uint64_t prev = 0;
  for (uint64_t j = 0; j < count; ++j) {
    uint32_t v = 0;
    const int s = read_varint(b, avail, &pos, &v);
    if (s != VARINT_OK) {
      *stop = WalkStop{j, pos};
      return s == VARINT_TRUNCATED ? WIRE_TRUNCATED : s == VARINT_OVERLONG ? WIRE_VARINT_OVERLONG : WIRE_VARINT_OVERFLOW;
    }
    if (j > 0 && v == 0) {
      *stop = WalkStop{j, pos};
      return WIRE_NOT_ASCENDING;
    }
    const uint64_t i = (j == 0 ? 0 : prev) + v;
    if (i >= n) {
      *stop = WalkStop{j, pos};
      return WIRE_OUT_OF_RANGE;
    }
    index(j, i);
    prev = i;
  }
  *consumed = pos;
  return WIRE_OK;
}

// Calls bit(i) for every set bit i of b[0, bytes), ascending, until it returns false; returns
// whether it ran to the end. Reads 8 bytes at a time, then the tail byte by byte.
template <class Bit>
inline bool walk_bitmap(const uint8_t* b, size_t bytes, Bit bit) {
  size_t k = 0;
  for (; k + 8 <= bytes; k += 8) {
    uint64_t w;
    std::memcpy(&w, b + k, 8);  // little-endian host: bit i of the word is bit i % 8 of byte k + i / 8
    while (w) {
      if (!bit(uint64_t(k) * 8 + uint64_t(__builtin_ctzll(w)))) return false;
      w &= w - 1;
    }
  }
  for (; k < bytes; ++k) {
    uint32_t w = b[k];
    while (w) {
      if (!bit(uint64_t(k) * 8 + uint64_t(__builtin_ctz(w)))) return false;
      w &= w - 1;
    }
  }
  return true;
}

// Bytes of a bitmap over n elements.
inline uint64_t bitmap_bytes(uint64_t n) { return (n + 7) / 8; }

}  // namespace layout
}  // namespace dgp_wire

#endif  // DGP_WIRE_LAYOUT_H
