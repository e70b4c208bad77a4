// N-API glue for the wire and FL kernels (native/wire), exported under the names of the kernel
// surface (src/kernels/surface.ts documents each). Thin: it checks every argument's kind, that
// offsets and lengths fit the buffers passed, and hands the kernels raw pointers over the
// caller's memory (byte offsets honoured, zero copy). Data-dependent checks (indices in range,
// varints well formed) are the kernels' job; they report a status the TypeScript side turns into
// a message (src/fl/wire.ts, src/fl/aggregate.ts).
#include <string>

#include "registry.h"
#include "wire_kernels.h"

namespace dgp_addon {
namespace {

using Bytes = Napi::Uint8Array;
using F32 = Napi::Float32Array;
using U32 = Napi::Uint32Array;

void need_args(const Napi::CallbackInfo& info, size_t n, const char* fn) {
  if (info.Length() < n)
    throw_type(info.Env(), std::string(fn) + ": expected " + std::to_string(n) + " arguments, got " +
                               std::to_string(info.Length()));
}

Bytes bytes_arg(const Napi::CallbackInfo& info, size_t i, const std::string& what) {
  return typed_array_arg<Bytes>(info.Env(), info[i], napi_uint8_array, "Uint8Array", what);
}
F32 f32_arg(const Napi::CallbackInfo& info, size_t i, const std::string& what) {
  return typed_array_arg<F32>(info.Env(), info[i], napi_float32_array, "Float32Array", what);
}
U32 u32_arg(const Napi::CallbackInfo& info, size_t i, const std::string& what) {
  return typed_array_arg<U32>(info.Env(), info[i], napi_uint32_array, "Uint32Array", what);
}

void same_length(Napi::Env env, size_t a, size_t b, const std::string& what) {
  if (a != b)
    throw_range(env, what + ": lengths differ (" + std::to_string(a) + " and " + std::to_string(b) + ")");
}

// crc32(bytes, start, end) -> u32
Napi::Value Crc32(const Napi::CallbackInfo& info) {
  need_args(info, 3, "crc32");
  auto b = bytes_arg(info, 0, "crc32: bytes");
  const uint64_t start = count_arg(info.Env(), info[1], "crc32: start");
  const uint64_t end = count_arg(info.Env(), info[2], "crc32: end");
  if (start > end || end > b.ElementLength())
    throw_range(info.Env(), "crc32: range [" + std::to_string(start) + ", " + std::to_string(end) +
                                ") does not fit " + std::to_string(b.ElementLength()) + " bytes");
  return Napi::Number::New(info.Env(), dgp_wire::crc32(b.Data() + start, size_t(end - start)));
}

// deltaSize(indices, n) -> bytes, or -(j + 1) for the first bad index j
Napi::Value DeltaSize(const Napi::CallbackInfo& info) {
  need_args(info, 2, "deltaSize");
  auto idx = u32_arg(info, 0, "deltaSize: indices");
  const uint64_t n = count_arg(info.Env(), info[1], "deltaSize: n");
  size_t bad = 0;
  const int64_t size = dgp_wire::delta_size(idx.Data(), idx.ElementLength(), n, &bad);
  return Napi::Number::New(info.Env(), size >= 0 ? double(size) : -double(bad) - 1);
}

// writeIndices(out, offset, indices, n, coding) -> end offset, or -1 (bad index / no room)
Napi::Value WriteIndices(const Napi::CallbackInfo& info) {
  need_args(info, 5, "writeIndices");
  auto out = bytes_arg(info, 0, "writeIndices: out");
  const uint64_t offset = count_arg(info.Env(), info[1], "writeIndices: offset");
  auto idx = u32_arg(info, 2, "writeIndices: indices");
  const uint64_t n = count_arg(info.Env(), info[3], "writeIndices: n");
  const uint64_t coding = count_arg(info.Env(), info[4], "writeIndices: coding");
  if (offset > out.ElementLength())
    throw_range(info.Env(), "writeIndices: offset " + std::to_string(offset) + " is past the end (" +
                                std::to_string(out.ElementLength()) + " bytes)");
  const int64_t w = dgp_wire::write_indices(idx.Data(), idx.ElementLength(), n, int(coding), out.Data() + offset,
                                            size_t(out.ElementLength() - offset));
  return Napi::Number::New(info.Env(), w < 0 ? -1.0 : double(offset + uint64_t(w)));
}

// readIndices(bytes, offset, end, coding, n, out) -> end offset of the block, or a negative
// Status; reads bytes[offset, end), writes out (its length is the declared count).
Napi::Value ReadIndices(const Napi::CallbackInfo& info) {
  need_args(info, 7, "readIndices");
  Napi::Env env = info.Env();
  auto b = bytes_arg(info, 0, "readIndices: bytes");
  const uint64_t offset = count_arg(env, info[1], "readIndices: offset");
  const uint64_t end = count_arg(env, info[2], "readIndices: end");
  const uint64_t coding = count_arg(env, info[3], "readIndices: coding");
  const uint64_t n = count_arg(env, info[4], "readIndices: n");
  auto out = u32_arg(info, 5, "readIndices: out");
  auto at_out = typed_array_arg<Napi::Float64Array>(env, info[6], napi_float64_array, "Float64Array",
                                                    "readIndices: at");
  if (at_out.ElementLength() < 1) throw_range(env, "readIndices: at must hold 1 element, got 0");
  if (offset > end || end > b.ElementLength())
    throw_range(env, "readIndices: range [" + std::to_string(offset) + ", " + std::to_string(end) +
                         ") does not fit " + std::to_string(b.ElementLength()) + " bytes");
  size_t consumed = 0;
  uint64_t at = 0;
  const int s = dgp_wire::read_indices(b.Data() + offset, size_t(end - offset), int(coding), out.ElementLength(), n,
                                       out.Data(), &consumed, &at);
  if (s != dgp_wire::WIRE_OK) at_out[0] = double(at);
  return Napi::Number::New(env, s == dgp_wire::WIRE_OK ? double(offset + consumed) : double(s));
}

// readValues(bytes, offset, out) -> -1, or the first non-finite position
Napi::Value ReadValues(const Napi::CallbackInfo& info) {
  need_args(info, 3, "readValues");
  auto b = bytes_arg(info, 0, "readValues: bytes");
  const uint64_t offset = count_arg(info.Env(), info[1], "readValues: offset");
  auto out = f32_arg(info, 2, "readValues: out");
  const uint64_t need = uint64_t(out.ElementLength()) * 4;
  if (offset > b.ElementLength() || need > b.ElementLength() - offset)
    throw_range(info.Env(), "readValues: " + std::to_string(out.ElementLength()) + " values at offset " +
                                std::to_string(offset) + " do not fit " + std::to_string(b.ElementLength()) +
                                " bytes");
  return Napi::Number::New(info.Env(),
                           double(dgp_wire::read_values(b.Data() + offset, out.ElementLength(), out.Data())));
}

// firstNonFinite(values) -> -1 or the first NaN/Inf position
Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  need_args(info, 1, "firstNonFinite");
  auto v = f32_arg(info, 0, "firstNonFinite: values");
  return Napi::Number::New(info.Env(), double(dgp_wire::first_non_finite(v.Data(), v.ElementLength())));
}

// scatter(dst, indices, values, weight, add) -> -1, or the first j with indices[j] >= dst.length
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  need_args(info, 5, "scatter");
  auto dst = f32_arg(info, 0, "scatter: dst");
  auto idx = u32_arg(info, 1, "scatter: indices");
  auto v = f32_arg(info, 2, "scatter: values");
  same_length(info.Env(), idx.ElementLength(), v.ElementLength(), "scatter: indices and values");
  if (!info[3].IsNumber()) throw_type(info.Env(), "scatter: weight must be a number, got " + describe(info[3]));
  const float w = float(info[3].As<Napi::Number>().DoubleValue());
  const bool add = info[4].ToBoolean().Value();
  return Napi::Number::New(info.Env(), double(dgp_wire::scatter(dst.Data(), dst.ElementLength(), idx.Data(), v.Data(),
                                                                idx.ElementLength(), w, add)));
}

// axpy(acc, values, weight)
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  need_args(info, 3, "axpy");
  auto acc = f32_arg(info, 0, "axpy: acc");
  auto v = f32_arg(info, 1, "axpy: values");
  same_length(info.Env(), acc.ElementLength(), v.ElementLength(), "axpy: acc and values");
  if (!info[2].IsNumber()) throw_type(info.Env(), "axpy: weight must be a number, got " + describe(info[2]));
  dgp_wire::axpy(acc.Data(), v.Data(), acc.ElementLength(), float(info[2].As<Napi::Number>().DoubleValue()));
  return info.Env().Undefined();
}

// add(a, b, out): out = a + b in float32
Napi::Value Add(const Napi::CallbackInfo& info) {
  need_args(info, 3, "add");
  auto a = f32_arg(info, 0, "add: a");
  auto b = f32_arg(info, 1, "add: b");
  auto out = f32_arg(info, 2, "add: out");
  same_length(info.Env(), a.ElementLength(), b.ElementLength(), "add: a and b");
  same_length(info.Env(), a.ElementLength(), out.ElementLength(), "add: a and out");
  dgp_wire::add(a.Data(), b.Data(), out.Data(), a.ElementLength());
  return info.Env().Undefined();
}

// memoryUpdate(p, codes, mode, e)
Napi::Value MemoryUpdate(const Napi::CallbackInfo& info) {
  need_args(info, 4, "memoryUpdate");
  auto p = f32_arg(info, 0, "memoryUpdate: p");
  auto codes = bytes_arg(info, 1, "memoryUpdate: codes");
  const uint64_t mode = count_arg(info.Env(), info[2], "memoryUpdate: mode");
  auto e = f32_arg(info, 3, "memoryUpdate: e");
  same_length(info.Env(), p.ElementLength(), codes.ElementLength(), "memoryUpdate: p and codes");
  same_length(info.Env(), p.ElementLength(), e.ElementLength(), "memoryUpdate: p and e");
  if (mode > dgp_wire::MODE_NONE) throw_range(info.Env(), "memoryUpdate: mode must be 0, 1 or 2, got " + describe(info[2]));
  dgp_wire::memory_update(p.Data(), codes.Data(), p.ElementLength(), int(mode), e.Data());
  return info.Env().Undefined();
}

// alignedGather(p, codes, positions, values) -> -1, or the first j with positions[j] >= n
Napi::Value AlignedGather(const Napi::CallbackInfo& info) {
  need_args(info, 4, "alignedGather");
  auto p = f32_arg(info, 0, "alignedGather: p");
  auto codes = bytes_arg(info, 1, "alignedGather: codes");
  auto pos = u32_arg(info, 2, "alignedGather: positions");
  auto values = f32_arg(info, 3, "alignedGather: values");
  same_length(info.Env(), p.ElementLength(), codes.ElementLength(), "alignedGather: p and codes");
  same_length(info.Env(), pos.ElementLength(), values.ElementLength(), "alignedGather: positions and values");
  return Napi::Number::New(info.Env(), double(dgp_wire::aligned_gather(p.Data(), codes.Data(), p.ElementLength(),
                                                                       pos.Data(), pos.ElementLength(), values.Data())));
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("crc32", Napi::Function::New(env, Crc32, "crc32"));
  exports.Set("deltaSize", Napi::Function::New(env, DeltaSize, "deltaSize"));
  exports.Set("writeIndices", Napi::Function::New(env, WriteIndices, "writeIndices"));
  exports.Set("readIndices", Napi::Function::New(env, ReadIndices, "readIndices"));
  exports.Set("readValues", Napi::Function::New(env, ReadValues, "readValues"));
  exports.Set("firstNonFinite", Napi::Function::New(env, FirstNonFinite, "firstNonFinite"));
  exports.Set("scatter", Napi::Function::New(env, Scatter, "scatter"));
  exports.Set("axpy", Napi::Function::New(env, Axpy, "axpy"));
  exports.Set("add", Napi::Function::New(env, Add, "add"));
  exports.Set("memoryUpdate", Napi::Function::New(env, MemoryUpdate, "memoryUpdate"));
  exports.Set("alignedGather", Napi::Function::New(env, AlignedGather, "alignedGather"));
}

AddonModule module_wire(Register);

}  // namespace
}  // namespace dgp_addon
