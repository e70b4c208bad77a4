// Each glue file registers its exports with a static AddonModule, so adding a file to
// native/addon/ adds its functions to the one .node without touching the others.
#ifndef DGP_ADDON_REGISTRY_H
#define DGP_ADDON_REGISTRY_H

#include <napi.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace dgp_addon {

using RegisterFn = void (*)(Napi::Env env, Napi::Object exports);

inline std::vector<RegisterFn>& modules() {
  static std::vector<RegisterFn> list;
  return list;
}

struct AddonModule {
  explicit AddonModule(RegisterFn fn) { modules().push_back(fn); }
};

// Argument helpers shared by the glue files; messages name the call, the argument and the value.
inline std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) {
    static const char* names[] = {"Int8Array",  "Uint8Array",   "Uint8ClampedArray", "Int16Array",
                                  "Uint16Array", "Int32Array",  "Uint32Array",       "Float32Array",
                                  "Float64Array", "BigInt64Array", "BigUint64Array"};
    const auto t = static_cast<size_t>(v.As<Napi::TypedArray>().TypedArrayType());
    return std::string(t < 11 ? names[t] : "TypedArray") + "(" +
           std::to_string(v.As<Napi::TypedArray>().ElementLength()) + ")";
  }
  if (v.IsArray()) return "Array(" + std::to_string(v.As<Napi::Array>().Length()) + ")";
  if (v.IsNumber()) {  // the shortest form that reads back, as JavaScript prints it
    const double d = v.As<Napi::Number>().DoubleValue();
    char buf[32];
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, d);
      if (std::strtod(buf, nullptr) == d) break;
    }
    return buf;
  }
  if (v.IsString()) return "\"" + v.As<Napi::String>().Utf8Value() + "\"";  // as describeValue (src/errors.ts)
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  return v.IsFunction() ? "function" : "object";
}

[[noreturn]] inline void throw_type(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}

[[noreturn]] inline void throw_range(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}

// The glue's memory guards and their one wording (every glue file; the wasm glue,
// src/backends/wasm/table_glue.ts, words its guards the same). `what` names the call and the argument
// ("crc32: argument 1", "selectLayers: outputs.codes[2]"). The rules a user meets, with their own
// wording, are TypeScript's, checked before any kernel is called: a guard that fires means a
// caller went around them, and only says which argument and why memory could not be touched.
//   TypeError:  "<what> must be <kind>, got <value>"
//   RangeError: "<what> is out of bounds (<detail>)"
[[noreturn]] inline void refuse_kind(Napi::Env env, const std::string& what, const std::string& kind,
                                     const Napi::Value& got) {
  throw_type(env, what + " must be " + kind + ", got " + describe(got));
}

[[noreturn]] inline void refuse_bounds(Napi::Env env, const std::string& what, const std::string& detail) {
  throw_range(env, what + " is out of bounds (" + detail + ")");
}

template <class T>
inline T typed_array_arg(Napi::Env env, const Napi::Value& v, napi_typedarray_type type,
                         const char* type_name, const std::string& what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    refuse_kind(env, what, std::string("a ") + type_name, v);
  return v.As<T>();
}

// A non-negative integer that fits in 2^53.
inline uint64_t count_arg(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) refuse_kind(env, what, "a number", v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != static_cast<double>(static_cast<uint64_t>(d)) || d > 9007199254740991.0)
    refuse_bounds(env, what, "not an integer in [0, 2^53), got " + describe(v));
  return static_cast<uint64_t>(d);
}

}  // namespace dgp_addon

#endif  // DGP_ADDON_REGISTRY_H
