// N-API glue for the federated-learning kernels (native/wire). Thin: it checks every argument's
// kind, that offsets and lengths fit the buffers passed, and hands the kernels raw pointers over
// the caller's memory (byte offsets honoured, zero copy). Data-dependent checks (indices in
// range, varints well formed) are the kernels' job; they report a status the TypeScript side
// turns into a message (src/fl/kernels_native.ts).
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

// wireCrc32(bytes, start, end) -> u32
Napi::Value Crc32(const Napi::CallbackInfo& info) {
  need_args(info, 3, "wireCrc32");
  auto b = bytes_arg(info, 0, "wireCrc32: bytes");
  const uint64_t start = count_arg(info.Env(), info[1], "wireCrc32: start");
  const uint64_t end = count_arg(info.Env(), info[2], "wireCrc32: end");
  if (start > end || end > b.ElementLength())
    throw_range(info.Env(), "wireCrc32: range [" + std::to_string(start) + ", " + std::to_string(end) +
                                ") does not fit " + std::to_string(b.ElementLength()) + " bytes");
  return Napi::Number::New(info.Env(), dgp_wire::crc32(b.Data() + start, size_t(end - start)));
}

// wireDeltaSize(indices, n) -> bytes, or -(j + 1) for the first bad index j
Napi::Value DeltaSize(const Napi::CallbackInfo& info) {
  need_args(info, 2, "wireDeltaSize");
  auto idx = u32_arg(info, 0, "wireDeltaSize: indices");
  const uint64_t n = count_arg(info.Env(), info[1], "wireDeltaSize: n");
  size_t bad = 0;
  const int64_t size = dgp_wire::delta_size(idx.Data(), idx.ElementLength(), n, &bad);
  return Napi::Number::New(info.Env(), size >= 0 ? double(size) : -double(bad) - 1);
}

// wireWriteIndices(out, offset, indices, n, coding) -> end offset, or -1 (bad index / no room)
Napi::Value WriteIndices(const Napi::CallbackInfo& info) {
  need_args(info, 5, "wireWriteIndices");
  auto out = bytes_arg(info, 0, "wireWriteIndices: out");
  const uint64_t offset = count_arg(info.Env(), info[1], "wireWriteIndices: offset");
  auto idx = u32_arg(info, 2, "wireWriteIndices: indices");
  const uint64_t n = count_arg(info.Env(), info[3], "wireWriteIndices: n");
  const uint64_t coding = count_arg(info.Env(), info[4], "wireWriteIndices: coding");
  if (offset > out.ElementLength())
    throw_range(info.Env(), "wireWriteIndices: offset " + std::to_string(offset) + " is past the end (" +
                                std::to_string(out.ElementLength()) + " bytes)");
  const int64_t w = dgp_wire::write_indices(idx.Data(), idx.ElementLength(), n, int(coding), out.Data() + offset,
                                            size_t(out.ElementLength() - offset));
  return Napi::Number::New(info.Env(), w < 0 ? -1.0 : double(offset + uint64_t(w)));
}

// wireReadIndices(bytes, offset, end, coding, n, out) -> end offset of the block, or a negative
// Status; reads bytes[offset, end), writes out (its length is the declared count).
Napi::Value ReadIndices(const Napi::CallbackInfo& info) {
  need_args(info, 6, "wireReadIndices");
  Napi::Env env = info.Env();
  auto b = bytes_arg(info, 0, "wireReadIndices: bytes");
  const uint64_t offset = count_arg(env, info[1], "wireReadIndices: offset");
  const uint64_t end = count_arg(env, info[2], "wireReadIndices: end");
  const uint64_t coding = count_arg(env, info[3], "wireReadIndices: coding");
  const uint64_t n = count_arg(env, info[4], "wireReadIndices: n");
  auto out = u32_arg(info, 5, "wireReadIndices: out");
  if (offset > end || end > b.ElementLength())
    throw_range(env, "wireReadIndices: range [" + std::to_string(offset) + ", " + std::to_string(end) +
                         ") does not fit " + std::to_string(b.ElementLength()) + " bytes");
  size_t consumed = 0;
  uint64_t at = 0;
  const int s = dgp_wire::read_indices(b.Data() + offset, size_t(end - offset), int(coding), out.ElementLength(), n,
                                       out.Data(), &consumed, &at);
  return Napi::Number::New(env, s == dgp_wire::WIRE_OK ? double(offset + consumed) : double(s));
}

// wireReadValues(bytes, offset, out) -> -1, or the first non-finite position
Napi::Value ReadValues(const Napi::CallbackInfo& info) {
  need_args(info, 3, "wireReadValues");
  auto b = bytes_arg(info, 0, "wireReadValues: bytes");
  const uint64_t offset = count_arg(info.Env(), info[1], "wireReadValues: offset");
  auto out = f32_arg(info, 2, "wireReadValues: out");
  const uint64_t need = uint64_t(out.ElementLength()) * 4;
  if (offset > b.ElementLength() || need > b.ElementLength() - offset)
    throw_range(info.Env(), "wireReadValues: " + std::to_string(out.ElementLength()) + " values at offset " +
                                std::to_string(offset) + " do not fit " + std::to_string(b.ElementLength()) +
                                " bytes");
  return Napi::Number::New(info.Env(),
                           double(dgp_wire::read_values(b.Data() + offset, out.ElementLength(), out.Data())));
}

// wireFirstNonFinite(values) -> -1 or the first NaN/Inf position
Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  need_args(info, 1, "wireFirstNonFinite");
  auto v = f32_arg(info, 0, "wireFirstNonFinite: values");
  return Napi::Number::New(info.Env(), double(dgp_wire::first_non_finite(v.Data(), v.ElementLength())));
}

// wireScatter(dst, indices, values, weight, add) -> -1, or the first j with indices[j] >= dst.length
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  need_args(info, 5, "wireScatter");
  auto dst = f32_arg(info, 0, "wireScatter: dst");
  auto idx = u32_arg(info, 1, "wireScatter: indices");
  auto v = f32_arg(info, 2, "wireScatter: values");
  same_length(info.Env(), idx.ElementLength(), v.ElementLength(), "wireScatter: indices and values");
  if (!info[3].IsNumber()) throw_type(info.Env(), "wireScatter: weight must be a number, got " + describe(info[3]));
  const float w = float(info[3].As<Napi::Number>().DoubleValue());
  const bool add = info[4].ToBoolean().Value();
  return Napi::Number::New(info.Env(), double(dgp_wire::scatter(dst.Data(), dst.ElementLength(), idx.Data(), v.Data(),
                                                                idx.ElementLength(), w, add)));
}

// wireAxpy(acc, values, weight)
Napi::Value Axpy(const Napi::CallbackInfo& info) {
  need_args(info, 3, "wireAxpy");
  auto acc = f32_arg(info, 0, "wireAxpy: acc");
  auto v = f32_arg(info, 1, "wireAxpy: values");
  same_length(info.Env(), acc.ElementLength(), v.ElementLength(), "wireAxpy: acc and values");
  if (!info[2].IsNumber()) throw_type(info.Env(), "wireAxpy: weight must be a number, got " + describe(info[2]));
  dgp_wire::axpy(acc.Data(), v.Data(), acc.ElementLength(), float(info[2].As<Napi::Number>().DoubleValue()));
  return info.Env().Undefined();
}

// wireAdd(a, b, out): out = a + b in float32
Napi::Value Add(const Napi::CallbackInfo& info) {
  need_args(info, 3, "wireAdd");
  auto a = f32_arg(info, 0, "wireAdd: a");
  auto b = f32_arg(info, 1, "wireAdd: b");
  auto out = f32_arg(info, 2, "wireAdd: out");
  same_length(info.Env(), a.ElementLength(), b.ElementLength(), "wireAdd: a and b");
  same_length(info.Env(), a.ElementLength(), out.ElementLength(), "wireAdd: a and out");
  dgp_wire::add(a.Data(), b.Data(), out.Data(), a.ElementLength());
  return info.Env().Undefined();
}

// wireMemoryUpdate(p, codes, mode, e)
Napi::Value MemoryUpdate(const Napi::CallbackInfo& info) {
  need_args(info, 4, "wireMemoryUpdate");
  auto p = f32_arg(info, 0, "wireMemoryUpdate: p");
  auto codes = bytes_arg(info, 1, "wireMemoryUpdate: codes");
  const uint64_t mode = count_arg(info.Env(), info[2], "wireMemoryUpdate: mode");
  auto e = f32_arg(info, 3, "wireMemoryUpdate: e");
  same_length(info.Env(), p.ElementLength(), codes.ElementLength(), "wireMemoryUpdate: p and codes");
  same_length(info.Env(), p.ElementLength(), e.ElementLength(), "wireMemoryUpdate: p and e");
  if (mode > dgp_wire::MODE_NONE) throw_range(info.Env(), "wireMemoryUpdate: mode must be 0, 1 or 2, got " + describe(info[2]));
  dgp_wire::memory_update(p.Data(), codes.Data(), p.ElementLength(), int(mode), e.Data());
  return info.Env().Undefined();
}

// wireAlignedGather(p, codes, positions, values) -> -1, or the first j with positions[j] >= n
Napi::Value AlignedGather(const Napi::CallbackInfo& info) {
  need_args(info, 4, "wireAlignedGather");
  auto p = f32_arg(info, 0, "wireAlignedGather: p");
  auto codes = bytes_arg(info, 1, "wireAlignedGather: codes");
  auto pos = u32_arg(info, 2, "wireAlignedGather: positions");
  auto values = f32_arg(info, 3, "wireAlignedGather: values");
  same_length(info.Env(), p.ElementLength(), codes.ElementLength(), "wireAlignedGather: p and codes");
  same_length(info.Env(), pos.ElementLength(), values.ElementLength(), "wireAlignedGather: positions and values");
  return Napi::Number::New(info.Env(), double(dgp_wire::aligned_gather(p.Data(), codes.Data(), p.ElementLength(),
                                                                       pos.Data(), pos.ElementLength(), values.Data())));
}

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("wireCrc32", Napi::Function::New(env, Crc32, "wireCrc32"));
  exports.Set("wireDeltaSize", Napi::Function::New(env, DeltaSize, "wireDeltaSize"));
  exports.Set("wireWriteIndices", Napi::Function::New(env, WriteIndices, "wireWriteIndices"));
  exports.Set("wireReadIndices", Napi::Function::New(env, ReadIndices, "wireReadIndices"));
  exports.Set("wireReadValues", Napi::Function::New(env, ReadValues, "wireReadValues"));
  exports.Set("wireFirstNonFinite", Napi::Function::New(env, FirstNonFinite, "wireFirstNonFinite"));
  exports.Set("wireScatter", Napi::Function::New(env, Scatter, "wireScatter"));
  exports.Set("wireAxpy", Napi::Function::New(env, Axpy, "wireAxpy"));
  exports.Set("wireAdd", Napi::Function::New(env, Add, "wireAdd"));
  exports.Set("wireMemoryUpdate", Napi::Function::New(env, MemoryUpdate, "wireMemoryUpdate"));
  exports.Set("wireAlignedGather", Napi::Function::New(env, AlignedGather, "wireAlignedGather"));
}

AddonModule module_wire(Register);

}  // namespace
}  // namespace dgp_addon
