// The CPU's multiply-add peak as code can reach it: twelve independent chains of vector FMAs held in registers
// (no memory traffic), on every OpenMP thread at once, for a fixed number of instructions. No kernel can run
// faster than this, so the benchmarks report it beside their floors (a large matmul's rate sits just below).
// fp32: AVX-512 (vfmadd231ps zmm, 32 FLOP per instruction), else AVX2 + FMA (ymm, 16). bf16: vdpbf16ps zmm
// (16 lanes x 2 products and 2 sums, 64 FLOP per instruction) where the CPU has AVX512_BF16.
#include <immintrin.h>
#include <omp.h>

#include <chrono>
#include <cstdint>

#include "addon_functions.h"
#include "napi_args.h"

namespace raunet {

namespace {

#define RAUNET_TWELVE(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

// Each returns a value depending on every chain, so the loop cannot be dropped.
__attribute__((target("avx512f"))) float fmaZmm(int64_t iters) {
#define DECL(i) __m512 a##i = _mm512_set1_ps(1.f + (i) * 1e-7f);
  RAUNET_TWELVE(DECL)
#undef DECL
  const __m512 b = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; it++) {
#define STEP(i) a##i = _mm512_fmadd_ps(a##i, b, c);
    RAUNET_TWELVE(STEP)
#undef STEP
  }
  float s = 0;
#define SUM(i) s += _mm512_reduce_add_ps(a##i);
  RAUNET_TWELVE(SUM)
#undef SUM
  return s;
}

__attribute__((target("avx2,fma"))) float fmaYmm(int64_t iters) {
#define DECL(i) __m256 a##i = _mm256_set1_ps(1.f + (i) * 1e-7f);
  RAUNET_TWELVE(DECL)
#undef DECL
  const __m256 b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; it++) {
#define STEP(i) a##i = _mm256_fmadd_ps(a##i, b, c);
    RAUNET_TWELVE(STEP)
#undef STEP
  }
  alignas(32) float lanes[8];
  float s = 0;
#define SUM(i)                     \
  _mm256_store_ps(lanes, a##i);    \
  for (float l : lanes) s += l;
  RAUNET_TWELVE(SUM)
#undef SUM
  return s;
}

__attribute__((target("avx512f,avx512bf16"))) float dotBf16Zmm(int64_t iters) {
#define DECL(i) __m512 a##i = _mm512_set1_ps((i) * 1e-7f);
  RAUNET_TWELVE(DECL)
#undef DECL
  const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(1e-3f));
  for (int64_t it = 0; it < iters; it++) {
#define STEP(i) a##i = _mm512_dpbf16_ps(a##i, b, b);
    RAUNET_TWELVE(STEP)
#undef STEP
  }
  float s = 0;
#define SUM(i) s += _mm512_reduce_add_ps(a##i);
  RAUNET_TWELVE(SUM)
#undef SUM
  return s;
}

#undef RAUNET_TWELVE

// GFLOP per second of wall time on all threads, or 0 when this CPU lacks the instructions.
double peakGflops(bool bf16) {
  __builtin_cpu_init();
  const bool zmm = __builtin_cpu_supports("avx512f");
  if (bf16 && !(zmm && bf16Supported())) return 0;
  if (!zmm && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return 0;
  const double flopPerIter = 12.0 * (bf16 ? 64 : zmm ? 32 : 16);
  const int64_t iters = 20'000'000;  // about 0.1-0.2 s at a few GHz
  const int threads = omp_get_max_threads();
  volatile float sink = 0;
  const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
  {
    const float s = bf16 ? dotBf16Zmm(iters) : zmm ? fmaZmm(iters) : fmaYmm(iters);
#pragma omp atomic
    sink += s;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return flopPerIter * static_cast<double>(iters) * threads / seconds / 1e9;
}

}  // namespace

// peakGflops(bf16) -> GFLOP per second of wall time on all oneDNN threads (0 without the instructions)
napi_value PeakGflops(napi_env env, napi_callback_info info) {
  return guarded(env, info, 1, [&](napi_value *argv) {
    bool bf16 = false;
    NAPI_OK(napi_get_value_bool(env, argv[0], &bf16));
    napi_value v;
    NAPI_OK(napi_create_double(env, peakGflops(bf16), &v));
    return v;
  });
}

}  // namespace raunet
