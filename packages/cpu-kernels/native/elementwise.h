#pragma once
#include <cstdint>
#include <vector>

namespace raunet {
// out[idx] = a[idx . sa] OP b[idx . sb] over a dense `shape`; op 0 add, 1 sub, 2 mul, 3 div.
void binary(int op, const float *a, const std::vector<int64_t> &sa, const float *b, const std::vector<int64_t> &sb,
            float *out, const std::vector<int64_t> &shape);
// dst[idx . ds] = src[idx . ss] over `shape` (pointers already at the first element).
void stridedCopy(const float *src, const std::vector<int64_t> &ss, float *dst, const std::vector<int64_t> &ds,
                 const std::vector<int64_t> &shape);
// op 0: relu (NaN kept), 1: step (x > 0 ? 1 : alpha, NaN kept), 2 square, 3 sqrt, 4 rsqrt, 5 exp, 6 log,
// 7 neg, 8 abs, 9 sigmoid, 10 clip to [alpha, beta] (compared in double, as the JS kernel does)
void unary(int op, const float *x, float *out, int64_t n, double alpha, double beta);
void fill(float *dst, int64_t n, float value);
// dst[o, i] = scale * sum_j src[o, j, i] for a [k1, r, k2] view.
void reduceSum(const float *src, int64_t k1, int64_t r, int64_t k2, float *dst, float scale);
// dst[o, i] = max_j src[o, j, i] with the JS kernel's NaN rule (any NaN gives NaN).
void reduceMax(const float *src, int64_t k1, int64_t r, int64_t k2, float *dst);
}  // namespace raunet
