// Node-API argument helpers shared by the addon's entry points: typed-array and number arguments with
// checked types and sizes, and `guarded`, which turns C++ and oneDNN exceptions into JS errors.
#pragma once
#include <node_api.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "signal_guard.h"

namespace raunet {

// An error for the JS caller (code ERR_RAUNET_NATIVE), thrown by the helpers below.
struct JsError {
  std::string msg;
};

#define NAPI_OK(call)                                                     \
  do {                                                                    \
    if ((call) != napi_ok) throw ::raunet::JsError{"Node-API call failed: " #call}; \
  } while (0)

// A typed-array argument: pointer and length in elements.
template <typename T>
struct Typed {
  T *data;
  size_t length;
};
using F32 = Typed<float>;

// A Float32Array argument of any length.
F32 f32Any(napi_env env, napi_value v, const char *name);
// A Float32Array argument of exactly `expected` elements.
float *floatArg(napi_env env, napi_value v, size_t expected, const char *name);
// An Int32Array argument of exactly `expected` elements.
const int32_t *int32Arg(napi_env env, napi_value v, size_t expected, const char *name);
// A Float64Array of integral values (dims, strides), as int64.
std::vector<int64_t> dimsArg(napi_env env, napi_value v, const char *name);
int64_t intArg(napi_env env, napi_value v);
double numArg(napi_env env, napi_value v);
napi_value undefinedValue(napi_env env);
napi_value boolValue(napi_env env, bool b);

// Checks that every index offset + idx . strides over `shape` stays inside [0, length).
void checkSpan(const std::vector<int64_t> &shape, const std::vector<int64_t> &strides, int64_t offset, size_t length,
               const char *name);

// Runs f(argv) with at least `argc_expected` arguments; exceptions become JS errors (ERR_RAUNET_NATIVE,
// ERR_RAUNET_ONEDNN with oneDNN's status) and the call returns undefined.
template <typename F>
napi_value guarded(napi_env env, napi_callback_info info, size_t argc_expected, F f) {
  SignalsBlocked blocked;  // see signal_guard.h
  try {
    size_t argc = 8;
    napi_value argv[8];
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
    if (argc < argc_expected)
      throw JsError{"expected " + std::to_string(argc_expected) + " arguments, received " + std::to_string(argc)};
    return f(argv);
  } catch (const JsError &e) {
    napi_throw_error(env, "ERR_RAUNET_NATIVE", e.msg.c_str());
  } catch (const dnnl::error &e) {
    std::string m = std::string("oneDNN error (status ") + std::to_string(static_cast<int>(e.status)) + "): " + e.what();
    napi_throw_error(env, "ERR_RAUNET_ONEDNN", m.c_str());
  } catch (const std::exception &e) {
    napi_throw_error(env, "ERR_RAUNET_NATIVE", e.what());
  }
  return nullptr;
}

}  // namespace raunet
