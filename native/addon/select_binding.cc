// N-API glue for the selection kernels: info(), selectLayers(), selectLayersAsync() (the same
// kernel on libuv's pool, async_work.h) and selectCodes(). Dedicated rather than table-driven
// (native/glue/kernel_table.h): the per-layer lists, the outputs object and the async form do not
// fit the table's flat argument kinds. Thin: it guards memory only (argument kinds, lengths, counts
// within each layer; registry.h's one wording), builds DgpLayer structs over the caller's memory
// (zero copy, byte offsets honoured) and maps the status back.
#include <cstring>
#include <string>
#include <vector>

#include <memory>

#include "async_work.h"
#include "cpu_features.h"
#include "dgp_cuda.h"
#include "dual_select.h"
#include "layer_check.h"
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

// The arguments are validated once, in TypeScript (src/select.ts), with the user-facing wording.
// This glue checks only what memory safety needs, once per call: each array's kind and length
// against what the kernel will read or write, and each layer's counts against its size
// (layer_check.h counts_fit, the one C++ statement of that bound). Per layer it makes plain N-API
// calls (one element read and one typed-array query per array) and builds messages only on
// failure, so a call with thousands of small layers pays little per layer.

// Rethrows the JS exception an N-API call left pending.
[[noreturn]] void rethrow(napi_env env) { throw Napi::Error::New(env); }

// Element l of `list` as a typed array: its kind, data and element count. False when it is not
// a typed array (then *v holds the element, for the message).
bool typed_at(napi_env env, napi_value list, uint32_t l, napi_value* v, napi_typedarray_type* type,
              void** data, size_t* length) {
  if (napi_get_element(env, list, l, v) != napi_ok) rethrow(env);
  return napi_get_typedarray_info(env, *v, type, length, data, nullptr, nullptr) == napi_ok;
}

// An Array of count entries, or (when `optional`) absent; returns its napi_value or nullptr.
// `what` names it in the message (built only on failure).
napi_value list_arg(Napi::Env env, const Napi::Value& v, size_t count, const char* what,
                    const char* expected, bool optional) {
  if (optional && (v.IsUndefined() || v.IsNull())) return nullptr;
  if (!v.IsArray() || v.As<Napi::Array>().Length() != count)
    refuse_kind(env, std::string("selectLayers: ") + what, std::string(expected) + " of " + std::to_string(count) + " entries",
                v);
  return v;
}

// Per-layer counts: a Float64Array (what src/select.ts passes: read in place) or an Array of numbers.
struct CountList {
  const double* typed = nullptr;
  napi_value array = nullptr;
  const char* name;
  CountList(Napi::Env env, const Napi::Value& v, size_t count, const char* name) : name(name) {
    if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array &&
        v.As<Napi::TypedArray>().ElementLength() == count) {
      typed = v.As<Napi::Float64Array>().Data();
    } else {
      array = list_arg(env, v, count, name, "a Float64Array or an Array", false);
    }
  }
  uint64_t at(Napi::Env env, uint32_t l) const {
    double d = -1;
    napi_value v = nullptr;
    if (typed) {
      d = typed[l];
    } else {
      if (napi_get_element(env, array, l, &v) != napi_ok) rethrow(env);
      if (napi_get_value_double(env, v, &d) != napi_ok) d = -1;  // not a number: the slow path says so
    }
    if (d >= 0 && d <= 9007199254740991.0 && d == double(uint64_t(d))) return uint64_t(d);
    const Napi::Value shown = v ? Napi::Value(env, v) : Napi::Number::New(env, d);
    return count_arg(env, shown, std::string("selectLayers: ") + name + "[" + std::to_string(l) + "]");
  }
};

std::string layer_detail(const DgpLayer& L) {
  return "n=" + std::to_string(L.n) + ", kTop=" + std::to_string(L.k_top) + ", kBottom=" + std::to_string(L.k_bottom);
}

// One checked selection call: the jobs over the caller's memory.
struct SelectCall {
  std::vector<DgpLayer> jobs;
  int threads = 0;
  bool cuda = false;
  bool disposable = false;  // outputs.disposable: the caller drops the outputs if the call fails
};

// Arguments of selectLayers / selectLayersAsync (src/surface/kernels.ts):
//   (layers: Float32Array[], kTop: Float64Array | number[], kBottom: Float64Array | number[],
//    outputs: {codes?, pruned?, keptIndices?, keptValues?}, threads: number, device: 'cpu' | 'cuda')
// Fills `call` (its vectors keep their capacity across calls). `arrays` (async calls only)
// receives every typed array the jobs point into.
void parse_select(const Napi::CallbackInfo& info, SelectCall& call, std::vector<Napi::Value>* arrays) {
  Napi::Env env = info.Env();
  if (info.Length() < 6) refuse_bounds(env, "selectLayers: the argument list", std::to_string(info.Length()) + " arguments, needs 6");
  if (!info[0].IsArray()) refuse_kind(env, "selectLayers: layers", "an Array of Float32Array", info[0]);
  if (!info[3].IsObject()) refuse_kind(env, "selectLayers: outputs", "an object", info[3]);
  const size_t count = info[0].As<Napi::Array>().Length();
  const napi_value layers = info[0];
  const CountList k_top(env, info[1], count, "kTop"), k_bottom(env, info[2], count, "kBottom");
  const Napi::Object outputs = info[3].As<Napi::Object>();
  call.threads = static_cast<int>(count_arg(env, info[4], "selectLayers: threads"));
  if (!info[5].IsString()) refuse_kind(env, "selectLayers: device", "'cpu' or 'cuda'", info[5]);
  char device[8] = {0};  // read without a std::string: a longer name is cut and refused anyway
  size_t device_len = 0;
  napi_get_value_string_utf8(env, info[5], device, sizeof device, &device_len);
  const bool cpu = device_len == 3 && std::memcmp(device, "cpu", 3) == 0;
  call.cuda = device_len == 4 && std::memcmp(device, "cuda", 4) == 0;
  if (!cpu && !call.cuda) refuse_bounds(env, "selectLayers: device", "not 'cpu' or 'cuda': " + describe(info[5]));

  struct Out {
    const char* key;
    const char* what;
    napi_typedarray_type type;
    const char* type_name;
    bool full;  // n entries (else the kept count)
    napi_value list;
  };
  Out outs[4] = {{"codes", "outputs.codes", napi_uint8_array, "Uint8Array", true, nullptr},
                 {"pruned", "outputs.pruned", napi_float32_array, "Float32Array", true, nullptr},
                 {"keptIndices", "outputs.keptIndices", napi_uint32_array, "Uint32Array", false, nullptr},
                 {"keptValues", "outputs.keptValues", napi_float32_array, "Float32Array", false, nullptr}};
  call.disposable = outputs.Get("disposable").ToBoolean().Value();
  for (Out& o : outs) o.list = list_arg(env, outputs.Get(o.key), count, o.what, "an Array", true);

  const auto at = [](uint32_t l) { return "[" + std::to_string(l) + "]"; };
  call.jobs.resize(count);
  for (uint32_t l = 0; l < count; ++l) {
    DgpLayer& L = call.jobs[l];
    napi_value v;
    napi_typedarray_type type;
    void* data;
    size_t length;
    if (!typed_at(env, layers, l, &v, &type, &data, &length) || type != napi_float32_array)
      typed_array_arg<Napi::Float32Array>(env, Napi::Value(env, v), napi_float32_array, "Float32Array",
                                          "selectLayers: layers" + at(l));
    if (arrays) arrays->push_back(Napi::Value(env, v));
    L.values = static_cast<const float*>(data);
    L.n = length;
    L.k_top = k_top.at(env, l);
    L.k_bottom = k_bottom.at(env, l);
    if (!dgp::counts_fit(L.n, L.k_top, L.k_bottom))
      refuse_bounds(env, "selectLayers: kTop" + at(l) + " + kBottom" + at(l), layer_detail(L));
    const uint64_t kept = L.n - L.k_top - L.k_bottom;
    void* ptr[4] = {nullptr, nullptr, nullptr, nullptr};
    for (int k = 0; k < 4; ++k) {
      const Out& o = outs[k];
      if (o.list == nullptr) continue;
      if (!typed_at(env, o.list, l, &v, &type, &data, &length)) {
        napi_valuetype vt;
        if (napi_typeof(env, v, &vt) == napi_ok && (vt == napi_null || vt == napi_undefined)) continue;
      }
      const Napi::Value shown(env, v);
      const auto what = [&] { return std::string("selectLayers: outputs.") + o.key + at(l); };
      if (!shown.IsTypedArray() || type != o.type) typed_array_arg<Napi::TypedArray>(env, shown, o.type, o.type_name, what());
      const uint64_t want = o.full ? L.n : kept;
      if (length != want)
        refuse_bounds(env, what(), "holds " + std::to_string(length) + " elements, the kernel writes " + std::to_string(want));
      if (arrays) arrays->push_back(shown);
      ptr[k] = data;
    }
    L.codes = static_cast<uint8_t*>(ptr[0]);
    L.pruned = static_cast<float*>(ptr[1]);
    L.kept_indices = static_cast<uint32_t*>(ptr[2]);
    L.kept_values = static_cast<float*>(ptr[3]);
  }
}

DgpStatus run_select(const SelectCall& call) {
  return call.cuda ? dgp_cuda_select_layers(call.jobs.data(), call.jobs.size())
                   : dgp::select_layers_cpu(call.jobs.data(), call.jobs.size(), call.threads, call.disposable);
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
  // Reused by every sync call on this thread: no allocation (and no heap trim) per call.
  thread_local SelectCall call;
  parse_select(info, call, nullptr);
  return status_value(info.Env(), run_select(call), call.cuda);
}

// selectCodes(values: Float32Array, kTop, kBottom, codes: Uint8Array, threads, disposable)
//   -> -1 | index of the first NaN/Inf
// One layer's codes on the CPU (dualTopBottomK). selectLayers's parsing (lists, the outputs
// object's named properties, the device string) is most of what a 100-element call costs; this
// reads six positional arguments with plain N-API calls and runs the same kernel.
Napi::Value SelectCodes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6) refuse_bounds(env, "selectCodes: the argument list", std::to_string(info.Length()) + " arguments, needs 6");
  napi_typedarray_type type;
  void* data;
  size_t n, m;
  DgpLayer L{};
  if (napi_get_typedarray_info(env, info[0], &type, &n, &data, nullptr, nullptr) != napi_ok || type != napi_float32_array)
    typed_array_arg<Napi::Float32Array>(env, info[0], napi_float32_array, "Float32Array", "selectCodes: values");
  L.values = static_cast<const float*>(data);
  L.n = n;
  if (napi_get_typedarray_info(env, info[3], &type, &m, &data, nullptr, nullptr) != napi_ok || type != napi_uint8_array)
    typed_array_arg<Napi::Uint8Array>(env, info[3], napi_uint8_array, "Uint8Array", "selectCodes: codes");
  if (m != n) refuse_bounds(env, "selectCodes: codes", "holds " + std::to_string(m) + " elements, the kernel writes " + std::to_string(n));
  L.codes = static_cast<uint8_t*>(data);
  L.k_top = count_arg(env, info[1], "selectCodes: kTop");
  L.k_bottom = count_arg(env, info[2], "selectCodes: kBottom");
  if (!dgp::counts_fit(L.n, L.k_top, L.k_bottom)) refuse_bounds(env, "selectCodes: kTop + kBottom", layer_detail(L));
  const int threads = static_cast<int>(count_arg(env, info[4], "selectCodes: threads"));
  const DgpStatus s = dgp::select_layers_cpu(&L, 1, threads, info[5].ToBoolean().Value());
  if (s.code == DGP_BAD_VALUE) return Napi::Number::New(env, double(s.index));
  status_value(env, s, false);  // throws for any other failure
  return Napi::Number::New(env, -1);
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
  std::unique_ptr<Job> parsed(new Job{SelectCall{}, DgpStatus{}});
  parse_select(info, parsed->call, &arrays);
  Job* job = parsed.release();
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
  exports.Set("selectCodes", Napi::Function::New(env, SelectCodes, "selectCodes"));
}

AddonModule module_select(Register);

}  // namespace
}  // namespace dgp_addon
