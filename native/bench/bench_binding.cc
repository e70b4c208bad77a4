// The benchmark-only addon, build-bench/Release/tfjs_dgp_bench.node (`npm run build:bench`, run
// by `npm run bench`; never part of the product addon or the package's runtime):
//   nthElementCodes(values: Float32Array, kTop, kBottom, codesOut: Uint8Array)
//   sumAbs(values: Float32Array) -> number
//   sumAbsIsa() -> 'avx512f' | 'avx2' | 'default'
// bench/baselines.ts loads it. Argument helpers come from the product glue (native/addon/registry.h).
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("nthElementCodes", Napi::Function::New(env, NthElementCodes, "nthElementCodes"));
  exports.Set("sumAbs", Napi::Function::New(env, SumAbs, "sumAbs"));
  exports.Set("sumAbsIsa", Napi::Function::New(env, SumAbsIsa, "sumAbsIsa"));
  return exports;
}

}  // namespace
}  // namespace dgp_addon

static Napi::Object InitBench(Napi::Env env, Napi::Object exports) { return dgp_addon::Init(env, exports); }

NODE_API_MODULE(tfjs_dgp_bench, InitBench)
