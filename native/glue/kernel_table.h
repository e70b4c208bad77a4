// The one table of the plain kernels: each line is one kernel of the surface (src/surface/kernels.ts)
// with its JavaScript name, return kind and arguments, in the surface's order. Both glues are
// generated from it, so a plain kernel is written once in C++ and needs no glue by hand:
//   N-API:  native/addon/table_binding.cc exports every line under its name, reading and guarding
//           each argument by its declared kind (registry.h's one wording);
//   wasm:   native/wasm/exports.cc exports every line as dgp_k_<name>(argv) plus a descriptor of
//           the whole table (dgp_kernel_table), which the JavaScript glue (src/backends/wasm/table_glue.ts)
//           reads to copy arguments in and out; it has no per-kernel code either.
// No napi.h here: this header is plain C++ (the wasm build includes it).
//
// Argument kinds (the C++ parameter type is the kind):
//   In<T>     a typed array the kernel only reads: T = uint8_t (Uint8Array), uint32_t
//             (Uint32Array), float (Float32Array), double (Float64Array), int32_t (Int32Array)
//   Mut<T>    a typed array the kernel may write (the wasm glue copies it in and back out)
//   uint64_t  a count: an integer in [0, 2^53)
//   double    any number
//   bool      JavaScript truthiness
// Return kinds: double (a JavaScript number) or void (undefined).
//
// Each kernel is `ret name(Guard& g, args...)` in namespace dgp_kernels, defined in native/core,
// native/wire (the wire ones: native/wire/wire_surface.cc) or native/privacy (random.cc, masks.cc). Before touching memory it states the
// bounds its arguments must keep (g.ok(cond, argument, why): lengths that must agree, offsets
// within arrays) and returns at once when one fails; both glues then throw the one RangeError
// "<name>: argument <i> is out of bounds (<why>)". Kind checks are the glues'. Anything a user
// should be told in words (a bad layer name, an index past the shape) is checked and worded in
// TypeScript before the call; data problems come back as return values (surface.ts rules).
//
// Not in the table (dedicated glue, their shapes do not fit flat argument kinds): selectLayers,
// selectLayersAsync, selectCodes (per-layer lists, an outputs object, a promise:
// native/addon/select_binding.cc, dgp_select + src/backends/wasm/kernels.ts) and streamAdd,
// streamAddAsync, partialMerge (a promise, a resident accumulator in wasm:
// native/addon/stream_binding.cc, dgp_stream_add + src/backends/wasm/stream.ts).
#ifndef DGP_GLUE_KERNEL_TABLE_H
#define DGP_GLUE_KERNEL_TABLE_H

#include <cstddef>
#include <cstdint>

namespace dgp_glue {

template <class T>
struct In {
  const T* data;
  size_t length;
};

template <class T>
struct Mut {
  T* data;
  size_t length;
};

// The first bound a kernel's arguments break, if any (arg 0: none).
struct Guard {
  int arg = 0;
  const char* why = "";
  bool ok(bool cond, int argument, const char* reason) {
    if (!cond && arg == 0) {
      arg = argument;
      why = reason;
    }
    return cond;
  }
};

// One character per kind, for the wasm descriptor (src/backends/wasm/table_glue.ts reads the same letters):
// In: a u8, b u32, c f32, d f64, e i32; Mut: A B C D E; n count, x number, z bool, v void.
template <class T> struct Kind;
template <> struct Kind<In<uint8_t>> { static constexpr char code = 'a'; };
template <> struct Kind<In<uint32_t>> { static constexpr char code = 'b'; };
template <> struct Kind<In<float>> { static constexpr char code = 'c'; };
template <> struct Kind<In<double>> { static constexpr char code = 'd'; };
template <> struct Kind<In<int32_t>> { static constexpr char code = 'e'; };
template <> struct Kind<Mut<uint8_t>> { static constexpr char code = 'A'; };
template <> struct Kind<Mut<uint32_t>> { static constexpr char code = 'B'; };
template <> struct Kind<Mut<float>> { static constexpr char code = 'C'; };
template <> struct Kind<Mut<double>> { static constexpr char code = 'D'; };
template <> struct Kind<Mut<int32_t>> { static constexpr char code = 'E'; };
template <> struct Kind<uint64_t> { static constexpr char code = 'n'; };
template <> struct Kind<double> { static constexpr char code = 'x'; };
template <> struct Kind<bool> { static constexpr char code = 'z'; };
template <> struct Kind<void> { static constexpr char code = 'v'; };

}  // namespace dgp_glue

// X(name, return kind, (arguments)): the surface's plain kernels, in KERNEL_NAMES order.
#define DGP_KERNEL_TABLE(X)                                                                                 \
  X(crc32, double, (In<uint8_t> bytes, uint64_t start, uint64_t end))                                      \
  X(deltaSize, double, (In<uint32_t> indices, uint64_t n))                                                 \
  X(writeIndices, double, (Mut<uint8_t> out, uint64_t offset, In<uint32_t> indices, uint64_t n, uint64_t coding)) \
  X(readIndices, double,                                                                                   \
    (In<uint8_t> bytes, uint64_t offset, uint64_t end, uint64_t coding, uint64_t n, Mut<uint32_t> out,     \
     Mut<double> at))                                                                                      \
  X(readValues, double, (In<uint8_t> bytes, uint64_t offset, Mut<float> out))                              \
  X(firstNonFinite, double, (In<float> values))                                                            \
  X(scatter, double, (Mut<float> dst, In<uint32_t> indices, In<float> values, double weight, bool add))    \
  X(axpy, void, (Mut<float> acc, In<float> values, double weight))                                         \
  X(add, void, (In<float> a, In<float> b, Mut<float> out))                                                 \
  X(memoryUpdate, void, (In<float> p, In<uint8_t> codes, uint64_t mode, Mut<float> e))                     \
  X(alignedGather, double, (In<float> p, Mut<uint8_t> codes, In<uint32_t> positions, Mut<float> values))      \
  X(chacha20Blocks, void, (In<uint32_t> key, In<uint32_t> nonce, uint64_t counter, Mut<uint32_t> out))      \
  X(discreteGaussian, double, (In<uint32_t> key, In<uint32_t> nonce, uint64_t counter, uint64_t scale, Mut<int32_t> out)) \
  X(maskAdd, void, (In<uint32_t> key, In<uint32_t> nonce, uint64_t counter, bool subtract, Mut<uint32_t> acc))     \
  X(quantizeStochastic, double,                                                                            \
    (In<uint32_t> key, In<uint32_t> nonce, uint64_t counter, In<float> values, double bound, double inverseStep, \
     Mut<int32_t> out))                                                                                    \
  X(modularAdd, void, (Mut<uint32_t> acc, In<uint32_t> values, bool subtract))

// The table declares every kernel, so its signature is written once.
#define DGP_KERNEL_GUARDED_PARAMS(...) (Guard & g, __VA_ARGS__)
#define DGP_KERNEL_DECLARE(name, ret, params) ret name DGP_KERNEL_GUARDED_PARAMS params;
namespace dgp_kernels {
using dgp_glue::Guard;
using dgp_glue::In;
using dgp_glue::Mut;
DGP_KERNEL_TABLE(DGP_KERNEL_DECLARE)
}  // namespace dgp_kernels
#undef DGP_KERNEL_DECLARE

#endif  // DGP_GLUE_KERNEL_TABLE_H
