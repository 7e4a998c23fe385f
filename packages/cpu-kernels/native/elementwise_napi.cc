// Node-API entry points of the memory-bound kernels (elementwise.cc): argument checks, then the loops.
#include "addon_functions.h"
#include "elementwise.h"
#include "napi_args.h"

namespace raunet {

// binary(op, a, aStrides, b, bStrides, out, shape): out dense over shape (Float64Array dims/strides).
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, info, 7, [&](napi_value *argv) {
    int64_t op = intArg(env, argv[0]);
    F32 a = f32Any(env, argv[1], "a");
    auto sa = dimsArg(env, argv[2], "aStrides");
    F32 b = f32Any(env, argv[3], "b");
    auto sb = dimsArg(env, argv[4], "bStrides");
    F32 out = f32Any(env, argv[5], "out");
    auto shape = dimsArg(env, argv[6], "shape");
    if (op < 0 || op > 3) throw JsError{"binary: op must be 0..3"};
    checkSpan(shape, sa, 0, a.length, "a");
    checkSpan(shape, sb, 0, b.length, "b");
    std::vector<int64_t> so(shape.size());
    int64_t acc = 1;
    for (int i = static_cast<int>(shape.size()) - 1; i >= 0; i--) {
      so[i] = acc;
      acc *= shape[i];
    }
    checkSpan(shape, so, 0, out.length, "out");
    binary(static_cast<int>(op), a.data, sa, b.data, sb, out.data, shape);
    return undefinedValue(env);
  });
}

// copy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape)
napi_value Copy(napi_env env, napi_callback_info info) {
  return guarded(env, info, 7, [&](napi_value *argv) {
    F32 src = f32Any(env, argv[0], "src");
    int64_t so = intArg(env, argv[1]);
    auto ss = dimsArg(env, argv[2], "srcStrides");
    F32 dst = f32Any(env, argv[3], "dst");
    int64_t doff = intArg(env, argv[4]);
    auto ds = dimsArg(env, argv[5], "dstStrides");
    auto shape = dimsArg(env, argv[6], "shape");
    checkSpan(shape, ss, so, src.length, "src");
    checkSpan(shape, ds, doff, dst.length, "dst");
    stridedCopy(src.data + so, ss, dst.data + doff, ds, shape);
    return undefinedValue(env);
  });
}

// unary(op, x, out, alpha, beta)
napi_value Unary(napi_env env, napi_callback_info info) {
  return guarded(env, info, 5, [&](napi_value *argv) {
    int64_t op = intArg(env, argv[0]);
    F32 x = f32Any(env, argv[1], "x");
    F32 out = f32Any(env, argv[2], "out");
    if (op < 0 || op > 10 || x.length != out.length) throw JsError{"unary: bad op or sizes"};
    unary(static_cast<int>(op), x.data, out.data, static_cast<int64_t>(x.length), numArg(env, argv[3]),
          numArg(env, argv[4]));
    return undefinedValue(env);
  });
}

// fill(dst, value)
napi_value Fill(napi_env env, napi_callback_info info) {
  return guarded(env, info, 2, [&](napi_value *argv) {
    F32 dst = f32Any(env, argv[0], "dst");
    fill(dst.data, static_cast<int64_t>(dst.length), static_cast<float>(numArg(env, argv[1])));
    return undefinedValue(env);
  });
}

// reduceSum(src, k1, r, k2, dst, scale, op): op 0: dst[o, i] = scale * sum_j src[o, j, i]; op 1: max_j
napi_value ReduceSum(napi_env env, napi_callback_info info) {
  return guarded(env, info, 7, [&](napi_value *argv) {
    F32 src = f32Any(env, argv[0], "src");
    int64_t k1 = intArg(env, argv[1]), r = intArg(env, argv[2]), k2 = intArg(env, argv[3]);
    F32 dst = f32Any(env, argv[4], "dst");
    double scale = numArg(env, argv[5]);
    int64_t op = intArg(env, argv[6]);
    if (k1 < 1 || r < 1 || k2 < 1 || static_cast<size_t>(k1 * r * k2) != src.length ||
        static_cast<size_t>(k1 * k2) != dst.length || op < 0 || op > 1)
      throw JsError{"reduceSum: sizes do not match the arrays"};
    if (op == 1) reduceMax(src.data, k1, r, k2, dst.data);
    else reduceSum(src.data, k1, r, k2, dst.data, static_cast<float>(scale));
    return undefinedValue(env);
  });
}

}  // namespace raunet
