// See stream_aggregate.h. Two passes over one message: stream_validate reads every byte that
// matters and writes nothing; the apply pass then trusts the (now proven) structure and does the
// scatter-add. One walk of the layers (validate_layers, apply_layers) serves stream_validate,
// partial_validate and both apply passes; the fields inside a layer (varints, index blocks,
// values) are read by wire_layout.h's walkers, the same the decoder (wire_kernels.cc) uses. The
// stream codes are numbers only: their messages are TypeScript's one table. Products and sums
// stay separate float64 operations (no FMA contraction), as in the TypeScript twin, so both give
// the same bits.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "stream_aggregate.h"

#include <cstring>

#include "crc32_fast.h"
#include "wire_kernels.h"
#include "wire_layout.h"

namespace dgp_wire {
namespace {

constexpr size_t kHeader = 20;
constexpr size_t kCrc = 4;
constexpr uint64_t kMaxU32 = 0xFFFFFFFFull;

using layout::le32;

inline float load_f32(const uint8_t* p) {
  float f;
  std::memcpy(&f, p, 4);  // the format is little-endian, as is every supported host
  return f;
}

inline double load_f64(const uint8_t* p) {
  double d;
  std::memcpy(&d, p, 8);
  return d;
}

inline bool finite_f64_at(const uint8_t* p) { return ((p[7] & 0x7f) != 0x7f) || ((p[6] & 0xf0) != 0xf0); }

int fail(StreamProblem* p, int code, int64_t layer, uint64_t at, uint64_t got = 0, uint64_t want = 0) {
  p->code = code;
  p->layer = layer;
  p->at = at;
  p->got = got;
  p->want = want;
  return code;
}

// A count or length varint (wire_layout.h read_varint) as the stream codes say it:
// STREAM_OK, STREAM_TRUNCATED_FIELD or STREAM_BAD_VARINT (overlong or above 2^32-1).
int read_varint(const uint8_t* b, size_t end, size_t* pos, uint32_t* out) {
  const int s = layout::read_varint(b, end, pos, out);
  return s == layout::VARINT_OK ? STREAM_OK : s == layout::VARINT_TRUNCATED ? STREAM_TRUNCATED_FIELD : STREAM_BAD_VARINT;
}

// Walks the spec's layout one layer at a time: the metadata bytes to compare and the layer size.
struct LayoutCursor {
  const StreamSpec& spec;
  size_t pos = 0;
  bool next(const uint8_t** meta, size_t* meta_len, uint64_t* n) {
    const uint8_t* b = spec.layout;
    const size_t end = spec.layout_len, start = pos;
    uint32_t v = 0;
    if (read_varint(b, end, &pos, &v) != STREAM_OK || v > end - pos) return false;
    pos += v;  // name
    if (spec.of == KIND_ALIGNED) {
      if (read_varint(b, end, &pos, &v) != STREAM_OK) return false;
      *n = v;
    } else {
      if (pos >= end || b[pos] > 16) return false;
      const uint32_t rank = b[pos++];
      uint64_t size = 1;
      bool zero = false;  // a zero dim makes n = 0 whatever the others are (as the decoders agree)
      for (uint32_t d = 0; d < rank; ++d) {
        if (read_varint(b, end, &pos, &v) != STREAM_OK) return false;
        if (v == 0) zero = true;
        size = size > kMaxU32 ? size : size * v;  // stays above 2^32-1 once there; no u64 overflow
      }
      if (zero) size = 0;
      if (size > kMaxU32) return false;
      *n = size;
    }
    *meta = b + start;
    *meta_len = pos - start;
    return true;
  }
};

// Header, length and CRC, then round, positions id and layer count. *body is where layers start.
int check_header(const uint8_t* m, size_t len, const StreamSpec& spec, int kind, StreamProblem* p, size_t* body) {
  const size_t extra = kind == KIND_ALIGNED ? 4 : kind == KIND_PARTIAL ? kPartialExtraBytes : 0;
  if (len < 4) return fail(p, STREAM_TOO_SHORT, -1, 0, len, kHeader + extra + kCrc);
  if (!(m[0] == 0x44 && m[1] == 0x47 && m[2] == 0x50 && m[3] == 0x57)) return fail(p, STREAM_BAD_MAGIC, -1, 0, le32(m));
  if (len < kHeader + extra + kCrc) return fail(p, STREAM_TOO_SHORT, -1, 0, len, kHeader + extra + kCrc);
  if (m[4] != 1) return fail(p, STREAM_BAD_VERSION, -1, 4, m[4], 1);
  if (m[5] != kind) return fail(p, STREAM_BAD_KIND, -1, 5, m[5], uint64_t(kind));
  if (m[6] != 0 || m[7] != 0) return fail(p, STREAM_BAD_RESERVED, -1, 6, uint64_t(m[6]) | uint64_t(m[7]) << 8);
  if (le32(m + 8) != len) return fail(p, STREAM_LENGTH_MISMATCH, -1, 8, le32(m + 8), len);
  const uint32_t stored = le32(m + len - kCrc), computed = crc32_fast(m, len - kCrc);
  if (stored != computed) return fail(p, STREAM_CRC_MISMATCH, -1, len - kCrc, stored, computed);
  if (le32(m + 12) != spec.round) return fail(p, STREAM_ROUND_MISMATCH, -1, 12, le32(m + 12), spec.round);
  if (kind == KIND_PARTIAL) {
    if (m[20] != spec.of) return fail(p, STREAM_BAD_PARTIAL_HEADER, -1, 20, m[20], uint64_t(spec.of));
    if (m[21] != 0 || m[22] != 0 || m[23] != 0) return fail(p, STREAM_BAD_RESERVED, -1, 21, le32(m + 20) >> 8);
  }
  const size_t id_at = kind == KIND_PARTIAL ? 24 : 20;
  if (kind != KIND_UPDATE && le32(m + id_at) != spec.positions_id)
    return fail(p, STREAM_POSITIONS_MISMATCH, -1, id_at, le32(m + id_at), spec.positions_id);
  if (le32(m + 16) != spec.layer_count) return fail(p, STREAM_LAYER_COUNT_MISMATCH, -1, 16, le32(m + 16), spec.layer_count);
  *body = kHeader + extra;
  return STREAM_OK;
}

// Compares the layer's metadata with the layout's; *pos moves past it.
int match_meta(const uint8_t* m, size_t end, size_t* pos, const uint8_t* meta, size_t meta_len, int64_t layer,
               StreamProblem* p) {
  if (meta_len > end - *pos || std::memcmp(m + *pos, meta, meta_len) != 0)
    return fail(p, STREAM_LAYER_MISMATCH, layer, *pos);
  *pos += meta_len;
  return STREAM_OK;
}

// A bitmap block checked without decoding it: padding first, then the popcount against the
// count (the order the stream codes and their TypeScript twin report problems in; the decoder's
// read_indices walks the bits instead, since it writes them).
int validate_bitmap(const uint8_t* b, size_t avail, uint64_t count, uint64_t n, int64_t layer, size_t at,
                    StreamProblem* p, size_t* consumed) {
  const uint64_t bytes = (n + 7) / 8;
  if (bytes > avail) return fail(p, WIRE_TRUNCATED, layer, at, avail, bytes);
  if (n % 8 != 0) {
    const uint32_t pad = uint32_t(b[bytes - 1]) & ~((1u << (n % 8)) - 1u) & 0xffu;
    if (pad) return fail(p, WIRE_BITMAP_PADDING, layer, at + bytes - 1, (n & ~uint64_t(7)) + uint64_t(__builtin_ctz(pad)), n);
  }
  uint64_t pop = 0, i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t w;
    std::memcpy(&w, b + i, 8);
    pop += uint64_t(__builtin_popcountll(w));
  }
  for (; i < bytes; ++i) pop += uint64_t(__builtin_popcount(b[i]));
  if (pop != count) return fail(p, WIRE_COUNT_MISMATCH, layer, at, pop, count);
  *consumed = size_t(bytes);
  return STREAM_OK;
}

int validate_delta(const uint8_t* b, size_t avail, uint64_t count, uint64_t n, int64_t layer, size_t at,
                   StreamProblem* p, size_t* consumed) {
  layout::WalkStop stop;
  const int s = layout::walk_delta(b, avail, count, n, [](uint64_t, uint64_t) {}, consumed, &stop);
  switch (s) {
    case WIRE_OK: return STREAM_OK;
    case WIRE_TRUNCATED: return fail(p, WIRE_TRUNCATED, layer, at + stop.pos, stop.j, count);
    case WIRE_OUT_OF_RANGE: return fail(p, WIRE_OUT_OF_RANGE, layer, at + stop.pos, stop.j, n);
    case WIRE_NOT_ASCENDING: return fail(p, WIRE_NOT_ASCENDING, layer, at + stop.pos, stop.j);
    default: return fail(p, WIRE_VARINT_OVERFLOW, layer, at + stop.pos, stop.j);  // overlong or > 2^32-1
  }
}

int validate_values(const uint8_t* m, size_t end, size_t pos, uint64_t count, int64_t layer, StreamProblem* p) {
  if (count > (end - pos) / 4) return fail(p, STREAM_VALUES_TRUNCATED, layer, pos, end - pos, 4 * count);
  const uint64_t j = dgp::first_non_finite_f32(m + pos, count);
  if (j < count) return fail(p, STREAM_NON_FINITE, layer, pos + 4 * j, j);
  return STREAM_OK;
}

// One kind-1 layer after its metadata: coding, count, index block, values.
int validate_update_layer(const uint8_t* m, size_t end, size_t* pos, uint64_t n, int64_t layer, StreamProblem* p) {
  if (*pos >= end) return fail(p, STREAM_TRUNCATED_FIELD, layer, *pos);
  const uint8_t coding = m[(*pos)++];
  if (coding > CODING_DELTA) return fail(p, WIRE_BAD_CODING, layer, *pos - 1, coding);
  uint32_t count = 0;
  const size_t count_at = *pos;
  const int s = read_varint(m, end, pos, &count);
  if (s != STREAM_OK) return fail(p, s, layer, count_at);
  if (count > n) return fail(p, STREAM_COUNT_EXCEEDS, layer, count_at, count, n);
  size_t used = 0;
  const int r = coding == CODING_BITMAP ? validate_bitmap(m + *pos, end - *pos, count, n, layer, *pos, p, &used)
                                        : validate_delta(m + *pos, end - *pos, count, n, layer, *pos, p, &used);
  if (r != STREAM_OK) return r;
  *pos += used;
  if (validate_values(m, end, *pos, count, layer, p) != STREAM_OK) return p->code;
  *pos += 4 * size_t(count);
  return STREAM_OK;
}

// Scatter-adds one validated kind-1 layer: acc[i] += weight * v.
void apply_update_layer(const uint8_t* m, size_t* pos, uint64_t n, double weight, double* acc) {
  const uint8_t coding = m[(*pos)++];
  uint32_t count = 0;
  read_varint(m, SIZE_MAX, pos, &count);  // validated: well formed and in bounds
  const uint8_t* idx = m + *pos;
  size_t idx_bytes = 0;
  const uint8_t* vals = nullptr;
  const auto add = [&](uint64_t j, uint64_t i) { acc[i] = acc[i] + weight * double(load_f32(vals + 4 * j)); };
  if (coding == CODING_BITMAP) {
    idx_bytes = size_t(layout::bitmap_bytes(n));
    vals = idx + idx_bytes;
    uint64_t j = 0;
    layout::walk_bitmap(idx, idx_bytes, [&](uint64_t i) {
      add(j++, i);
      return true;
    });
  } else {
    layout::WalkStop stop;
    // First walk finds where the values start (the varints' length); the block is small.
    layout::walk_delta(idx, SIZE_MAX, count, n, [](uint64_t, uint64_t) {}, &idx_bytes, &stop);
    vals = idx + idx_bytes;
    layout::walk_delta(idx, SIZE_MAX, count, n, add, &idx_bytes, &stop);
  }
  *pos += idx_bytes + 4 * size_t(count);
}

// The one layout walk of validation (stream_validate and partial_validate): per layer, take the
// layout's next entry, require the message's metadata to equal it, then let `body(layer, n, &pos)`
// check what follows (returning STREAM_OK or the code it set in *p); at the end, the layout must
// be used up exactly, its sizes must add up to spec.total, and the CRC must follow the last layer.
template <class Body>
int validate_layers(const uint8_t* m, size_t end, size_t pos, const StreamSpec& spec, StreamProblem* p, Body body) {
  LayoutCursor lc{spec};
  uint64_t total = 0;
  for (uint32_t l = 0; l < spec.layer_count; ++l) {
    const uint8_t* meta = nullptr;
    size_t meta_len = 0;
    uint64_t n = 0;
    if (!lc.next(&meta, &meta_len, &n)) return fail(p, STREAM_BAD_SPEC, l, 0);
    total += n;
    if (match_meta(m, end, &pos, meta, meta_len, l, p) != STREAM_OK) return p->code;
    if (body(int64_t(l), n, &pos) != STREAM_OK) return p->code;
  }
  if (total != spec.total || lc.pos != spec.layout_len) return fail(p, STREAM_BAD_SPEC, -1, 0);
  if (pos != end) return fail(p, STREAM_TRAILING_BYTES, -1, pos, end - pos);
  return STREAM_OK;
}

// The apply passes' walk over a message that validate_layers accepted: per layer, skip its
// metadata, then `body(n, &pos, sums)` adds its entries to sums (the layer's slice of acc).
template <class Body>
void apply_layers(size_t pos, const StreamSpec& spec, double* acc, Body body) {
  LayoutCursor lc{spec};
  for (uint32_t l = 0; l < spec.layer_count; ++l) {
    const uint8_t* meta = nullptr;
    size_t meta_len = 0;
    uint64_t n = 0;
    lc.next(&meta, &meta_len, &n);
    pos += meta_len;
    body(n, &pos, acc);
    acc += n;
  }
}

}  // namespace

void stream_outcome(const StreamProblem& p, uint32_t clients, double weight, double* out) {
  out[0] = p.code;
  out[1] = double(p.layer);
  out[2] = double(p.at);
  out[3] = double(p.got);
  out[4] = double(p.want);
  out[5] = clients;
  out[6] = weight;
}

bool stream_layer_sizes(const StreamSpec& spec, uint64_t* sizes) {
  LayoutCursor lc{spec};
  uint64_t total = 0;
  for (uint32_t l = 0; l < spec.layer_count; ++l) {
    const uint8_t* meta;
    size_t meta_len;
    if (!lc.next(&meta, &meta_len, &sizes[l])) return false;
    total += sizes[l];
  }
  return lc.pos == spec.layout_len && total == spec.total;
}

int stream_validate(const uint8_t* m, size_t len, const StreamSpec& spec, StreamProblem* p) {
  *p = StreamProblem();
  if (spec.of != KIND_UPDATE && spec.of != KIND_ALIGNED) return fail(p, STREAM_BAD_SPEC, -1, 0);
  size_t pos = 0;
  if (check_header(m, len, spec, spec.of, p, &pos) != STREAM_OK) return p->code;
  const size_t end = len - kCrc;
  return validate_layers(m, end, pos, spec, p, [&](int64_t l, uint64_t n, size_t* at) {
    if (spec.of == KIND_UPDATE) return validate_update_layer(m, end, at, n, l, p);
    if (validate_values(m, end, *at, n, l, p) != STREAM_OK) return p->code;
    *at += 4 * size_t(n);
    return int(STREAM_OK);
  });
}

int stream_add(const uint8_t* m, size_t len, const StreamSpec& spec, double weight, double* acc, StreamProblem* p) {
  if (stream_validate(m, len, spec, p) != STREAM_OK) return p->code;
  apply_layers(kHeader + (spec.of == KIND_ALIGNED ? 4 : 0), spec, acc, [&](uint64_t n, size_t* pos, double* sums) {
    if (spec.of == KIND_UPDATE) return apply_update_layer(m, pos, n, weight, sums);
    for (uint64_t j = 0; j < n; ++j) sums[j] = sums[j] + weight * double(load_f32(m + *pos + 4 * j));
    *pos += 4 * size_t(n);
  });
  return STREAM_OK;
}

int partial_validate(const uint8_t* m, size_t len, const StreamSpec& spec, uint32_t* clients, double* weight,
                     StreamProblem* p) {
  *p = StreamProblem();
  if (spec.of != KIND_UPDATE && spec.of != KIND_ALIGNED) return fail(p, STREAM_BAD_SPEC, -1, 0);
  size_t pos = 0;
  if (check_header(m, len, spec, KIND_PARTIAL, p, &pos) != STREAM_OK) return p->code;
  const double w = load_f64(m + 32);
  if (!finite_f64_at(m + 32) || !(w >= 0)) return fail(p, STREAM_BAD_WEIGHT, -1, 32);
  const size_t end = len - kCrc;
  const int code = validate_layers(m, end, pos, spec, p, [&](int64_t l, uint64_t n, size_t* at) {
    if (n > (end - *at) / 8) return fail(p, STREAM_VALUES_TRUNCATED, l, *at, end - *at, 8 * n);
    for (uint64_t j = 0; j < n; ++j)
      if (!finite_f64_at(m + *at + 8 * j)) return fail(p, STREAM_NON_FINITE, l, *at + 8 * j, j);
    *at += 8 * size_t(n);
    return int(STREAM_OK);
  });
  if (code != STREAM_OK) return code;
  *clients = le32(m + 28);
  *weight = w;
  return STREAM_OK;
}

int partial_merge(const uint8_t* m, size_t len, const StreamSpec& spec, double* acc, uint32_t* clients, double* weight,
                  StreamProblem* p) {
  if (partial_validate(m, len, spec, clients, weight, p) != STREAM_OK) return p->code;
  apply_layers(kHeader + kPartialExtraBytes, spec, acc, [&](uint64_t n, size_t* pos, double* sums) {
    for (uint64_t j = 0; j < n; ++j) sums[j] = sums[j] + load_f64(m + *pos + 8 * j);
    *pos += 8 * size_t(n);
  });
  return STREAM_OK;
}

}  // namespace dgp_wire
