// Runs a plain C++ kernel on libuv's thread pool and settles a Promise on the main thread: the
// mechanism behind every `...Async` export of the addon (selectLayersAsync in select_binding.cc;
// reuse it for any other kernel). Usage, inside a glue function:
//   auto* work = new dgp_addon::KernelWork(env, "name",
//       [=] { /* pool thread: plain C++ only, no napi calls, no JS values */ },
//       [=](Napi::Env env) -> Napi::Value { /* main thread: the resolved value, or throw */ });
//   work->Keep(info[0]);   // every typed array the kernel reads or writes
//   return work->Queue();  // the Promise; the worker deletes itself once settled
// Keep() holds a reference, so the garbage collector cannot free a buffer while the pool thread
// works on it. Arguments must be checked before Queue(), on the main thread.
#ifndef DGP_ADDON_ASYNC_WORK_H
#define DGP_ADDON_ASYNC_WORK_H

#include <napi.h>

#include <functional>
#include <utility>
#include <vector>

namespace dgp_addon {

class KernelWork : public Napi::AsyncWorker {
 public:
  using Run = std::function<void()>;
  using Settle = std::function<Napi::Value(Napi::Env)>;

  KernelWork(Napi::Env env, const char* name, Run run, Settle settle)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)),
        run_(std::move(run)), settle_(std::move(settle)) {}

  void Keep(const Napi::Value& v) { refs_.push_back(Napi::Persistent(v)); }

  Napi::Promise Queue() {
    Napi::Promise p = deferred_.Promise();
    Napi::AsyncWorker::Queue();
    return p;
  }

 protected:
  void Execute() override { run_(); }

  void OnOK() override {
    try {
      deferred_.Resolve(settle_(Env()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Run run_;
  Settle settle_;
  std::vector<Napi::Reference<Napi::Value>> refs_;
};

}  // namespace dgp_addon

#endif  // DGP_ADDON_ASYNC_WORK_H
