// Linear upsampling along one axis by an integer factor (half-pixel centres, edge clamping: PyTorch
// `align_corners=False`) and its adjoint (the gradient), each in one pass over a [outer, n, inner] view.
// layers-3d builds trilinear upsampling from three of these; as tf ops each axis was a chain of slices,
// concats, multiplies, adds and a stack, about ten temporaries of the output's size in the gradient. Every
// value is computed with the float operations of that chain in its order (upsample-3d.ts, ops.ts), so the
// results are bit-identical to it (no fused multiply-add: the build does not contract).
#include <cmath>
#include <vector>

#include "addon_functions.h"
#include "napi_args.h"
#include "work_pool.h"

namespace raunet {

namespace {

// Output phase r of `factor` reads source offset delta = (r + 0.5) / factor - 0.5: the input itself when
// delta is 0, else x * (1 - |delta|) + neighbour * |delta|, the neighbour being the next voxel (delta > 0)
// or the previous one (delta < 0), clamped at the edges.
struct Phase {
  bool direct;  // delta == 0: the input itself
  int side;     // +1 next, -1 previous (when not direct)
  float w;      // float(1 - |delta|)
  float wn;     // float(|delta|)
};

std::vector<Phase> phasesOf(int64_t factor) {
  std::vector<Phase> ph(static_cast<size_t>(factor));
  for (int64_t r = 0; r < factor; r++) {
    const double delta = (static_cast<double>(r) + 0.5) / static_cast<double>(factor) - 0.5;
    auto &p = ph[static_cast<size_t>(r)];
    p.direct = std::fabs(delta) < 1e-12;
    p.side = delta > 0 ? 1 : -1;
    p.w = static_cast<float>(delta > 0 ? 1 - delta : 1 + delta);
    p.wn = static_cast<float>(delta > 0 ? delta : -delta);
  }
  return ph;
}

void upsampleForward(const float *x, float *out, int64_t outer, int64_t n, int64_t inner, int64_t factor) {
  const std::vector<Phase> ph = phasesOf(factor);
  parallelRows(outer * n, outer * n * factor * inner, [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; row++) {
      const int64_t o = row / n, i = row % n;
      const float *xi = x + (o * n + i) * inner;
      const float *prev = x + (o * n + (i > 0 ? i - 1 : 0)) * inner;
      const float *next = x + (o * n + (i + 1 < n ? i + 1 : n - 1)) * inner;
      for (int64_t r = 0; r < factor; r++) {
        const Phase &p = ph[static_cast<size_t>(r)];
        float *__restrict po = out + ((o * n + i) * factor + r) * inner;
        if (p.direct) {
          for (int64_t k = 0; k < inner; k++) po[k] = xi[k];
          continue;
        }
        const float *nb = p.side > 0 ? next : prev;
        const float w = p.w, wn = p.wn;
        for (int64_t k = 0; k < inner; k++) {
          const float a = xi[k] * w;
          const float c = nb[k] * wn;
          po[k] = a + c;
        }
      }
    }
  });
}

// t = g * w (first) or t + g * w, rounded to float at each step as the chain's multiply and add are. A weight
// of 1 stands for a phase added unweighted (exact: g * 1 is g).
inline void addWeighted(float *t, const float *g, float w, bool first, int64_t inner) {
  if (first) {
    for (int64_t k = 0; k < inner; k++) t[k] = g[k] * w;
  } else {
    for (int64_t k = 0; k < inner; k++) {
      const float v = g[k] * w;
      t[k] = t[k] + v;
    }
  }
}

// dx[i] = direct(i) (+ prevAdjoint(toPrev)(i)) (+ nextAdjoint(toNext)(i)), where direct, toPrev and toNext
// accumulate the phases of dy at i in phase order, as upsample-3d.ts's linearUpsampleAxisAdjoint does;
// prevAdjoint(g) = [g0 + g1, g2, .., g(n-1), 0] and nextAdjoint(g) = [0, g0, .., g(n-3), g(n-2) + g(n-1)]
// (g itself when n is 1). Accumulated in dx's own row.
void upsampleAdjoint(const float *dy, float *dx, int64_t outer, int64_t n, int64_t inner, int64_t factor) {
  const std::vector<Phase> ph = phasesOf(factor);
  bool hasPrev = false, hasNext = false;
  for (const Phase &p : ph) {
    if (p.direct) continue;
    (p.side > 0 ? hasNext : hasPrev) = true;
  }
  parallelRows(outer * n, outer * n * factor * inner * 2, [&](int64_t b, int64_t e) {
    std::vector<float> side(static_cast<size_t>(inner)), side2(static_cast<size_t>(inner));
    // phases of dy at input position j: phase r is the row (j * factor + r)
    auto phaseRow = [&](int64_t o, int64_t j, int64_t r) { return dy + ((o * n + j) * factor + r) * inner; };
    // toPrev (s = -1) or toNext (s = +1) at position j into t: the phases of that side, weighted, summed in order
    auto sideSum = [&](int64_t o, int64_t j, int s, float *t) {
      bool first = true;
      for (int64_t r = 0; r < factor; r++) {
        const Phase &p = ph[static_cast<size_t>(r)];
        if (p.direct || p.side != s) continue;
        addWeighted(t, phaseRow(o, j, r), p.wn, first, inner);
        first = false;
      }
    };
    // adds the adjoint of the shift to side s at position i into the row a
    auto addShiftAdjoint = [&](float *a, int64_t o, int64_t i, int s) {
      float *t = side.data();
      if (n == 1) {
        sideSum(o, 0, s, t);
      } else if ((s < 0 && i == 0) || (s > 0 && i == n - 1)) {
        // the clamped edge: g0 + g1 (previous side) or g(n-2) + g(n-1) (next side)
        sideSum(o, s < 0 ? 0 : n - 2, s, t);
        sideSum(o, s < 0 ? 1 : n - 1, s, side2.data());
        for (int64_t k = 0; k < inner; k++) t[k] = t[k] + side2[static_cast<size_t>(k)];
      } else if ((s < 0 && i == n - 1) || (s > 0 && i == 0)) {
        for (int64_t k = 0; k < inner; k++) t[k] = 0.f;
      } else {
        sideSum(o, s < 0 ? i + 1 : i - 1, s, t);
      }
      for (int64_t k = 0; k < inner; k++) a[k] = a[k] + t[k];
    };
    for (int64_t row = b; row < e; row++) {
      const int64_t o = row / n, i = row % n;
      float *a = dx + (o * n + i) * inner;
      for (int64_t r = 0; r < factor; r++) {
        const Phase &p = ph[static_cast<size_t>(r)];
        addWeighted(a, phaseRow(o, i, r), p.direct ? 1.f : p.w, r == 0, inner);
      }
      if (hasPrev) addShiftAdjoint(a, o, i, -1);
      if (hasNext) addShiftAdjoint(a, o, i, 1);
    }
  });
}

}  // namespace

// linearUpsample(x, out, dims, adjoint): dims = Float64Array [outer, n, inner, factor]; forward: x
// [outer, n, inner] -> out [outer, n * factor, inner]; adjoint: x [outer, n * factor, inner] -> out
// [outer, n, inner].
napi_value LinearUpsample(napi_env env, napi_callback_info info) {
  return guarded(env, info, 4, [&](napi_value *argv) {
    F32 x = f32Any(env, argv[0], "x");
    F32 out = f32Any(env, argv[1], "out");
    auto d = dimsArg(env, argv[2], "dims");
    bool adjoint = false;
    NAPI_OK(napi_get_value_bool(env, argv[3], &adjoint));
    if (d.size() != 4 || d[0] < 1 || d[1] < 1 || d[2] < 1 || d[3] < 1) throw JsError{"linearUpsample: dims must be 4 positive sizes"};
    const int64_t outer = d[0], n = d[1], inner = d[2], factor = d[3];
    const size_t small = static_cast<size_t>(outer * n * inner), large = small * static_cast<size_t>(factor);
    if ((adjoint ? x.length != large || out.length != small : x.length != small || out.length != large))
      throw JsError{"linearUpsample: array sizes do not match dims"};
    if (adjoint) upsampleAdjoint(x.data, out.data, outer, n, inner, factor);
    else upsampleForward(x.data, out.data, outer, n, inner, factor);
    return undefinedValue(env);
  });
}

}  // namespace raunet
