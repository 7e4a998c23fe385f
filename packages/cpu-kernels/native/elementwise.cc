// Memory-bound kernels for the tfjs cpu backend: broadcasting binary ops, strided copies (slice, split,
// unstack, pad) and axis reductions. Plain C++ loops the compiler vectorizes, threaded by a small
// work-claiming pool (work_pool.h) with as many threads as oneDNN's OpenMP; the
// JS side collapses shapes so that the innermost loop is long and contiguous where possible.
#include "elementwise.h"
#include "vector_math.h"
#include "work_pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

namespace raunet {

namespace {

template <int OP>
inline float apply(float a, float b) {
  if constexpr (OP == 0) return a + b;
  if constexpr (OP == 1) return a - b;
  if constexpr (OP == 2) return a * b;
  return a / b;
}

// Row offsets for two stride sets, advanced row by row like an odometer (no division per row: rows of
// 16 channels made the divisions of rowOffset the main cost of a broadcast op).
struct RowCursor {
  const std::vector<int64_t> &shape, &s0, &s1;
  std::vector<int64_t> idx;
  int64_t off0 = 0, off1 = 0;
  RowCursor(int64_t row, const std::vector<int64_t> &shape_, const std::vector<int64_t> &a,
            const std::vector<int64_t> &b)
      : shape(shape_), s0(a), s1(b), idx(shape_.size(), 0) {
    for (int d = static_cast<int>(shape.size()) - 2; d >= 0; d--) {
      idx[d] = row % shape[d];
      row /= shape[d];
      off0 += idx[d] * s0[d];
      off1 += idx[d] * s1[d];
    }
  }
  void next() {
    for (int d = static_cast<int>(shape.size()) - 2; d >= 0; d--) {
      if (++idx[d] < shape[d]) {
        off0 += s0[d];
        off1 += s1[d];
        return;
      }
      idx[d] = 0;
      off0 -= (shape[d] - 1) * s0[d];
      off1 -= (shape[d] - 1) * s1[d];
    }
  }
};

// Splits the flat range [0, rows * inner) over threads (or runs it serially when small) and calls
// seg(row, off0, off1, col_begin, col_end) for every piece of a row, with the row's offsets for the stride
// sets s0 and s1, so a single long row is threaded too.
template <typename F>
void parallelSegments(const std::vector<int64_t> &shape, const std::vector<int64_t> &s0,
                      const std::vector<int64_t> &s1, F seg) {
  const int r = static_cast<int>(shape.size());
  const int64_t inner = shape[r - 1];
  int64_t rows = 1;
  for (int d = 0; d < r - 1; d++) rows *= shape[d];
  const int64_t total = rows * inner;
  // chunk boundaries on 16-element multiples keep each chunk's stores on its own cache lines
  parallelRange(total, total, 16, [&](int64_t b, int64_t e) {
    if (b >= e) return;
    RowCursor cur(b / inner, shape, s0, s1);
    int64_t row = b / inner;
    while (b < e) {
      const int64_t col = b % inner;
      const int64_t end = std::min<int64_t>(inner, col + (e - b));
      seg(row, cur.off0, cur.off1, col, end);
      b += end - col;
      row++;
      cur.next();
    }
  });
}

template <int OP>
void binaryT(const float *a, const std::vector<int64_t> &sa, const float *b, const std::vector<int64_t> &sb,
             float *out, const std::vector<int64_t> &shape) {
  const int r = static_cast<int>(shape.size());
  const int64_t inner = shape[r - 1];
  const int64_t ia = sa[r - 1], ib = sb[r - 1];
  parallelSegments(shape, sa, sb, [&](int64_t row, int64_t oa, int64_t ob, int64_t c0, int64_t c1) {
    const float *pa = a + oa;
    const float *pb = b + ob;
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
  const int64_t is = ss[r - 1], id = ds[r - 1];
  parallelSegments(shape, ss, ds, [&](int64_t, int64_t os, int64_t od, int64_t c0, int64_t c1) {
    const float *ps = src + os;
    float *pd = dst + od;
    if (is == 1 && id == 1) std::memcpy(pd + c0, ps + c0, (c1 - c0) * sizeof(float));
    else
      for (int64_t i = c0; i < c1; i++) pd[i * id] = ps[i * is];
  });
}

namespace {
template <typename F>
void map(const float *x, float *out, int64_t n, F f) {
  parallelRows(n, n, [&](int64_t b, int64_t e) {
    const F g = f;  // a local copy: captures are not re-read through a pointer in the loop
#pragma omp simd
    for (int64_t i = b; i < e; i++) out[i] = g(x[i]);
  });
}
}  // namespace

void unary(int op, const float *x, float *out, int64_t n, double alpha_, double beta) {
  const float alpha = static_cast<float>(alpha_);
  switch (op) {
    case 0: map(x, out, n, [](float v) { return v != v ? v : (v > 0.f ? v : 0.f); }); break;
    case 1: map(x, out, n, [alpha](float v) { return v != v ? v : (v > 0.f ? 1.f : alpha); }); break;
    case 2: map(x, out, n, [](float v) { return v * v; }); break;
    case 3: map(x, out, n, [](float v) { return std::sqrt(v); }); break;
    // the JS kernels compute in double and round once to float32; so do these (but exp and log)
    case 4: map(x, out, n, [](float v) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(v))); }); break;
    // exp (and sigmoid below) in double, vectorized (vector_math.cc): the JS kernels' value or 1 ulp from it
    case 5: parallelRows(n, n, [&](int64_t b, int64_t e) { expRange(x + b, out + b, e - b); }); break;
    // glibc's logf is correctly rounded but in rare cases (< 0.502 ulp): at most 1 ulp from the JS
    // kernels' double result rounded to float, at a third of the time of the double function
    case 6: map(x, out, n, [](float v) { return std::log(v); }); break;
    case 7: map(x, out, n, [](float v) { return -v; }); break;
    case 8: map(x, out, n, [](float v) { return std::fabs(v); }); break;
    case 9: parallelRows(n, n, [&](int64_t b, int64_t e) { sigmoidRange(x + b, out + b, e - b); }); break;
    default: {
      const double lo = alpha_, hi = beta;
      const float flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
      map(x, out, n, [=](float v) {
        const double d = v;
        return d > hi ? fhi : (d < lo ? flo : v);
      });
      break;
    }
  }
}

void fill(float *dst, int64_t n, float value) {
  parallelRows(n, n, [&](int64_t b, int64_t e) { std::fill(dst + b, dst + e, value); });
}

void reduceSum(const float *src, int64_t k1, int64_t r, int64_t k2, float *dst, float scale) {
  if (k1 >= 8 || k1 * r * k2 < kParallelMin) {
    // parallel over the kept outer axis (or serial when small): each output row summed in double
    if (k2 == 1) {  // contiguous rows (e.g. a softmax denominator): 4 running sums per row
      parallelRows(k1, k1 * r, [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; o++) {
          const float *p = src + o * r;
          double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          int64_t j = 0;
          for (; j + 4 <= r; j += 4) {
            s0 += p[j];
            s1 += p[j + 1];
            s2 += p[j + 2];
            s3 += p[j + 3];
          }
          for (; j < r; j++) s0 += p[j];
          dst[o] = static_cast<float>(((s0 + s1) + (s2 + s3)) * scale);
        }
      });
      return;
    }
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
  // few outer rows: split the reduced axis into fixed blocks, partial sums in double per block, then
  // combine the blocks in order (the same result whatever thread ran a block)
  const int64_t blockRows = std::max<int64_t>(1, kChunk / (k1 * k2));
  const int64_t blocks = (r + blockRows - 1) / blockRows;
  std::vector<double> partial(static_cast<size_t>(blocks) * k1 * k2, 0.0);
  const std::function<void(int64_t)> g = [&](int64_t blk) {
    const int64_t b = blk * blockRows, e = std::min(r, b + blockRows);
    double *acc = partial.data() + static_cast<size_t>(blk) * k1 * k2;
    std::vector<float> run(k2);
    for (int64_t o = 0; o < k1; o++) {
      const float *p = src + (o * r + b) * k2;
      double *a = acc + o * k2;
      // float sums over runs of 8 rows (vectorized), added to the double sums: at most 8 float roundings
      for (int64_t j = b; j < e;) {
        const int64_t je = std::min(e, j + 8);
        std::fill(run.begin(), run.end(), 0.f);
        float *__restrict q = run.data();
        for (; j < je; j++, p += k2)
          for (int64_t i = 0; i < k2; i++) q[i] += p[i];
        for (int64_t i = 0; i < k2; i++) a[i] += q[i];
      }
    }
  };
  workPool().run(blocks, g);
  for (int64_t x = 0; x < k1 * k2; x++) {
    double s = 0;
    for (int64_t t = 0; t < blocks; t++) s += partial[static_cast<size_t>(t) * k1 * k2 + x];
    dst[x] = static_cast<float>(s * scale);
  }
}

void reduceMax(const float *src, int64_t k1, int64_t r, int64_t k2, float *dst) {
  // the JS kernel's loop per output element: NaN wins and stays, otherwise the first largest value
  parallelRows(k1, k1 * r * k2, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; o++) {
      const float *p = src + o * r * k2;
      float *m = dst + o * k2;
      for (int64_t i = 0; i < k2; i++) m[i] = p[i];
      for (int64_t j = 0; j < r; j++, p += k2)
        for (int64_t i = 0; i < k2; i++) {
          const float v = p[i];
          if (v != v || v > m[i]) m[i] = v;
        }
    }
  });
}

}  // namespace raunet
