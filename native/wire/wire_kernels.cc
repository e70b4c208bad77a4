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

inline uint32_t load_le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

inline bool is_finite_bits(uint32_t u) { return (u & 0x7f800000u) != 0x7f800000u; }

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

int read_bitmap(const uint8_t* in, size_t avail, uint64_t count, uint64_t n, uint32_t* out, size_t* consumed,
                uint64_t* at) {
  const uint64_t bytes = (n + 7) / 8;
  if (bytes > avail) {
    *at = avail;
    return WIRE_TRUNCATED;
  }
  uint64_t written = 0;
  for (uint64_t b = 0; b < bytes; ++b) {
    uint32_t byte = in[b];
    while (byte) {
      if (written == count) {  // more bits than declared: stop before writing past out
        *at = count;
        return WIRE_COUNT_MISMATCH;
      }
      const uint64_t i = b * 8 + uint64_t(__builtin_ctz(byte));
      if (i >= n) {
        *at = i;
        return WIRE_BITMAP_PADDING;
      }
      out[written++] = uint32_t(i);
      byte &= byte - 1;
    }
  }
  if (written != count) {
    *at = written;
    return WIRE_COUNT_MISMATCH;
  }
  *consumed = size_t(bytes);
  return WIRE_OK;
}

int read_delta(const uint8_t* in, size_t avail, uint64_t count, uint64_t n, uint32_t* out, size_t* consumed,
               uint64_t* at) {
  size_t pos = 0;
  uint64_t prev = 0;
  for (uint64_t j = 0; j < count; ++j) {
    uint32_t v = 0;
    size_t len = 0;
    for (;;) {
      if (pos + len >= avail) {
        *at = avail;
        return WIRE_TRUNCATED;
      }
      const uint8_t byte = in[pos + len];
      if (len == 4 && byte > 0x0f) {  // 5th byte may carry only the top 4 bits of a u32
        *at = j;
        return WIRE_VARINT_OVERFLOW;
      }
      v |= uint32_t(byte & 0x7f) << (7 * len);
      ++len;
      if (!(byte & 0x80)) {
        if (len > 1 && byte == 0) {
          *at = j;
          return WIRE_VARINT_OVERLONG;
        }
        break;
      }
    }
    pos += len;
    if (j > 0 && v == 0) {
      *at = j;
      return WIRE_NOT_ASCENDING;
    }
    const uint64_t index = (j == 0 ? 0 : prev) + v;
    if (index >= n) {
      *at = j;
      return WIRE_OUT_OF_RANGE;
    }
    out[j] = uint32_t(index);
    prev = index;
  }
  *consumed = pos;
  return WIRE_OK;
}

}  // namespace

uint32_t crc32(const uint8_t* p, size_t len) {
  uint32_t c = 0xFFFFFFFFu;
  while (len >= 8) {
    const uint32_t a = load_le32(p) ^ c, b = load_le32(p + 4);
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
    std::memset(out, 0, size_t(bytes));
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
  std::memcpy(out, in, count * 4);  // the format is little-endian, as is every supported host
  return first_non_finite(out, count);
}

int64_t first_non_finite(const float* v, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, v + i, 4);
    if (!is_finite_bits(u)) return int64_t(i);
  }
  return -1;
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
    std::memset(e, 0, n * sizeof(float));
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
