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

// Query rows are taken kRows at a time: each row of kT and vT (lk floats, from L2) is then read once per block
// and used for every row of it from L1.
constexpr int64_t kRows = 4;

// e[i * lk + j] = q[i] . kT[:, j] (channels in order), for the m <= kRows query rows q[i] (c floats apart)
RAUNET_MULTIVERSION
void blockLogits(const float *q, int64_t m, const float *kT, int64_t c, int64_t lk, float *e) {
  for (int64_t i = 0; i < m; i++) {
    const float q0 = q[i * c];
    float *ei = e + i * lk;
#pragma omp simd
    for (int64_t j = 0; j < lk; j++) ei[j] = q0 * kT[j];
  }
  for (int64_t cc = 1; cc < c; cc++) {
    const float *row = kT + cc * lk;
    for (int64_t i = 0; i < m; i++) {
      const float qc = q[i * c + cc];
      float *ei = e + i * lk;
#pragma omp simd
      for (int64_t j = 0; j < lk; j++) ei[j] += qc * row[j];
    }
  }
}

// e[j] = exp(e[j] - max_j e[j]): the softmax's exponentials, in float (the JS-exact double exp of the unary
// kernels took a third of this kernel's time; its contract is float32 rounding)
RAUNET_MULTIVERSION
void softmaxExp(float *e, int64_t n) {
  float m = e[0];
  for (int64_t j = 1; j < n; j++) m = e[j] > m ? e[j] : m;
#pragma omp simd
  for (int64_t j = 0; j < n; j++) e[j] -= m;
  expNonPositiveFloat(e, n);
}

// out[i * cv + cc] = sum_j e[i * lk + j] vT[cc, j] / sum_j e[i * lk + j] for the m <= kRows rows, summed in
// float (the compiler's vector lanes: partial sums of about lk / 16 terms each)
RAUNET_MULTIVERSION
void blockOutput(const float *e, int64_t m, const float *vT, int64_t cv, int64_t lk, float *out) {
  float inv[kRows];
  for (int64_t i = 0; i < m; i++) {
    const float *ei = e + i * lk;
    float total = 0;
#pragma omp simd reduction(+ : total)
    for (int64_t j = 0; j < lk; j++) total += ei[j];
    inv[i] = 1.f / total;
  }
  for (int64_t cc = 0; cc < cv; cc++) {
    const float *row = vT + cc * lk;
    for (int64_t i = 0; i < m; i++) {
      const float *ei = e + i * lk;
      float acc = 0;
#pragma omp simd reduction(+ : acc)
      for (int64_t j = 0; j < lk; j++) acc += ei[j] * row[j];
      out[i * cv + cc] = acc * inv[i];
    }
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
    std::vector<float> e(static_cast<size_t>(kRows * lk));
    for (int64_t r = r0; r < r1;) {
      const int64_t n = r / lq;
      // a block of rows of one batch item, within this chunk
      const int64_t m = std::min({kRows, r1 - r, (n + 1) * lq - r});
      blockLogits(q + r * c, m, kT.data() + n * c * lk, c, lk, e.data());
      for (int64_t i = 0; i < m; i++) softmaxExp(e.data() + i * lk, lk);
      blockOutput(e.data(), m, vT.data() + n * cv * lk, cv, lk, out + r * cv);
      r += m;
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
