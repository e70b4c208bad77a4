// Module entry: runs every registered glue file's exports function.
#include "registry.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto fn : dgp_addon::modules()) fn(env, exports);
  return exports;
}

NODE_API_MODULE(tfjs_dgp, Init)
