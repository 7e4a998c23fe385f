// Node-API argument helpers (see napi_args.h).
#include "napi_args.h"

namespace raunet {

namespace {
// The data of a typed-array argument, checked to be of `type` (named `what` in the error).
void *typedData(napi_env env, napi_value v, napi_typedarray_type type, const char *what, const char *name,
                size_t *length) {
  bool is = false;
  NAPI_OK(napi_is_typedarray(env, v, &is));
  if (!is) throw JsError{std::string(name) + ": expected " + what};
  napi_typedarray_type actual;
  void *data;
  napi_value ab;
  size_t offset;
  NAPI_OK(napi_get_typedarray_info(env, v, &actual, length, &data, &ab, &offset));
  if (actual != type) throw JsError{std::string(name) + ": expected " + what};
  return data;
}
}  // namespace

F32 f32Any(napi_env env, napi_value v, const char *name) {
  size_t length = 0;
  void *data = typedData(env, v, napi_float32_array, "a Float32Array", name, &length);
  return {static_cast<float *>(data), length};
}

float *floatArg(napi_env env, napi_value v, size_t expected, const char *name) {
  F32 a = f32Any(env, v, name);
  if (a.length != expected)
    throw JsError{std::string(name) + ": expected " + std::to_string(expected) + " elements, received " +
                  std::to_string(a.length)};
  return a.data;
}

const int32_t *int32Arg(napi_env env, napi_value v, size_t expected, const char *name) {
  size_t length = 0;
  void *data = typedData(env, v, napi_int32_array, "an Int32Array", name, &length);
  if (length != expected)
    throw JsError{std::string(name) + ": expected an Int32Array of " + std::to_string(expected) + " values"};
  return static_cast<const int32_t *>(data);
}

std::vector<int64_t> dimsArg(napi_env env, napi_value v, const char *name) {
  size_t length = 0;
  const double *d = static_cast<const double *>(typedData(env, v, napi_float64_array, "a Float64Array", name, &length));
  std::vector<int64_t> out(length);
  for (size_t i = 0; i < length; i++) out[i] = static_cast<int64_t>(d[i]);
  return out;
}

int64_t intArg(napi_env env, napi_value v) {
  int64_t x = 0;
  NAPI_OK(napi_get_value_int64(env, v, &x));
  return x;
}

double numArg(napi_env env, napi_value v) {
  double x = 0;
  NAPI_OK(napi_get_value_double(env, v, &x));
  return x;
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value boolValue(napi_env env, bool b) {
  napi_value v;
  NAPI_OK(napi_get_boolean(env, b, &v));
  return v;
}

void checkSpan(const std::vector<int64_t> &shape, const std::vector<int64_t> &strides, int64_t offset, size_t length,
               const char *name) {
  if (shape.empty() || shape.size() != strides.size()) throw JsError{std::string(name) + ": shape/strides mismatch"};
  int64_t lo = offset, hi = offset;
  for (size_t i = 0; i < shape.size(); i++) {
    if (shape[i] <= 0) throw JsError{std::string(name) + ": empty shape"};
    int64_t ext = (shape[i] - 1) * strides[i];
    if (ext < 0) lo += ext; else hi += ext;
  }
  if (lo < 0 || hi >= static_cast<int64_t>(length))
    throw JsError{std::string(name) + ": strided view out of bounds"};
}

}  // namespace raunet
