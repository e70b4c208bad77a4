// See wire_kernels.h. The float kernels must round exactly like the TypeScript twin: every
// product and sum is a separate float32 operation, so contraction into FMA is switched off here
// (aarch64 and -march=native builds would otherwise fuse w * v + acc).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "wire_kernels.h"

#include <cstring>

#include "wire_layout.h"

namespace dgp_wire {
namespace {

// Slice-by-8 tables: table[0] is the classic byte table, table[k][b] advances it k more bytes.
struct CrcTables {
  uint32_t t[8][256];
  CrcTables() {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t c = b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
      t[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; ++b)
      for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
};
const CrcTables kCrc;

inline size_t varint_len(uint32_t v) {
  return v < (1u << 7) ? 1 : v < (1u << 14) ? 2 : v < (1u << 21) ? 3 : v < (1u << 28) ? 4 : 5;
}

inline uint8_t* put_varint(uint8_t* o, uint32_t v) {
  while (v >= 0x80) {
    *o++ = uint8_t(v | 0x80);
    v >>= 7;
  }
  *o++ = uint8_t(v);
  return o;
}

// The index-block decoders over wire_layout.h's walkers, reporting wire_kernels.h's Status and
// *at (an element position; for TRUNCATED the bytes that were available).
int read_bitmap(const uint8_t* in, size_t avail, uint64_t count, uint64_t n, uint32_t* out, size_t* consumed,
                uint64_t* at) {
  const uint64_t bytes = layout::bitmap_bytes(n);
  if (bytes > avail) {
    *at = avail;
    return WIRE_TRUNCATED;
  }
  uint64_t written = 0;
  int status = WIRE_OK;
  layout::walk_bitmap(in, size_t(bytes), [&](uint64_t i) {
    if (written == count) {  // more bits than declared: stop before writing past out
      *at = count;
      status = WIRE_COUNT_MISMATCH;
      return false;
    }
    if (i >= n) {
      *at = i;
      status = WIRE_BITMAP_PADDING;
      return false;
    }
    out[written++] = uint32_t(i);
    return true;
  });
  if (status != WIRE_OK) return status;
  if (written != count) {
    *at = written;
    return WIRE_COUNT_MISMATCH;
  }
  *consumed = size_t(bytes);
  return WIRE_OK;
}

int read_delta(const uint8_t* in, size_t avail, uint64_t count, uint64_t n, uint32_t* out, size_t* consumed,
               uint64_t* at) {
  layout::WalkStop stop;
  const int s = layout::walk_delta(in, avail, count, n, [&](uint64_t j, uint64_t i) { out[j] = uint32_t(i); },
                                   consumed, &stop);
  if (s != WIRE_OK) *at = s == WIRE_TRUNCATED ? uint64_t(avail) : stop.j;
  return s;
}

}  // namespace

uint32_t crc32(const uint8_t* p, size_t len) {
  uint32_t c = 0xFFFFFFFFu;
  while (len >= 8) {
    const uint32_t a = layout::le32(p) ^ c, b = layout::le32(p + 4);
    c = kCrc.t[7][a & 0xff] ^ kCrc.t[6][(a >> 8) & 0xff] ^ kCrc.t[5][(a >> 16) & 0xff] ^ kCrc.t[4][a >> 24] ^
        kCrc.t[3][b & 0xff] ^ kCrc.t[2][(b >> 8) & 0xff] ^ kCrc.t[1][(b >> 16) & 0xff] ^ kCrc.t[0][b >> 24];
    p += 8;
    len -= 8;
  }
  while (len--) c = (c >> 8) ^ kCrc.t[0][(c ^ *p++) & 0xff];
  return c ^ 0xFFFFFFFFu;
}

int64_t delta_size(const uint32_t* idx, size_t k, uint64_t n, size_t* bad) {
  int64_t size = 0;
  uint32_t prev = 0;
  for (size_t j = 0; j < k; ++j) {
    if (idx[j] >= n || (j > 0 && idx[j] <= prev)) {
      *bad = j;
      return -1;
    }
    size += int64_t(varint_len(j == 0 ? idx[j] : idx[j] - prev));
    prev = idx[j];
  }
  return size;
}

int64_t write_indices(const uint32_t* idx, size_t k, uint64_t n, int coding, uint8_t* out, size_t cap) {
  size_t bad = 0;
  if (coding == CODING_BITMAP) {
    const uint64_t bytes = (n + 7) / 8;
    if (bytes > cap) return -1;
    if (bytes) std::memset(out, 0, size_t(bytes));  // an empty array's data may be null
    uint32_t prev = 0;
    for (size_t j = 0; j < k; ++j) {
      if (idx[j] >= n || (j > 0 && idx[j] <= prev)) return -1;
      out[idx[j] >> 3] |= uint8_t(1u << (idx[j] & 7));
      prev = idx[j];
    }
    return int64_t(bytes);
  }
  if (coding != CODING_DELTA) return -1;
  const int64_t size = delta_size(idx, k, n, &bad);
  if (size < 0 || uint64_t(size) > cap) return -1;
  uint8_t* o = out;
  uint32_t prev = 0;
  for (size_t j = 0; j < k; ++j) {
    o = put_varint(o, j == 0 ? idx[j] : idx[j] - prev);
    prev = idx[j];
  }
  return int64_t(o - out);
}

int read_indices(const uint8_t* in, size_t avail, int coding, uint64_t count, uint64_t n, uint32_t* out,
                 size_t* consumed, uint64_t* at) {
  *at = 0;
  *consumed = 0;
  if (count > n) {
    *at = count;
    return WIRE_OUT_OF_RANGE;
  }
  if (coding == CODING_BITMAP) return read_bitmap(in, avail, count, n, out, consumed, at);
  if (coding == CODING_DELTA) return read_delta(in, avail, count, n, out, consumed, at);
  return WIRE_BAD_CODING;
}

int64_t read_values(const uint8_t* in, size_t count, float* out) {
  // The format is little-endian, as is every supported host. An empty array's data may be null.
  if (count) std::memcpy(out, in, count * 4);
  return first_non_finite(out, count);
}

int64_t first_non_finite(const float* v, size_t n) {
  const uint64_t i = dgp::first_non_finite_f32(v, n);
  return i < n ? int64_t(i) : -1;
}

int64_t scatter(float* dst, uint64_t n, const uint32_t* idx, const float* v, size_t k, float w, bool add) {
  for (size_t j = 0; j < k; ++j) {
    const uint32_t i = idx[j];
    if (i >= n) return int64_t(j);
    if (add) {
      const float t = w * v[j];
      dst[i] = dst[i] + t;
    } else {
      dst[i] = v[j];
    }
  }
  return -1;
}

void axpy(float* acc, const float* v, size_t k, float w) {
  for (size_t j = 0; j < k; ++j) {
    const float t = w * v[j];
    acc[j] = acc[j] + t;
  }
}

void add(const float* a, const float* b, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void memory_update(const float* p, const uint8_t* codes, size_t n, int mode, float* e) {
  if (mode == MODE_NONE) {
    if (n) std::memset(e, 0, n * sizeof(float));  // an empty array's data may be null
    return;
  }
  const uint8_t keep_top = mode == MODE_ALL ? 2 : 0xff;
  for (size_t i = 0; i < n; ++i) e[i] = (codes[i] == 0 || codes[i] == keep_top) ? p[i] : 0.0f;
}

int64_t aligned_gather(const float* p, uint8_t* codes, size_t n, const uint32_t* pos, size_t k, float* values) {
  for (size_t i = 0; i < n; ++i) codes[i] = codes[i] == 2 ? 2 : 0;
  for (size_t j = 0; j < k; ++j) {
    const uint32_t i = pos[j];
    if (i >= n) return int64_t(j);
    if (codes[i] == 2) {
      values[j] = 0.0f;
    } else {
      codes[i] = 1;
      values[j] = p[i];
    }
  }
  return -1;
}

}  // namespace dgp_wire
