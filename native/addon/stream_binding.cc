// N-API glue for the streaming aggregator kernels (native/wire/stream_aggregate.h). Thin: checks
// argument kinds and that the sums array has the spec's length, then hands raw pointers over the
// caller's memory to the kernels (zero copy). The message itself is the kernels' to validate.
//
//   streamAdd(msg, layout, head, weight, acc, out) -> code      head = Float64Array
//   partialMerge(msg, layout, head, acc, out) -> code             [of, round, positionsId, layerCount, total]
//   out = Float64Array(7): [code, layer, at, got, want, clients, weight]
#include <memory>
#include <string>
#include <vector>

#include "async_work.h"
#include "registry.h"
#include "stream_aggregate.h"

namespace dgp_addon {
namespace {

using F64 = Napi::Float64Array;

dgp_wire::StreamSpec spec_arg(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  auto layout = typed_array_arg<Napi::Uint8Array>(env, info[1], napi_uint8_array, "Uint8Array", std::string(fn) + ": layout");
  auto head = typed_array_arg<F64>(env, info[2], napi_float64_array, "Float64Array", std::string(fn) + ": head");
  if (head.ElementLength() != 5) throw_range(env, std::string(fn) + ": head must have 5 entries, got " + describe(info[2]));
  double h[5];
  for (size_t i = 0; i < 5; ++i) {
    h[i] = head[i];
    const double max = i == 4 ? 9007199254740991.0 : 4294967295.0;
    if (!(h[i] >= 0 && h[i] <= max) || h[i] != double(uint64_t(h[i])))
      throw_range(env, std::string(fn) + ": head[" + std::to_string(i) + "] must be an integer in [0, " +
                           (i == 4 ? "2^53" : "2^32") + "), got " + std::to_string(h[i]));
  }
  dgp_wire::StreamSpec s{};
  s.of = int(h[0] > 255 ? 0 : h[0]);
  s.round = uint32_t(h[1]);
  s.positions_id = uint32_t(h[2]);
  s.layer_count = uint32_t(h[3]);
  s.total = uint64_t(h[4]);
  s.layout = layout.Data();
  s.layout_len = layout.ElementLength();
  return s;
}

F64 out_arg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  auto out = typed_array_arg<F64>(info.Env(), info[i], napi_float64_array, "Float64Array", std::string(fn) + ": out");
  if (out.ElementLength() != 7) throw_range(info.Env(), std::string(fn) + ": out must have 7 entries, got " + describe(info[i]));
  return out;
}

F64 acc_arg(const Napi::CallbackInfo& info, size_t i, const dgp_wire::StreamSpec& s, const char* fn) {
  auto acc = typed_array_arg<F64>(info.Env(), info[i], napi_float64_array, "Float64Array", std::string(fn) + ": acc");
  if (acc.ElementLength() != s.total)
    throw_range(info.Env(), std::string(fn) + ": acc has " + std::to_string(acc.ElementLength()) +
                                " elements, the layout needs " + std::to_string(s.total));
  return acc;
}


Napi::Value StreamAdd(const Napi::CallbackInfo& info) {
  const char* fn = "streamAdd";
  if (info.Length() < 6) throw_type(info.Env(), "streamAdd: expected 6 arguments");
  auto msg = typed_array_arg<Napi::Uint8Array>(info.Env(), info[0], napi_uint8_array, "Uint8Array", "streamAdd: msg");
  const auto spec = spec_arg(info, fn);
  if (!info[3].IsNumber()) throw_type(info.Env(), "streamAdd: weight must be a number, got " + describe(info[3]));
  const double weight = info[3].As<Napi::Number>().DoubleValue();
  auto acc = acc_arg(info, 4, spec, fn);
  auto out = out_arg(info, 5, fn);
  dgp_wire::StreamProblem p;
  const int code = dgp_wire::stream_add(msg.Data(), msg.ElementLength(), spec, weight, acc.Data(), &p);
  dgp_wire::stream_outcome(p, 0, 0, out.Data());
  return Napi::Number::New(info.Env(), code);
}

Napi::Value PartialMerge(const Napi::CallbackInfo& info) {
  const char* fn = "partialMerge";
  if (info.Length() < 5) throw_type(info.Env(), "partialMerge: expected 5 arguments");
  auto msg = typed_array_arg<Napi::Uint8Array>(info.Env(), info[0], napi_uint8_array, "Uint8Array", "partialMerge: msg");
  const auto spec = spec_arg(info, fn);
  auto acc = acc_arg(info, 3, spec, fn);
  auto out = out_arg(info, 4, fn);
  dgp_wire::StreamProblem p;
  uint32_t clients = 0;
  double weight = 0;
  const int code = dgp_wire::partial_merge(msg.Data(), msg.ElementLength(), spec, acc.Data(), &clients, &weight, &p);
  dgp_wire::stream_outcome(p, clients, weight, out.Data());
  return Napi::Number::New(info.Env(), code);
}

// streamAddAsync(msg, layout, head, weight, acc, out) -> Promise<code>: the same kernel on libuv's
// thread pool. Arguments are checked here on the main thread; references keep msg, layout, acc and
// out alive until the promise settles. The caller must not touch them meanwhile (the Aggregator
// queues its calls and refuses sync ones while one is pending).
Napi::Value StreamAddAsync(const Napi::CallbackInfo& info) {
  const char* fn = "streamAddAsync";
  if (info.Length() < 6) throw_type(info.Env(), "streamAddAsync: expected 6 arguments");
  typed_array_arg<Napi::Uint8Array>(info.Env(), info[0], napi_uint8_array, "Uint8Array", "streamAddAsync: msg");
  const auto spec = spec_arg(info, fn);  // layout stays referenced: spec points into it
  if (!info[3].IsNumber()) throw_type(info.Env(), "streamAddAsync: weight must be a number, got " + describe(info[3]));
  auto acc = acc_arg(info, 4, spec, fn);
  auto out = out_arg(info, 5, fn);
  auto msg = info[0].As<Napi::Uint8Array>();
  // One plain heap job, freed by the settle step (KernelWork: Execute never fails).
  struct Job {
    dgp_wire::StreamSpec spec;
    double weight;
    const uint8_t* msg;
    size_t len;
    double* acc;
    double* out;
    int code;
    dgp_wire::StreamProblem problem;
  };
  Job* job = new Job{spec, info[3].As<Napi::Number>().DoubleValue(), msg.Data(), msg.ElementLength(), acc.Data(),
                     out.Data(), 0, dgp_wire::StreamProblem()};
  auto* work = new KernelWork(
      info.Env(), "tfjs-dgp:streamAdd",
      [job] { job->code = dgp_wire::stream_add(job->msg, job->len, job->spec, job->weight, job->acc, &job->problem); },
      [job](Napi::Env env) {
        std::unique_ptr<Job> owned(job);
        dgp_wire::stream_outcome(owned->problem, 0, 0, owned->out);
        return Napi::Number::New(env, owned->code);
      });
  for (size_t i : {size_t(0), size_t(1), size_t(4), size_t(5)}) work->Keep(info[i]);
  return work->Queue();
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("streamAddAsync", Napi::Function::New(env, StreamAddAsync, "streamAddAsync"));
  exports.Set("streamAdd", Napi::Function::New(env, StreamAdd, "streamAdd"));
  exports.Set("partialMerge", Napi::Function::New(env, PartialMerge, "partialMerge"));
}

AddonModule module_stream(Register);

}  // namespace
}  // namespace dgp_addon
