// The CPU's multiply-add peak as code can reach it: twelve independent chains of vector FMAs held in registers
// (no memory traffic), on every OpenMP thread at once, for a fixed number of instructions. No kernel can run
// faster than this, so the benchmarks report it beside their floors (a large matmul's rate sits just below).
// fp32: AVX-512 FMAs (zmm, 32 FLOP per instruction), else AVX2 + FMA (ymm, 16). bf16: vdpbf16ps zmm
// (16 lanes x 2 products and 2 sums, 64 FLOP per instruction) where the CPU has AVX512_BF16.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "addon_functions.h"
#include "napi_args.h"

namespace raunet {

namespace {

// The loop's shape, shared by the three instruction sets: twelve chains a0..a11 of vector type V start at
// INIT(i) (distinct values, exact in float, so that the compiler cannot merge two chains) and each becomes STEP(a)
// every iteration (independent, so they pipeline); the result adds up every lane
// (REDUCE), so the loop cannot be dropped.
#define RAUNET_TWELVE(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define RAUNET_DECL(i) V a##i = INIT(i);
#define RAUNET_STEP(i) a##i = STEP(a##i);
#define RAUNET_SUM(i) s += REDUCE(a##i);
#define RAUNET_PEAK_LOOP                                           \
  RAUNET_TWELVE(RAUNET_DECL)                                       \
  for (int64_t it = 0; it < iters; it++) { RAUNET_TWELVE(RAUNET_STEP) } \
  float s = 0;                                                     \
  RAUNET_TWELVE(RAUNET_SUM)                                        \
  return s;

__attribute__((target("avx512f"))) float fmaZmm(int64_t iters) {
  using V = __m512;
  const V b = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
#define INIT(i) _mm512_set1_ps(1.f + (i) * 0.0625f)
#define STEP(a) _mm512_fmadd_ps(a, b, c)
#define REDUCE(a) _mm512_reduce_add_ps(a)
  RAUNET_PEAK_LOOP
#undef INIT
#undef STEP
#undef REDUCE
}

__attribute__((target("avx2,fma"))) float sumYmm(__m256 v) {
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, v);
  float s = 0;
  for (float l : lanes) s += l;
  return s;
}

__attribute__((target("avx2,fma"))) float fmaYmm(int64_t iters) {
  using V = __m256;
  const V b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
#define INIT(i) _mm256_set1_ps(1.f + (i) * 0.0625f)
#define STEP(a) _mm256_fmadd_ps(a, b, c)
#define REDUCE(a) sumYmm(a)
  RAUNET_PEAK_LOOP
#undef INIT
#undef STEP
#undef REDUCE
}

__attribute__((target("avx512f,avx512bf16"))) float dotBf16Zmm(int64_t iters) {
  using V = __m512;
  const __m512bh b = _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-3f), _mm512_set1_ps(1e-3f));
#define INIT(i) _mm512_set1_ps((i) * 0.0625f)
#define STEP(a) _mm512_dpbf16_ps(a, b, b)
#define REDUCE(a) _mm512_reduce_add_ps(a)
  RAUNET_PEAK_LOOP
#undef INIT
#undef STEP
#undef REDUCE
}

#undef RAUNET_PEAK_LOOP
#undef RAUNET_SUM
#undef RAUNET_STEP
#undef RAUNET_DECL
#undef RAUNET_TWELVE

// GFLOP per second of wall time on all threads, or 0 when this CPU lacks the instructions: the best of three
// runs (a thread of another pool still spinning, or another process, can take a core from one of them).
double peakGflops(bool bf16) {
  __builtin_cpu_init();
  const bool zmm = __builtin_cpu_supports("avx512f");
  if (bf16 && !(zmm && bf16Supported())) return 0;
  if (!zmm && !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return 0;
  const double flopPerIter = 12.0 * (bf16 ? 64 : zmm ? 32 : 16);
  const int64_t iters = 10'000'000;  // about 0.03-0.1 s per run at a few GHz
  const int threads = omp_get_max_threads();
  volatile float sink = 0;
  double best = 0;
  for (int run = 0; run < 3; run++) {
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const float s = bf16 ? dotBf16Zmm(iters) : zmm ? fmaZmm(iters) : fmaYmm(iters);
#pragma omp atomic
      sink += s;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, flopPerIter * static_cast<double>(iters) * threads / seconds / 1e9);
  }
  return best;
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
