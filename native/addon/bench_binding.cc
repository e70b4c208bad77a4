// N-API glue for the bench-only baselines (native/bench/baselines.h), exported as one object:
//   binding.bench.nthElementCodes(values: Float32Array, kTop, kBottom, codesOut: Uint8Array)
//   binding.bench.sumAbs(values: Float32Array) -> number
//   binding.bench.sumAbsIsa() -> 'avx512f' | 'avx2' | 'default'
// Used only by bench/ (npm run bench); nothing in src/ depends on it.
//
// The baselines are compiled into dgp_core by CMakeLists.txt (glob native/bench/*.cc), which also
// puts native/bench on the include path. A build without them (the node-gyp fallback, whose
// source list comes from scripts/gyp-sources.js) does not see baselines.h, so this file then
// compiles to nothing and the addon simply has no `bench` export; the benchmark reports those
// contenders as unavailable.
#if defined(__has_include)
#if __has_include("baselines.h")
#define DGP_HAVE_BENCH_BASELINES 1
#endif
#endif

#ifdef DGP_HAVE_BENCH_BASELINES
#include <string>

#include "baselines.h"
#include "registry.h"

namespace dgp_addon {
namespace {

Napi::Value NthElementCodes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4)
    throw_type(env, "bench.nthElementCodes: expected 4 arguments, got " + std::to_string(info.Length()));
  auto values = typed_array_arg<Napi::Float32Array>(env, info[0], napi_float32_array, "Float32Array",
                                                    "bench.nthElementCodes: values");
  const uint64_t k_top = count_arg(env, info[1], "bench.nthElementCodes: kTop");
  const uint64_t k_bottom = count_arg(env, info[2], "bench.nthElementCodes: kBottom");
  auto codes = typed_array_arg<Napi::Uint8Array>(env, info[3], napi_uint8_array, "Uint8Array",
                                                 "bench.nthElementCodes: codesOut");
  const uint64_t n = values.ElementLength();
  if (codes.ElementLength() != n)
    throw_range(env, "bench.nthElementCodes: codesOut must hold " + std::to_string(n) +
                         " elements, got " + std::to_string(codes.ElementLength()));
  if (!dgp_bench::nth_element_codes(values.Data(), n, k_top, k_bottom, codes.Data()))
    throw_range(env, "bench.nthElementCodes: kTop + kBottom = " + std::to_string(k_top + k_bottom) +
                         " exceeds the layer size " + std::to_string(n));
  return env.Undefined();
}

Napi::Value SumAbs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto values = typed_array_arg<Napi::Float32Array>(env, info[0], napi_float32_array, "Float32Array",
                                                    "bench.sumAbs: values");
  return Napi::Number::New(env, dgp_bench::sum_abs(values.Data(), values.ElementLength()));
}

Napi::Value SumAbsIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dgp_bench::sum_abs_isa());
}

void Register(Napi::Env env, Napi::Object exports) {
  Napi::Object bench = Napi::Object::New(env);
  bench.Set("nthElementCodes", Napi::Function::New(env, NthElementCodes, "nthElementCodes"));
  bench.Set("sumAbs", Napi::Function::New(env, SumAbs, "sumAbs"));
  bench.Set("sumAbsIsa", Napi::Function::New(env, SumAbsIsa, "sumAbsIsa"));
  exports.Set("bench", bench);
}

AddonModule module_bench(Register);

}  // namespace
}  // namespace dgp_addon

#endif  // DGP_HAVE_BENCH_BASELINES
