// Vectorized transcendental loops for the unary kernels (elementwise.cc): exp and sigmoid over a range of
// floats, computed in double and rounded once to float, like tfjs's JS kernels (Math.exp on the float
// value): the result is the JS kernel's or at most 1 float ulp from it. And a float exp for the attention
// kernel's softmax, whose contract is float32 rounding, not the JS kernels' values. Compiled for AVX-512, AVX2 and
// baseline x86-64 (function multiversioning; the CPU picks at load time), never with -march=native.
#pragma once
#include <cstdint>

// Compiles a function for AVX-512, AVX2 and baseline x86-64; the loader picks the CPU's best at load time.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define RAUNET_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RAUNET_MULTIVERSION
#endif

namespace raunet {
// out[i] = exp(x[i]) for i in [0, n)
void expRange(const float *x, float *out, int64_t n);
// out[i] = 1 / (1 + exp(-x[i])) for i in [0, n)
void sigmoidRange(const float *x, float *out, int64_t n);
// e[i] = exp(e[i]) in float for arguments <= 0 (softmax weights), relative error below 2e-7, not the JS
// kernels' rounding: range reduction x = k ln 2 + r (|r| <= ln 2 / 2) and a degree-6 polynomial, with the
// double exp's algorithm. Arguments below -87 give 0.
void expNonPositiveFloat(float *e, int64_t n);

// 16 floats as one value (GCC vector extension): a zmm register where AVX-512 is on, two or four smaller ones
// elsewhere. Loads and stores need no alignment.
typedef float Float16x __attribute__((vector_size(64)));
typedef int32_t Int16x __attribute__((vector_size(64)));
constexpr int kFloat16xLanes = 16;

__attribute__((always_inline)) inline Float16x loadFloat16x(const float *p) {
  Float16x v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

__attribute__((always_inline)) inline void storeFloat16x(float *p, Float16x v) { __builtin_memcpy(p, &v, sizeof v); }

__attribute__((always_inline)) inline float sumLanes(Float16x v) {
  float s = 0.f;
  for (int t = 0; t < kFloat16xLanes; t++) s += v[t];
  return s;
}

// Integral-valued floats to int32, lane by lane: one float, or 16 lanes.
__attribute__((always_inline)) inline int32_t toInt32(float k) { return static_cast<int32_t>(k); }
__attribute__((always_inline)) inline Int16x toInt32(Float16x k) { return __builtin_convertvector(k, Int16x); }

// exp(v) of v <= 0 as expNonPositiveFloat computes it, for one float or 16 lanes (F = float or Float16x; the
// same operations either way, so the same values), inline for callers' own vector loops.
template <typename F>
__attribute__((always_inline)) inline F expNonPositive(F v) {
  const auto under = v < -87.f;
  const F x = under ? F{} - 87.f : v;
  // nearest integer by the 1.5 * 2^23 trick (vectorizes; |x log2 e| < 2^22)
  const F k = (x * 1.44269504088896341f + 12582912.f) - 12582912.f;
  const F r = (x - k * 0.693145751953125f) - k * 1.42860682030941723e-06f;  // ln 2 in two parts
  F p = F{} + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const auto bits = (toInt32(k) + 127) << 23;  // 2^k, k in [-126, 0]
  static_assert(sizeof bits == sizeof(F), "one int32 per float lane");
  F scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  return under ? F{} : p * scale;
}
}  // namespace raunet
