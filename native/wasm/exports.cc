// The C ABI of the WebAssembly module (built by scripts/build-wasm.sh, glue in src/backends/wasm/).
// Each export forwards to the same C++ kernels the addon runs (native/core, native/wire); the
// JavaScript side copies inputs into linear memory (dgp_alloc), calls, and copies outputs out.
// The plain kernels' exports are generated from native/glue/kernel_table.h, as the addon's are.
// Sizes and positions that may exceed 2^31 travel as double (exact below 2^53) so no export
// takes or returns i64, which JavaScript would see as BigInt.
#include <cstdint>
#include <cstdlib>
#include <tuple>
#include <type_traits>

#include "../core/dual_select.h"
#include "../glue/kernel_table.h"
#include "../wire/stream_aggregate.h"

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
// (src/backends/wasm/kernels.ts) refuses such counts itself before it sizes or copies any buffer, so -2
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

// ---- the plain kernels of native/glue/kernel_table.h, generated: nothing here names one ----
// dgp_k_<name>(argv) runs one kernel. argv (float64 slots in linear memory) holds the arguments
// in order: a typed array as two slots (its address, its element count), any other kind as one
// (a count or number as is, a bool as 0 or 1). On return argv[0] holds the argument the
// kernel's Guard refused (1-based; 0 when none) and argv[1] the address of its reason (a C
// string). dgp_kernel_table() describes the table for the JavaScript glue
// (src/backends/wasm/table_glue.ts): "name=R:KINDS;" per kernel, with kernel_table.h's kind letters.

namespace {
using dgp_glue::Guard;
using dgp_glue::In;
using dgp_glue::Mut;

template <class A> struct Slot;
template <class T> struct Slot<In<T>> {
  static In<T> read(const double* argv, size_t& i) {
    const In<T> v{reinterpret_cast<const T*>(uintptr_t(argv[i])), size_t(argv[i + 1])};
    i += 2;
    return v;
  }
};
template <class T> struct Slot<Mut<T>> {
  static Mut<T> read(const double* argv, size_t& i) {
    const Mut<T> v{reinterpret_cast<T*>(uintptr_t(argv[i])), size_t(argv[i + 1])};
    i += 2;
    return v;
  }
};
template <> struct Slot<uint64_t> {
  static uint64_t read(const double* argv, size_t& i) { return u64(argv[i++]); }
};
template <> struct Slot<double> {
  static double read(const double* argv, size_t& i) { return argv[i++]; }
};
template <> struct Slot<bool> {
  static bool read(const double* argv, size_t& i) { return argv[i++] != 0; }
};

template <class R, class... A>
double invoke(double* argv, R (*kernel)(Guard&, A...)) {
  size_t i = 0;
  const std::tuple<A...> args{Slot<A>::read(argv, i)...};  // braced: read left to right
  Guard g;
  double r = 0;
  if constexpr (std::is_void_v<R>) {
    std::apply([&](A... a) { kernel(g, a...); }, args);
  } else {
    r = double(std::apply([&](A... a) { return kernel(g, a...); }, args));
  }
  argv[0] = g.arg;
  argv[1] = double(uintptr_t(g.why));
  return r;
}

template <class R, class... A>
constexpr size_t arity(R (*)(Guard&, A...)) {
  return sizeof...(A);
}

template <class R, class... A>
void describe(char*& o, const char* name, R (*)(Guard&, A...)) {
  while (*name) *o++ = *name++;
  *o++ = '=';
  *o++ = dgp_glue::Kind<R>::code;
  *o++ = ':';
  ((*o++ = dgp_glue::Kind<A>::code), ...);
  *o++ = ';';
}
}  // namespace

#define DGP_WASM_KERNEL(name, ret, params) \
  DGP_EXPORT(dgp_k_##name) double dgp_k_##name(double* argv) { return invoke(argv, &dgp_kernels::name); }
DGP_KERNEL_TABLE(DGP_WASM_KERNEL)
#undef DGP_WASM_KERNEL

// The descriptor's exact size: per kernel its name, '=', the return letter, ':', one letter per
// argument and ';' (sizeof counts the name's NUL for one of them); then the final NUL.
#define DGP_WASM_DESCRIPTOR_CHARS(name, ret, params) +sizeof(#name) + 3 + arity(&dgp_kernels::name)
constexpr size_t kTableChars = 1 DGP_KERNEL_TABLE(DGP_WASM_DESCRIPTOR_CHARS);
#undef DGP_WASM_DESCRIPTOR_CHARS

DGP_EXPORT(dgp_kernel_table) const char* dgp_kernel_table() {
  static char table[kTableChars];
  if (table[0] == 0) {
    char* o = table;
#define DGP_WASM_DESCRIBE(name, ret, params) describe(o, #name, &dgp_kernels::name);
    DGP_KERNEL_TABLE(DGP_WASM_DESCRIBE)
#undef DGP_WASM_DESCRIBE
    *o = 0;
  }
  return table;
}

// ---- streaming aggregation (stream_aggregate.h; the addon's glue is native/addon/stream_binding.cc) ----
// The spec travels as its head numbers (of, round, positionsId, layerCount, total; checked by the
// glue, src/backends/wasm/stream.ts) plus the layout bytes; out[0..7) gets dgp_wire::stream_outcome's
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
