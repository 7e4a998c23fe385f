// Softmax attention without the [L, L] matrix: out[b, i] = sum_j softmax_j(q[b, i] . k[b, j]) v[b, j], one
// query row at a time (its logits, their maximum, exp, sum and the weighted sum of values in a buffer of one
// row), as flash-attention does on GPUs. The RA block's attention has few channels per head (4-5 in the
// shipped models) and about a thousand tokens: as matmuls, the [L, L] logits and their exp are the largest
// tensors of the forward pass, written and read 4-5 times (two matmuls, max, exp, sum).
#include <algorithm>
#include <utility>
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

// The same block for c and cv known at compile time, with the work in registers: pass 1 writes the logits of
// the rows and keeps a running maximum per lane, pass 2 forms the exponentials and accumulates their sum and
// the weighted values (R x CV vectors of 16 lanes), the lanes summed at the end; 16 keys at a time, the last
// lk % 16 one by one. Rows past m repeat the last row (their results are dropped). Each logit sums the same
// products in the same order as blockLogits, each exponential equals softmaxExp's; the sums are split over 16 lanes.
template <int C, int CV, int R>
__attribute__((always_inline)) inline void blockInRegisters(const float *q, int64_t m, const float *kT, const float *vT,
                                                            int64_t lk, float *e, float *out) {
  float qs[R][C];
  for (int i = 0; i < R; i++)
    for (int cc = 0; cc < C; cc++) qs[i][cc] = q[std::min<int64_t>(i, m - 1) * C + cc];
  const int64_t full = lk - lk % kFloat16xLanes;
  Float16x mx[R];
  for (int i = 0; i < R; i++) mx[i] = Float16x{} - __builtin_inff();
  for (int64_t j = 0; j < full; j += kFloat16xLanes) {
    Float16x kc[C];
    for (int cc = 0; cc < C; cc++) kc[cc] = loadFloat16x(kT + cc * lk + j);
    for (int i = 0; i < R; i++) {
      Float16x s = qs[i][0] * kc[0];
      for (int cc = 1; cc < C; cc++) s += qs[i][cc] * kc[cc];
      storeFloat16x(e + i * lk + j, s);
      mx[i] = s > mx[i] ? s : mx[i];
    }
  }
  float rowMax[R];
  for (int i = 0; i < R; i++) {
    float mi = mx[i][0];
    for (int t = 1; t < kFloat16xLanes; t++) mi = mx[i][t] > mi ? mx[i][t] : mi;
    for (int64_t j = full; j < lk; j++) {
      float s = qs[i][0] * kT[j];
      for (int cc = 1; cc < C; cc++) s += qs[i][cc] * kT[cc * lk + j];
      e[i * lk + j] = s;
      mi = s > mi ? s : mi;
    }
    rowMax[i] = mi;
  }
  Float16x sum[R];
  Float16x acc[R][CV];
  for (int i = 0; i < R; i++) {
    sum[i] = Float16x{};
    for (int cc = 0; cc < CV; cc++) acc[i][cc] = Float16x{};
  }
  for (int64_t j = 0; j < full; j += kFloat16xLanes) {
    Float16x vc[CV];
    for (int cc = 0; cc < CV; cc++) vc[cc] = loadFloat16x(vT + cc * lk + j);
    for (int i = 0; i < R; i++) {
      const Float16x p = expNonPositive(loadFloat16x(e + i * lk + j) - rowMax[i]);
      sum[i] += p;
      for (int cc = 0; cc < CV; cc++) acc[i][cc] += p * vc[cc];
    }
  }
  for (int64_t i = 0; i < m; i++) {
    float total = sumLanes(sum[i]);
    float a[CV];
    for (int cc = 0; cc < CV; cc++) a[cc] = sumLanes(acc[i][cc]);
    for (int64_t j = full; j < lk; j++) {
      const float p = expNonPositive(e[i * lk + j] - rowMax[i]);
      total += p;
      for (int cc = 0; cc < CV; cc++) a[cc] += p * vT[cc * lk + j];
    }
    const float inv = 1.f / total;
    for (int cc = 0; cc < CV; cc++) out[i * CV + cc] = a[cc] * inv;
  }
}

using BlockFn = void (*)(const float *q, int64_t m, const float *kT, const float *vT, int64_t lk, float *e, float *out);

// The compiled shapes (channels per head of the shipped models and of the paper-size model), each for AVX-512,
// AVX2 and baseline x86-64; R rows per block so that the accumulators stay in the 32 vector registers.
RAUNET_MULTIVERSION
void block4(const float *q, int64_t m, const float *kT, const float *vT, int64_t lk, float *e, float *out) {
  blockInRegisters<4, 4, 4>(q, m, kT, vT, lk, e, out);
}
RAUNET_MULTIVERSION
void block5(const float *q, int64_t m, const float *kT, const float *vT, int64_t lk, float *e, float *out) {
  blockInRegisters<5, 5, 4>(q, m, kT, vT, lk, e, out);
}
RAUNET_MULTIVERSION
void block8(const float *q, int64_t m, const float *kT, const float *vT, int64_t lk, float *e, float *out) {
  blockInRegisters<8, 8, 2>(q, m, kT, vT, lk, e, out);
}

// The register-blocked block and its rows for c = cv in {4, 5, 8}; null (the generic loops) otherwise.
std::pair<BlockFn, int64_t> blockFor(int64_t c, int64_t cv) {
  if (c != cv) return {nullptr, kRows};
  if (c == 4) return {block4, 4};
  if (c == 5) return {block5, 4};
  if (c == 8) return {block8, 2};
  return {nullptr, kRows};
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
  const auto [fixed, rows] = blockFor(c, cv);
  parallelRows(b * lq, b * lq * lk * (c + cv + 4), [&](int64_t r0, int64_t r1) {
    std::vector<float> e(static_cast<size_t>(kRows * lk));
    for (int64_t r = r0; r < r1;) {
      const int64_t n = r / lq;
      // a block of rows of one batch item, within this chunk
      const int64_t m = std::min({rows, r1 - r, (n + 1) * lq - r});
      if (fixed) {
        fixed(q + r * c, m, kT.data() + n * c * lk, vT.data() + n * cv * lk, lk, e.data(), out + r * cv);
      } else {
        blockLogits(q + r * c, m, kT.data() + n * c * lk, c, lk, e.data());
        for (int64_t i = 0; i < m; i++) softmaxExp(e.data() + i * lk, lk);
        blockOutput(e.data(), m, vT.data() + n * cv * lk, cv, lk, out + r * cv);
      }
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
