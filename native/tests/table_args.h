// The kernel table's argument views over test vectors: In<T> (read-only) and Mut<T> (writable)
// spanning exactly the vector, so the sanitizer build catches any access past it.
#ifndef DGP_TEST_TABLE_ARGS_H
#define DGP_TEST_TABLE_ARGS_H

#include <vector>

#include "../glue/kernel_table.h"

template <class T>
dgp_glue::In<T> in(const std::vector<T>& v) {
  return {v.data(), v.size()};
}
template <class T>
dgp_glue::Mut<T> mut(std::vector<T>& v) {
  return {v.data(), v.size()};
}

#endif
