// The wire and FL kernels at the surface's shape (native/glue/kernel_table.h declares them; the
// N-API and wasm glues are generated from that table): each states the bounds its arguments must
// keep, then runs the plain kernel of wire_kernels.h over the caller's memory. The returns are
// the surface's (src/surface/kernels.ts); src/backends/ts/wire.ts is the TypeScript twin.
#include "../glue/kernel_table.h"
#include "wire_kernels.h"

namespace dgp_kernels {

double crc32(Guard& g, In<uint8_t> bytes, uint64_t start, uint64_t end) {
  if (!g.ok(start <= end && end <= bytes.length, 3, "the range [start, end) must lie within bytes")) return 0;
  return dgp_wire::crc32(bytes.data + start, size_t(end - start));
}

double deltaSize(Guard&, In<uint32_t> indices, uint64_t n) {
  size_t bad = 0;
  const int64_t size = dgp_wire::delta_size(indices.data, indices.length, n, &bad);
  return size >= 0 ? double(size) : -double(bad) - 1;
}

double writeIndices(Guard& g, Mut<uint8_t> out, uint64_t offset, In<uint32_t> indices, uint64_t n, uint64_t coding) {
  if (!g.ok(offset <= out.length, 2, "offset must lie within out")) return 0;
  const int64_t w = dgp_wire::write_indices(indices.data, indices.length, n, int(coding > 255 ? 255 : coding),
                                            out.data + offset, size_t(out.length - offset));
  return w < 0 ? -1.0 : double(offset + uint64_t(w));
}

double readIndices(Guard& g, In<uint8_t> bytes, uint64_t offset, uint64_t end, uint64_t coding, uint64_t n,
                   Mut<uint32_t> out, Mut<double> at) {
  if (!g.ok(at.length >= 1, 7, "at must hold 1 element")) return 0;
  if (!g.ok(offset <= end && end <= bytes.length, 3, "the range [offset, end) must lie within bytes")) return 0;
  size_t consumed = 0;
  uint64_t where = 0;
  const int s = dgp_wire::read_indices(bytes.data + offset, size_t(end - offset), int(coding > 255 ? 255 : coding),
                                       out.length, n, out.data, &consumed, &where);
  if (s != dgp_wire::WIRE_OK) {
    at.data[0] = double(where);
    return double(s);
  }
  return double(offset + consumed);
}

double readValues(Guard& g, In<uint8_t> bytes, uint64_t offset, Mut<float> out) {
  if (!g.ok(offset <= bytes.length && uint64_t(out.length) * 4 <= bytes.length - offset, 2,
            "out.length float32 at offset must lie within bytes"))
    return 0;
  return double(dgp_wire::read_values(bytes.data + offset, out.length, out.data));
}

double firstNonFinite(Guard&, In<float> values) {
  return double(dgp_wire::first_non_finite(values.data, values.length));
}

double scatter(Guard& g, Mut<float> dst, In<uint32_t> indices, In<float> values, double weight, bool add) {
  if (!g.ok(indices.length == values.length, 3, "indices and values must have one length")) return 0;
  return double(dgp_wire::scatter(dst.data, dst.length, indices.data, values.data, indices.length, float(weight), add));
}

void axpy(Guard& g, Mut<float> acc, In<float> values, double weight) {
  if (!g.ok(acc.length == values.length, 2, "acc and values must have one length")) return;
  dgp_wire::axpy(acc.data, values.data, acc.length, float(weight));
}

void add(Guard& g, In<float> a, In<float> b, Mut<float> out) {
  if (!g.ok(a.length == b.length, 2, "a and b must have one length")) return;
  if (!g.ok(a.length == out.length, 3, "a and out must have one length")) return;
  dgp_wire::add(a.data, b.data, out.data, a.length);
}

void memoryUpdate(Guard& g, In<float> p, In<uint8_t> codes, uint64_t mode, Mut<float> e) {
  if (!g.ok(p.length == codes.length, 2, "p and codes must have one length")) return;
  if (!g.ok(mode <= dgp_wire::MODE_NONE, 3, "mode must be 0, 1 or 2")) return;
  if (!g.ok(p.length == e.length, 4, "p and e must have one length")) return;
  dgp_wire::memory_update(p.data, codes.data, p.length, int(mode), e.data);
}

double alignedGather(Guard& g, In<float> p, Mut<uint8_t> codes, In<uint32_t> positions, Mut<float> values) {
  if (!g.ok(p.length == codes.length, 2, "p and codes must have one length")) return 0;
  if (!g.ok(positions.length == values.length, 4, "positions and values must have one length")) return 0;
  return double(dgp_wire::aligned_gather(p.data, codes.data, p.length, positions.data, positions.length, values.data));
}

}  // namespace dgp_kernels
