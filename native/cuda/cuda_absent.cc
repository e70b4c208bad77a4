// The dgp_cuda.h implementation for builds without CUDA (no CUDA compiler, or DGP_CUDA=OFF):
// it reports the backend unavailable and why, so the addon links and loads the same way.
#include <cstdio>
#include <cstring>

#include "dgp_cuda.h"

extern "C" int dgp_cuda_compiled(void) { return 0; }

extern "C" int dgp_cuda_device_count(char* reason, size_t reason_len) {
  if (reason && reason_len) {
    std::snprintf(reason, reason_len, "%s",
                  "this build has no CUDA backend (no CUDA compiler at build time, or DGP_CUDA=OFF)");
  }
  return 0;
}

extern "C" void dgp_cuda_device_name(char* name, size_t name_len) {
  if (name && name_len) name[0] = '\0';
}

extern "C" DgpStatus dgp_cuda_select_layers(const DgpLayer*, size_t) {
  DgpStatus s;
  std::memset(&s, 0, sizeof s);
  s.code = DGP_DEVICE_ERROR;
  std::snprintf(s.message, sizeof s.message, "%s", "CUDA backend not compiled into this build");
  return s;
}
