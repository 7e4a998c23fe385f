// Softmax attention without the [L, L] matrix: out[b, i] = sum_j softmax_j(q[b, i] . k[b, j]) v[b, j], one
// query row at a time (its logits, their maximum, exp, sum and the weighted sum of values in a buffer of one
// row), as flash-attention does on GPUs. The RA block's attention has few channels per head (4-5 in the
// shipped models) and about a thousand tokens: as matmuls, the [L, L] logits and their exp are the largest
// tensors of the forward pass, written and read 4-5 times (two matmuls, max, exp, sum).
#include <algorithm>
#include <vector>

#include "addon_functions.h"
#include "napi_args.h"
#include "vector_math.h"
#include "work_pool.h"

namespace raunet {

namespace {

// logits[j] = q . kT[:, j] (channels in order), for j in [0, lk)
RAUNET_MULTIVERSION
void rowLogits(const float *q, const float *kT, int64_t c, int64_t lk, float *logits) {
  for (int64_t j = 0; j < lk; j++) logits[j] = q[0] * kT[j];
  for (int64_t cc = 1; cc < c; cc++) {
    const float qc = q[cc];
    const float *row = kT + cc * lk;
#pragma omp simd
    for (int64_t j = 0; j < lk; j++) logits[j] += qc * row[j];
  }
}

// e[j] -= max_j e[j]
RAUNET_MULTIVERSION
void subtractMax(float *e, int64_t n) {
  float m = e[0];
  for (int64_t j = 1; j < n; j++) m = e[j] > m ? e[j] : m;
#pragma omp simd
  for (int64_t j = 0; j < n; j++) e[j] -= m;
}

// out[cv] = sum_j e[j] vT[cv, j] / sum_j e[j]
RAUNET_MULTIVERSION
void rowOutput(const float *e, const float *vT, int64_t cv, int64_t lk, float *out) {
  double total = 0;
#pragma omp simd reduction(+ : total)
  for (int64_t j = 0; j < lk; j++) total += e[j];
  for (int64_t cc = 0; cc < cv; cc++) {
    const float *row = vT + cc * lk;
    double acc = 0;
#pragma omp simd reduction(+ : acc)
    for (int64_t j = 0; j < lk; j++) acc += static_cast<double>(e[j]) * row[j];
    out[cc] = static_cast<float>(acc / total);
  }
}

// [b, l, c] -> [b, c, l]
std::vector<float> transposeLast(const float *x, int64_t b, int64_t l, int64_t c) {
  std::vector<float> t(static_cast<size_t>(b * l * c));
  for (int64_t n = 0; n < b; n++)
    for (int64_t j = 0; j < l; j++)
      for (int64_t cc = 0; cc < c; cc++) t[(n * c + cc) * l + j] = x[(n * l + j) * c + cc];
  return t;
}

void attention(const float *q, const float *k, const float *v, float *out, int64_t b, int64_t lq, int64_t lk,
               int64_t c, int64_t cv) {
  const std::vector<float> kT = transposeLast(k, b, lk, c);
  const std::vector<float> vT = transposeLast(v, b, lk, cv);
  parallelRows(b * lq, b * lq * lk * (c + cv + 4), [&](int64_t r0, int64_t r1) {
    std::vector<float> e(static_cast<size_t>(lk));
    for (int64_t r = r0; r < r1; r++) {
      const int64_t n = r / lq;
      rowLogits(q + r * c, kT.data() + n * c * lk, c, lk, e.data());
      subtractMax(e.data(), lk);
      expRange(e.data(), e.data(), lk);
      rowOutput(e.data(), vT.data() + n * cv * lk, cv, lk, out + r * cv);
    }
  });
}

}  // namespace

// attention(q, k, v, out, dims): dims = Float64Array [b, lq, lk, c, cv]; q [b, lq, c], k [b, lk, c],
// v [b, lk, cv], out [b, lq, cv].
napi_value Attention(napi_env env, napi_callback_info info) {
  return guarded(env, info, 5, [&](napi_value *argv) {
    F32 q = f32Any(env, argv[0], "q");
    F32 k = f32Any(env, argv[1], "k");
    F32 v = f32Any(env, argv[2], "v");
    F32 out = f32Any(env, argv[3], "out");
    auto d = dimsArg(env, argv[4], "dims");
    if (d.size() != 5 || *std::min_element(d.begin(), d.end()) < 1) throw JsError{"attention: dims must be 5 positive sizes"};
    const int64_t b = d[0], lq = d[1], lk = d[2], c = d[3], cv = d[4];
    if (q.length != static_cast<size_t>(b * lq * c) || k.length != static_cast<size_t>(b * lk * c) ||
        v.length != static_cast<size_t>(b * lk * cv) || out.length != static_cast<size_t>(b * lq * cv))
      throw JsError{"attention: array sizes do not match dims"};
    attention(q.data, k.data, v.data, out.data, b, lq, lk, c, cv);
    return undefinedValue(env);
  });
}

}  // namespace raunet
