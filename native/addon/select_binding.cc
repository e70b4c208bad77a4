// N-API glue for the selection kernels: info(), selectLayers() and selectLayersAsync() (the
// same kernel on libuv's pool, async_work.h). Thin: it checks argument kinds and lengths (so the
// kernels never see an inconsistent buffer), builds DgpLayer structs over the caller's memory
// (zero copy, byte offsets honoured) and maps the status back.
#include <string>
#include <vector>

#include <memory>

#include "async_work.h"
#include "cpu_features.h"
#include "dgp_cuda.h"
#include "dual_select.h"
#include "registry.h"
#include "thread_pool.h"

namespace dgp_addon {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("threads", dgp::hardware_threads());
  o.Set("simd", dgp::simd_level());
  o.Set("cudaCompiled", dgp_cuda_compiled() != 0);
  char reason[256] = {0};
  const int devices = dgp_cuda_device_count(reason, sizeof reason);
  o.Set("cudaDevices", devices);
  o.Set("cudaReason", devices > 0 ? std::string() : std::string(reason));
  char name[256] = {0};
  if (devices > 0) dgp_cuda_device_name(name, sizeof name);
  o.Set("cudaDevice", std::string(name));
  return o;
}

// Optional per-layer output list: undefined/absent, or an Array of (TypedArray | null). Fills
// the data pointers and element counts (lengths are checked by the caller against the layer).
// Error messages are built only on failure: a call with thousands of small layers pays for
// none of them.
template <class T>
std::vector<T*> output_list(Napi::Env env, const Napi::Object& outputs, const char* key,
                            size_t count, napi_typedarray_type type, const char* type_name,
                            std::vector<size_t>* lengths, std::vector<Napi::Value>* arrays) {
  std::vector<T*> out(count, nullptr);
  lengths->assign(count, 0);
  const Napi::Value v = outputs.Get(key);
  if (v.IsUndefined() || v.IsNull()) return out;
  if (!v.IsArray() || v.As<Napi::Array>().Length() != count)
    throw_type(env, std::string("selectLayers: outputs.") + key + " must be an Array of " +
                        std::to_string(count) + " entries, got " + describe(v));
  const Napi::Array a = v.As<Napi::Array>();
  for (size_t l = 0; l < count; ++l) {
    const Napi::Value e = a.Get(uint32_t(l));
    if (e.IsNull() || e.IsUndefined()) continue;
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != type)
      typed_array_arg<Napi::TypedArrayOf<T>>(
          env, e, type, type_name, std::string("selectLayers: outputs.") + key + "[" + std::to_string(l) + "]");
    auto arr = e.As<Napi::TypedArrayOf<T>>();
    out[l] = arr.Data();
    (*lengths)[l] = arr.ElementLength();
    if (arrays) arrays->push_back(e);
  }
  return out;
}

// A count argument: a plain non-negative integer is read directly; anything else goes through
// count_arg for its message.
inline uint64_t layer_count(Napi::Env env, const Napi::Value& v, const char* what, size_t l) {
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (d >= 0 && d <= 9007199254740991.0 && d == double(uint64_t(d))) return uint64_t(d);
  }
  return count_arg(env, v, std::string("selectLayers: ") + what + "[" + std::to_string(l) + "]");
}

// One checked selection call: the jobs over the caller's memory.
struct SelectCall {
  std::vector<DgpLayer> jobs;
  int threads = 0;
  bool cuda = false;
};

// Arguments of selectLayers / selectLayersAsync (src/kernels/surface.ts):
//   (layers: Float32Array[], kTop: number[], kBottom: number[],
//    outputs: {codes?, pruned?, keptIndices?, keptValues?}, threads: number, device: 'cpu' | 'cuda')
// `arrays` (async calls only) receives every typed array the jobs point into.
SelectCall parse_select(const Napi::CallbackInfo& info, std::vector<Napi::Value>* arrays) {
  Napi::Env env = info.Env();
  SelectCall call;
  if (info.Length() < 6) throw_type(env, "selectLayers: expected 6 arguments, got " + std::to_string(info.Length()));
  if (!info[0].IsArray()) throw_type(env, "selectLayers: layers must be an Array of Float32Array, got " + describe(info[0]));
  if (!info[1].IsArray()) throw_type(env, "selectLayers: kTop must be an Array of counts, got " + describe(info[1]));
  if (!info[2].IsArray()) throw_type(env, "selectLayers: kBottom must be an Array of counts, got " + describe(info[2]));
  if (!info[3].IsObject()) throw_type(env, "selectLayers: outputs must be an object, got " + describe(info[3]));
  const Napi::Array layers = info[0].As<Napi::Array>();
  const Napi::Array k_top = info[1].As<Napi::Array>();
  const Napi::Array k_bottom = info[2].As<Napi::Array>();
  const Napi::Object outputs = info[3].As<Napi::Object>();
  call.threads = static_cast<int>(count_arg(env, info[4], "selectLayers: threads"));
  if (!info[5].IsString()) throw_type(env, "selectLayers: device must be 'cpu' or 'cuda', got " + describe(info[5]));
  const std::string device = info[5].As<Napi::String>().Utf8Value();
  if (device != "cpu" && device != "cuda")
    throw_range(env, "selectLayers: device must be 'cpu' or 'cuda', got '" + device + "'");

  const size_t count = layers.Length();
  if (k_top.Length() != count || k_bottom.Length() != count)
    throw_range(env, "selectLayers: kTop and kBottom must have one entry per layer (" +
                         std::to_string(count) + "), got " + std::to_string(k_top.Length()) +
                         " and " + std::to_string(k_bottom.Length()));
  std::vector<size_t> codes_len, pruned_len, kept_idx_len, kept_val_len;
  auto codes = output_list<uint8_t>(env, outputs, "codes", count, napi_uint8_array, "Uint8Array", &codes_len, arrays);
  auto pruned = output_list<float>(env, outputs, "pruned", count, napi_float32_array, "Float32Array", &pruned_len, arrays);
  auto kept_idx = output_list<uint32_t>(env, outputs, "keptIndices", count, napi_uint32_array, "Uint32Array", &kept_idx_len, arrays);
  auto kept_val = output_list<float>(env, outputs, "keptValues", count, napi_float32_array, "Float32Array", &kept_val_len, arrays);

  call.cuda = device == "cuda";
  std::vector<DgpLayer>& jobs = call.jobs;
  jobs.resize(count);
  for (size_t l = 0; l < count; ++l) {
    const auto at = [l] { return "[" + std::to_string(l) + "]"; };
    const Napi::Value v = layers.Get(uint32_t(l));
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      typed_array_arg<Napi::Float32Array>(env, v, napi_float32_array, "Float32Array", "selectLayers: layers" + at());
    const auto values = v.As<Napi::Float32Array>();
    if (arrays) arrays->push_back(v);
    DgpLayer& L = jobs[l];
    L.values = values.Data();
    L.n = values.ElementLength();
    L.k_top = layer_count(env, k_top.Get(uint32_t(l)), "kTop", l);
    L.k_bottom = layer_count(env, k_bottom.Get(uint32_t(l)), "kBottom", l);
    if (L.k_top > L.n || L.k_bottom > L.n || L.k_top + L.k_bottom > L.n)
      throw_range(env, "selectLayers: kTop" + at() + " + kBottom" + at() + " = " +
                           std::to_string(L.k_top + L.k_bottom) + " exceeds the layer size " +
                           std::to_string(L.n));
    const uint64_t kept = L.n - L.k_top - L.k_bottom;
    auto need = [&](bool present, size_t have, uint64_t want, const char* key) {
      if (present && have != want)
        throw_range(env, std::string("selectLayers: outputs.") + key + at() + " must hold " +
                             std::to_string(want) + " elements, got " + std::to_string(have));
    };
    need(codes[l] != nullptr, codes_len[l], L.n, "codes");
    need(pruned[l] != nullptr, pruned_len[l], L.n, "pruned");
    need(kept_idx[l] != nullptr, kept_idx_len[l], kept, "keptIndices");
    need(kept_val[l] != nullptr, kept_val_len[l], kept, "keptValues");
    L.codes = codes[l];
    L.pruned = pruned[l];
    L.kept_indices = kept_idx[l];
    L.kept_values = kept_val[l];
  }

  return call;
}

DgpStatus run_select(const SelectCall& call) {
  return call.cuda ? dgp_cuda_select_layers(call.jobs.data(), call.jobs.size())
                   : dgp::select_layers_cpu(call.jobs.data(), call.jobs.size(), call.threads);
}

// null, or {layer, index} for a bad value; throws for anything else.
Napi::Value status_value(Napi::Env env, const DgpStatus& s, bool cuda) {
  if (s.code == DGP_OK) return env.Null();
  if (s.code == DGP_BAD_VALUE) {
    Napi::Object bad = Napi::Object::New(env);
    bad.Set("layer", double(s.layer));
    bad.Set("index", double(s.index));
    return bad;
  }
  if (s.code == DGP_BAD_ARGUMENT) throw_range(env, std::string("selectLayers: ") + s.message);
  throw Napi::Error::New(env, std::string("selectLayers (") + (cuda ? "cuda" : "cpu") + "): " + s.message);
}

// selectLayers(...) -> null | {layer, index}
Napi::Value SelectLayers(const Napi::CallbackInfo& info) {
  const SelectCall call = parse_select(info, nullptr);
  return status_value(info.Env(), run_select(call), call.cuda);
}

// selectLayersAsync(...) -> Promise<null | {layer, index}>: the same kernel on libuv's pool.
Napi::Value SelectLayersAsync(const Napi::CallbackInfo& info) {
  std::vector<Napi::Value> arrays;
  // One plain heap job, freed by the settle step (which always runs: Execute never fails).
  // Not a shared_ptr: its reference count would use glibc 2.32's __libc_single_threaded, which
  // the prebuilt addon must not need (it is pinned to glibc 2.28, scripts/symbol-floor.js).
  struct Job {
    SelectCall call;
    DgpStatus status;
  };
  Job* job = new Job{parse_select(info, &arrays), DgpStatus{}};
  auto* work = new KernelWork(
      info.Env(), "tfjs-dgp:selectLayers", [job] { job->status = run_select(job->call); },
      [job](Napi::Env env) {
        std::unique_ptr<Job> owned(job);
        return status_value(env, owned->status, owned->call.cuda);
      });
  for (const Napi::Value& a : arrays) work->Keep(a);
  return work->Queue();
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("selectLayers", Napi::Function::New(env, SelectLayers, "selectLayers"));
  exports.Set("selectLayersAsync", Napi::Function::New(env, SelectLayersAsync, "selectLayersAsync"));
}

AddonModule module_select(Register);

}  // namespace
}  // namespace dgp_addon
