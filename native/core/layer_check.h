// The selection kernel's memory guard, written once for C++: whether a layer's counts fit its
// size (the N-API glue, select_binding.cc, refuses a call with it before building any job) and
// the C entry point's own check of a whole layer (select_layers_cpu and the CUDA planner, so a
// C++ caller that skips the glue still cannot make the kernel read or write out of bounds).
// The user-facing rule and its wording ("kTop + kBottom exceeds the layer size") are
// TypeScript's (src/counts.ts); a refusal here is a caller bug and says only what is out of
// bounds. Host-only.
#ifndef DGP_LAYER_CHECK_H
#define DGP_LAYER_CHECK_H

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "dgp_types.h"

namespace dgp {

inline DgpStatus ok_status() {
  DgpStatus s;
  std::memset(&s, 0, sizeof s);
  s.code = DGP_OK;
  return s;
}

// kTop + kBottom <= n, without overflow.
inline bool counts_fit(uint64_t n, uint64_t k_top, uint64_t k_bottom) { return k_top <= n && k_bottom <= n - k_top; }

// Returns true when the layer is within bounds; otherwise fills `status` (DGP_BAD_ARGUMENT).
inline bool check_layer(const DgpLayer& L, uint64_t position, DgpStatus* status) {
  if (L.n <= 0xffffffffull && (L.n == 0 || L.values != nullptr) && counts_fit(L.n, L.k_top, L.k_bottom)) return true;
  *status = ok_status();
  status->code = DGP_BAD_ARGUMENT;
  status->layer = position;
  std::snprintf(status->message, sizeof status->message, "layer %llu is out of bounds (n=%llu, kTop=%llu, kBottom=%llu)",
                (unsigned long long)position, (unsigned long long)L.n, (unsigned long long)L.k_top,
                (unsigned long long)L.k_bottom);
  return false;
}

}  // namespace dgp

#endif  // DGP_LAYER_CHECK_H
