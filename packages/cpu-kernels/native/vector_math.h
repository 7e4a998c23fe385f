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
}  // namespace raunet
