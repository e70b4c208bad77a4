// N-API glue for every kernel of native/glue/kernel_table.h, generated from the table: nothing
// here names a kernel. Each export reads its arguments by their declared C++ kinds (typed arrays
// zero copy, byte offsets honoured; counts; numbers; booleans), refuses a wrong kind with
// registry.h's one wording, runs the kernel, and turns a broken bound (the kernel's Guard) into
// the one RangeError. The surface's names and returns are the table's.
#include <string>
#include <tuple>
#include <utility>

#include "../glue/kernel_table.h"
#include "registry.h"

namespace dgp_addon {
namespace {

using dgp_glue::Guard;
using dgp_glue::In;
using dgp_glue::Mut;

template <class T> struct ArrayType;
template <> struct ArrayType<uint8_t> { static constexpr napi_typedarray_type type = napi_uint8_array; static constexpr const char* name = "a Uint8Array"; };
template <> struct ArrayType<uint32_t> { static constexpr napi_typedarray_type type = napi_uint32_array; static constexpr const char* name = "a Uint32Array"; };
template <> struct ArrayType<float> { static constexpr napi_typedarray_type type = napi_float32_array; static constexpr const char* name = "a Float32Array"; };
template <> struct ArrayType<double> { static constexpr napi_typedarray_type type = napi_float64_array; static constexpr const char* name = "a Float64Array"; };
template <> struct ArrayType<int32_t> { static constexpr napi_typedarray_type type = napi_int32_array; static constexpr const char* name = "an Int32Array"; };

// "<kernel>: argument <i>", the `what` of every message about argument i (1-based).
std::string argument(const char* fn, size_t i) { return std::string(fn) + ": argument " + std::to_string(i); }

template <class T>
T* typed_data(const Napi::CallbackInfo& info, size_t i, const char* fn, size_t* length) {
  napi_typedarray_type type;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[i], &type, length, &data, nullptr, nullptr) != napi_ok ||
      type != ArrayType<T>::type)
    refuse_kind(info.Env(), argument(fn, i + 1), ArrayType<T>::name, info[i]);
  return static_cast<T*>(data);
}

// Reads argument i as kind A.
template <class A> struct Arg;
template <class T> struct Arg<In<T>> {
  static In<T> read(const Napi::CallbackInfo& info, size_t i, const char* fn) {
    size_t n = 0;
    const T* p = typed_data<T>(info, i, fn, &n);
    return In<T>{p, n};
  }
};
template <class T> struct Arg<Mut<T>> {
  static Mut<T> read(const Napi::CallbackInfo& info, size_t i, const char* fn) {
    size_t n = 0;
    T* p = typed_data<T>(info, i, fn, &n);
    return Mut<T>{p, n};
  }
};
// Scalars are read with one plain N-API call; a message (and its strings) is built only when the
// argument is refused.
template <> struct Arg<uint64_t> {
  static uint64_t read(const Napi::CallbackInfo& info, size_t i, const char* fn) {
    double d = -1;
    if (napi_get_value_double(info.Env(), info[i], &d) == napi_ok && d >= 0 && d <= 9007199254740991.0 &&
        d == double(uint64_t(d)))
      return uint64_t(d);
    return count_arg(info.Env(), info[i], argument(fn, i + 1));  // throws, with the glue's wording
  }
};
template <> struct Arg<double> {
  static double read(const Napi::CallbackInfo& info, size_t i, const char* fn) {
    double d = 0;
    if (napi_get_value_double(info.Env(), info[i], &d) != napi_ok)
      refuse_kind(info.Env(), argument(fn, i + 1), "a number", info[i]);
    return d;
  }
};
template <> struct Arg<bool> {
  static bool read(const Napi::CallbackInfo& info, size_t i, const char*) { return info[i].ToBoolean().Value(); }
};

template <class... A, size_t... I>
std::tuple<A...> read_args(const Napi::CallbackInfo& info, const char* fn, std::index_sequence<I...>) {
  return std::tuple<A...>{Arg<A>::read(info, I, fn)...};  // braced: read left to right
}

template <class R, class... A>
Napi::Value invoke(const Napi::CallbackInfo& info, const char* fn, R (*kernel)(Guard&, A...)) {
  auto args = read_args<A...>(info, fn, std::index_sequence_for<A...>{});
  Guard g;
  const auto run = [&] { return std::apply([&](A... a) { return kernel(g, a...); }, args); };
  if constexpr (std::is_void_v<R>) {
    run();
    if (g.arg) refuse_bounds(info.Env(), argument(fn, size_t(g.arg)), g.why);
    return info.Env().Undefined();
  } else {
    const R r = run();
    if (g.arg) refuse_bounds(info.Env(), argument(fn, size_t(g.arg)), g.why);
    return Napi::Number::New(info.Env(), double(r));
  }
}

#define DGP_NAPI_KERNEL(name, ret, params) \
  Napi::Value name##_napi(const Napi::CallbackInfo& info) { return invoke(info, #name, &dgp_kernels::name); }
DGP_KERNEL_TABLE(DGP_NAPI_KERNEL)
#undef DGP_NAPI_KERNEL

void Register(Napi::Env env, Napi::Object exports) {
#define DGP_NAPI_EXPORT(name, ret, params) exports.Set(#name, Napi::Function::New(env, name##_napi, #name));
  DGP_KERNEL_TABLE(DGP_NAPI_EXPORT)
#undef DGP_NAPI_EXPORT
}

AddonModule module_table(Register);

}  // namespace
}  // namespace dgp_addon
