// Memory-bound kernels for the tfjs cpu backend: broadcasting binary ops, strided copies (slice, split,
// unstack, pad) and axis reductions. Plain C++ loops the compiler vectorizes, threaded with OpenMP; the
// JS side collapses shapes so that the innermost loop is long and contiguous where possible.
#include "elementwise.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace raunet {

namespace {

constexpr int64_t kParallelMin = 1 << 15;

// Calls f(outer_index_range_begin, end) split over threads when the work is large.
template <typename F>
void parallelRows(int64_t rows, int64_t work, F f) {
  if (work < kParallelMin || rows < 2) {
    f(0, rows);
    return;
  }
#pragma omp parallel
  {
    int nt = omp_get_num_threads();
    int t = omp_get_thread_num();
    int64_t chunk = (rows + nt - 1) / nt;
    int64_t b = std::min<int64_t>(rows, chunk * t);
    int64_t e = std::min<int64_t>(rows, b + chunk);
    if (b < e) f(b, e);
  }
}

// Offset of row `row` (an index over all dims but the last) for strides `s`.
inline int64_t rowOffset(int64_t row, const std::vector<int64_t> &shape, const std::vector<int64_t> &s) {
  int64_t off = 0;
  for (int d = static_cast<int>(shape.size()) - 2; d >= 0; d--) {
    int64_t i = row % shape[d];
    row /= shape[d];
    off += i * s[d];
  }
  return off;
}

template <int OP>
inline float apply(float a, float b) {
  if constexpr (OP == 0) return a + b;
  if constexpr (OP == 1) return a - b;
  if constexpr (OP == 2) return a * b;
  return a / b;
}

// Splits the flat range [0, rows * inner) over threads (or runs it serially when small) and calls
// seg(row, col_begin, col_end) for every piece of a row, so a single long row is threaded too.
template <typename F>
void parallelSegments(int64_t rows, int64_t inner, F seg) {
  const int64_t total = rows * inner;
  auto run = [&](int64_t b, int64_t e) {
    while (b < e) {
      const int64_t row = b / inner, col = b % inner;
      const int64_t end = std::min<int64_t>(inner, col + (e - b));
      seg(row, col, end);
      b += end - col;
    }
  };
  if (total < kParallelMin) {
    run(0, total);
    return;
  }
#pragma omp parallel
  {
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    // chunk boundaries on 16-element multiples keep each thread's stores on its own cache lines
    const int64_t chunk = ((total + nt - 1) / nt + 15) / 16 * 16;
    const int64_t b = std::min<int64_t>(total, chunk * t), e = std::min<int64_t>(total, b + chunk);
    if (b < e) run(b, e);
  }
}

template <int OP>
void binaryT(const float *a, const std::vector<int64_t> &sa, const float *b, const std::vector<int64_t> &sb,
             float *out, const std::vector<int64_t> &shape) {
  const int r = static_cast<int>(shape.size());
  const int64_t inner = shape[r - 1];
  int64_t rows = 1;
  for (int d = 0; d < r - 1; d++) rows *= shape[d];
  const int64_t ia = sa[r - 1], ib = sb[r - 1];
  parallelSegments(rows, inner, [&](int64_t row, int64_t c0, int64_t c1) {
    const float *pa = a + rowOffset(row, shape, sa);
    const float *pb = b + rowOffset(row, shape, sb);
    float *__restrict po = out + row * inner;
    if (ia == 1 && ib == 1) {
      for (int64_t i = c0; i < c1; i++) po[i] = apply<OP>(pa[i], pb[i]);
    } else if (ia == 1 && ib == 0) {
      const float vb = pb[0];
      for (int64_t i = c0; i < c1; i++) po[i] = apply<OP>(pa[i], vb);
    } else if (ia == 0 && ib == 1) {
      const float va = pa[0];
      for (int64_t i = c0; i < c1; i++) po[i] = apply<OP>(va, pb[i]);
    } else {
      for (int64_t i = c0; i < c1; i++) po[i] = apply<OP>(pa[i * ia], pb[i * ib]);
    }
  });
}

}  // namespace

void binary(int op, const float *a, const std::vector<int64_t> &sa, const float *b, const std::vector<int64_t> &sb,
            float *out, const std::vector<int64_t> &shape) {
  switch (op) {
    case 0: binaryT<0>(a, sa, b, sb, out, shape); break;
    case 1: binaryT<1>(a, sa, b, sb, out, shape); break;
    case 2: binaryT<2>(a, sa, b, sb, out, shape); break;
    default: binaryT<3>(a, sa, b, sb, out, shape); break;
  }
}

void stridedCopy(const float *src, const std::vector<int64_t> &ss, float *dst, const std::vector<int64_t> &ds,
                 const std::vector<int64_t> &shape) {
  const int r = static_cast<int>(shape.size());
  const int64_t inner = shape[r - 1];
  int64_t rows = 1;
  for (int d = 0; d < r - 1; d++) rows *= shape[d];
  const int64_t is = ss[r - 1], id = ds[r - 1];
  parallelSegments(rows, inner, [&](int64_t row, int64_t c0, int64_t c1) {
    const float *ps = src + rowOffset(row, shape, ss);
    float *pd = dst + rowOffset(row, shape, ds);
    if (is == 1 && id == 1) std::memcpy(pd + c0, ps + c0, (c1 - c0) * sizeof(float));
    else
      for (int64_t i = c0; i < c1; i++) pd[i * id] = ps[i * is];
  });
}

namespace {
template <typename F>
void map(const float *x, float *out, int64_t n, F f) {
  parallelRows(n, n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) out[i] = f(x[i]);
  });
}
}  // namespace

void unary(int op, const float *x, float *out, int64_t n, float alpha) {
  switch (op) {
    case 0: map(x, out, n, [](float v) { return v != v ? v : (v > 0.f ? v : 0.f); }); break;
    case 1: map(x, out, n, [alpha](float v) { return v != v ? v : (v > 0.f ? 1.f : alpha); }); break;
    case 2: map(x, out, n, [](float v) { return v * v; }); break;
    case 3: map(x, out, n, [](float v) { return std::sqrt(v); }); break;
    // the JS kernels compute in double and round once to float32; so do these
    case 4: map(x, out, n, [](float v) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(v))); }); break;
    case 5: map(x, out, n, [](float v) { return static_cast<float>(std::exp(static_cast<double>(v))); }); break;
    case 6: map(x, out, n, [](float v) { return static_cast<float>(std::log(static_cast<double>(v))); }); break;
    case 7: map(x, out, n, [](float v) { return -v; }); break;
    case 8: map(x, out, n, [](float v) { return std::fabs(v); }); break;
    default:
      map(x, out, n, [](float v) { return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(v)))); });
      break;
  }
}

void fill(float *dst, int64_t n, float value) {
  parallelRows(n, n, [&](int64_t b, int64_t e) { std::fill(dst + b, dst + e, value); });
}

void reduceSum(const float *src, int64_t k1, int64_t r, int64_t k2, float *dst, float scale) {
  if (k1 >= 2 * omp_get_max_threads() || k1 * r * k2 < kParallelMin) {
    // parallel over the kept outer axis (or serial when small): each output row summed in double
    parallelRows(k1, k1 * r * k2, [&](int64_t b, int64_t e) {
      std::vector<double> acc(k2);
      for (int64_t o = b; o < e; o++) {
        std::fill(acc.begin(), acc.end(), 0.0);
        const float *p = src + o * r * k2;
        for (int64_t j = 0; j < r; j++, p += k2)
          for (int64_t i = 0; i < k2; i++) acc[i] += p[i];
        for (int64_t i = 0; i < k2; i++) dst[o * k2 + i] = static_cast<float>(acc[i] * scale);
      }
    });
    return;
  }
  // few outer rows: split the reduced axis over threads, partial sums in double, then combine
  const int nt = omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(nt) * k1 * k2, 0.0);
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num();
    int n = omp_get_num_threads();
    int64_t chunk = (r + n - 1) / n;
    int64_t b = std::min<int64_t>(r, chunk * t), e = std::min<int64_t>(r, b + chunk);
    double *acc = partial.data() + static_cast<size_t>(t) * k1 * k2;
    for (int64_t o = 0; o < k1; o++) {
      const float *p = src + (o * r + b) * k2;
      double *a = acc + o * k2;
      for (int64_t j = b; j < e; j++, p += k2)
        for (int64_t i = 0; i < k2; i++) a[i] += p[i];
    }
  }
  for (int64_t x = 0; x < k1 * k2; x++) {
    double s = 0;
    for (int t = 0; t < nt; t++) s += partial[static_cast<size_t>(t) * k1 * k2 + x];
    dst[x] = static_cast<float>(s * scale);
  }
}

}  // namespace raunet
