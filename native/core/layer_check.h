// Validation of one layer's counts and pointers, shared by the CPU kernel and the CUDA backend's
// planner so both reject a bad call with the same status and wording. Host-only.
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

// Returns true when the layer is valid; otherwise fills `status` (DGP_BAD_ARGUMENT).
inline bool check_layer(const DgpLayer& L, uint64_t position, DgpStatus* status) {
  const char* problem = nullptr;
  if (L.n > 0xffffffffull) problem = "has more than 2^32-1 elements";
  else if (L.n > 0 && L.values == nullptr) problem = "has no values";
  else if (L.k_top > L.n || L.k_bottom > L.n || L.k_top + L.k_bottom > L.n)
    problem = "has kTop + kBottom greater than its size";
  if (problem == nullptr) return true;
  *status = ok_status();
  status->code = DGP_BAD_ARGUMENT;
  status->layer = position;
  std::snprintf(status->message, sizeof status->message,
                "layer %llu %s (n=%llu, kTop=%llu, kBottom=%llu)", (unsigned long long)position,
                problem, (unsigned long long)L.n, (unsigned long long)L.k_top,
                (unsigned long long)L.k_bottom);
  return false;
}

}  // namespace dgp

#endif  // DGP_LAYER_CHECK_H
