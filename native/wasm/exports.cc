// The C ABI of the WebAssembly module (built by scripts/build-wasm.sh, glue in src/wasm/).
// Each export forwards to the same C++ kernels the addon runs (native/core, native/wire); the
// JavaScript side copies inputs into linear memory (dgp_alloc), calls, and copies outputs out.
// Sizes and positions that may exceed 2^31 travel as double (exact below 2^53) so no export
// takes or returns i64, which JavaScript would see as BigInt.
#include <cstdint>
#include <cstdlib>

#include "../core/dual_select.h"
#include "../wire/stream_aggregate.h"
#include "../wire/wire_kernels.h"

#define DGP_EXPORT(name) extern "C" __attribute__((export_name(#name)))

namespace {
inline uint64_t u64(double v) { return static_cast<uint64_t>(v); }
}  // namespace

// libc++'s checks (a std::vector size past max_size) end here instead of printing to stderr, so
// the module needs no WASI stdio. A trap surfaces in JavaScript as a WebAssembly.RuntimeError.
namespace std {
inline namespace __2 {
[[noreturn]] void __libcpp_verbose_abort(const char*, ...) { __builtin_trap(); }
}  // namespace __2
}  // namespace std

// Linear-memory buffers for inputs and outputs. Returns 0 when memory cannot grow.
DGP_EXPORT(dgp_alloc) void* dgp_alloc(uint32_t bytes) { return std::malloc(bytes == 0 ? 1 : bytes); }
DGP_EXPORT(dgp_free) void dgp_free(void* p) { std::free(p); }

// One layer, SPEC §1-4, single-threaded. Output pointers may be 0 (skipped). Returns -1 when
// done, the first NaN/Inf index (>= 0), or -2 when the layer is out of bounds: the kernel's entry
// (check_layer, layer_check.h) refuses it before reading or writing anything. The JavaScript glue
// (src/wasm/kernels.ts) refuses such counts itself before it sizes or copies any buffer, so -2
// means a glue bug. Which counts a user may pass, and the message, are src/counts.ts's.
DGP_EXPORT(dgp_select) double dgp_select(const float* values, double n, double k_top, double k_bottom,
                                         uint8_t* codes, float* pruned, uint32_t* kept_indices,
                                         float* kept_values) {
  const DgpLayer layer{values, u64(n), u64(k_top), u64(k_bottom), codes, pruned, kept_indices, kept_values};
  const DgpStatus s = dgp::select_layers_cpu(&layer, 1, 1, /*outputs_disposable=*/true);  // copied out only on success
  if (s.code == DGP_OK) return -1;
  if (s.code == DGP_BAD_VALUE) return double(s.index);
  return -2;
}

// ---- wire format, error feedback, aggregation (wire_kernels.h; same returns as the addon) ----

DGP_EXPORT(dgp_crc32) uint32_t dgp_crc32(const uint8_t* data, double len) {
  return dgp_wire::crc32(data, size_t(len));
}

// Bytes of the delta coding, or -(j + 1) for the first bad index j.
DGP_EXPORT(dgp_delta_size) double dgp_delta_size(const uint32_t* idx, double k, double n) {
  size_t bad = 0;
  const int64_t size = dgp_wire::delta_size(idx, size_t(k), u64(n), &bad);
  return size >= 0 ? double(size) : -double(bad) - 1;
}

// Bytes written, or -1.
DGP_EXPORT(dgp_write_indices) double dgp_write_indices(const uint32_t* idx, double k, double n, int coding,
                                                       uint8_t* out, double cap) {
  return double(dgp_wire::write_indices(idx, size_t(k), u64(n), coding, out, size_t(cap)));
}

// Bytes consumed, or a negative dgp_wire::Status.
DGP_EXPORT(dgp_read_indices) double dgp_read_indices(const uint8_t* in, double avail, int coding, double count,
                                                     double n, uint32_t* out) {
  size_t consumed = 0;
  uint64_t at = 0;
  const int s = dgp_wire::read_indices(in, size_t(avail), coding, u64(count), u64(n), out, &consumed, &at);
  return s == dgp_wire::WIRE_OK ? double(consumed) : double(s);
}

DGP_EXPORT(dgp_read_values) double dgp_read_values(const uint8_t* in, double count, float* out) {
  return double(dgp_wire::read_values(in, size_t(count), out));
}

DGP_EXPORT(dgp_first_non_finite) double dgp_first_non_finite(const float* v, double n) {
  return double(dgp_wire::first_non_finite(v, size_t(n)));
}

DGP_EXPORT(dgp_scatter) double dgp_scatter(float* dst, double n, const uint32_t* idx, const float* v, double k,
                                           float w, int add) {
  return double(dgp_wire::scatter(dst, u64(n), idx, v, size_t(k), w, add != 0));
}

DGP_EXPORT(dgp_axpy) void dgp_axpy(float* acc, const float* v, double k, float w) {
  dgp_wire::axpy(acc, v, size_t(k), w);
}

DGP_EXPORT(dgp_add) void dgp_add(const float* a, const float* b, float* out, double n) {
  dgp_wire::add(a, b, out, size_t(n));
}

DGP_EXPORT(dgp_memory_update) void dgp_memory_update(const float* p, const uint8_t* codes, double n, int mode,
                                                     float* e) {
  dgp_wire::memory_update(p, codes, size_t(n), mode, e);
}

DGP_EXPORT(dgp_aligned_gather) double dgp_aligned_gather(const float* p, uint8_t* codes, double n,
                                                         const uint32_t* pos, double k, float* values) {
  return double(dgp_wire::aligned_gather(p, codes, size_t(n), pos, size_t(k), values));
}

// ---- streaming aggregation (stream_aggregate.h; the addon's glue is native/addon/stream_binding.cc) ----
// The spec travels as its head numbers (of, round, positionsId, layerCount, total; checked by the
// glue, src/wasm/stream.ts) plus the layout bytes; out[0..7) gets dgp_wire::stream_outcome's
// slots, as in the addon. Returns the code; acc is untouched unless it is 0.

namespace {
dgp_wire::StreamSpec spec_of(const uint8_t* layout, double layout_len, double of, double round, double positions_id,
                             double layer_count, double total) {
  dgp_wire::StreamSpec s{};
  s.of = int(of > 255 ? 0 : of);
  s.round = uint32_t(round);
  s.positions_id = uint32_t(positions_id);
  s.layer_count = uint32_t(layer_count);
  s.total = u64(total);
  s.layout = layout;
  s.layout_len = size_t(layout_len);
  return s;
}
}  // namespace

DGP_EXPORT(dgp_stream_add) int dgp_stream_add(const uint8_t* msg, double len, const uint8_t* layout, double layout_len,
                                              double of, double round, double positions_id, double layer_count,
                                              double total, double weight, double* acc, double* out) {
  const auto spec = spec_of(layout, layout_len, of, round, positions_id, layer_count, total);
  dgp_wire::StreamProblem p;
  const int code = dgp_wire::stream_add(msg, size_t(len), spec, weight, acc, &p);
  dgp_wire::stream_outcome(p, 0, 0, out);
  return code;
}

DGP_EXPORT(dgp_partial_merge) int dgp_partial_merge(const uint8_t* msg, double len, const uint8_t* layout,
                                                    double layout_len, double of, double round, double positions_id,
                                                    double layer_count, double total, double* acc, double* out) {
  const auto spec = spec_of(layout, layout_len, of, round, positions_id, layer_count, total);
  dgp_wire::StreamProblem p;
  uint32_t clients = 0;
  double weight = 0;
  const int code = dgp_wire::partial_merge(msg, size_t(len), spec, acc, &clients, &weight, &p);
  dgp_wire::stream_outcome(p, clients, weight, out);
  return code;
}
