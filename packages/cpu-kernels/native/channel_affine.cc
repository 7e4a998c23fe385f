// The inference epilogue of a batch norm: out = act(x * scale[c] + shift[c] (+ residual)) over a tensor whose
// last axis is the channel axis, in one pass instead of the 3-4 elementwise ops (Multiply, Add, Add, Relu)
// it replaces. Each step is rounded to float in the same order as those ops, so the result is bit-identical
// to them (no fused multiply-add: the build does not contract, and the loop is written step by step).
#include "addon_functions.h"
#include "napi_args.h"
#include "work_pool.h"

namespace raunet {

namespace {

void channelAffine(const float *x, const float *scale, const float *shift, const float *residual, bool relu,
                   float *out, int64_t rows, int64_t channels) {
  // chunks of whole rows (voxels), so each chunk starts at channel 0
  parallelRows(rows, rows * channels, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const float *px = x + r * channels;
      const float *pr = residual ? residual + r * channels : nullptr;
      float *__restrict po = out + r * channels;
      for (int64_t c = 0; c < channels; c++) {
        float v = px[c] * scale[c];
        v = v + shift[c];
        if (pr) v = v + pr[c];
        // tfjs's Relu: x < 0 ? 0 : x (NaN stays NaN)
        po[c] = relu && v < 0.f ? 0.f : v;
      }
    }
  });
}

}  // namespace

// channelAffine(x, scale, shift, residual | null, relu, out): x, residual and out [rows * channels],
// scale and shift [channels].
napi_value ChannelAffine(napi_env env, napi_callback_info info) {
  return guarded(env, info, 6, [&](napi_value *argv) {
    F32 x = f32Any(env, argv[0], "x");
    F32 scale = f32Any(env, argv[1], "scale");
    F32 shift = f32Any(env, argv[2], "shift");
    napi_valuetype type;
    NAPI_OK(napi_typeof(env, argv[3], &type));
    const bool hasResidual = type != napi_null && type != napi_undefined;
    F32 residual = hasResidual ? f32Any(env, argv[3], "residual") : F32{nullptr, 0};
    bool relu = false;
    NAPI_OK(napi_get_value_bool(env, argv[4], &relu));
    F32 out = f32Any(env, argv[5], "out");
    const size_t channels = scale.length;
    if (channels == 0 || shift.length != channels || x.length % channels != 0 || out.length != x.length ||
        (hasResidual && residual.length != x.length))
      throw JsError{"channelAffine: x, residual and out must have the same size, a multiple of scale's and shift's"};
    channelAffine(x.data, scale.data, shift.data, hasResidual ? residual.data : nullptr, relu, out.data,
                  static_cast<int64_t>(x.length / channels), static_cast<int64_t>(channels));
    return undefinedValue(env);
  });
}

}  // namespace raunet
