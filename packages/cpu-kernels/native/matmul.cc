// Batched matmul on oneDNN's matmul primitive (tfjs BatchMatMul), cached per shape.
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "addon_functions.h"
#include "napi_args.h"
#include "onednn_context.h"

namespace raunet {

namespace {

struct MatmulEntry {
  dnnl::matmul prim;
  memory a, b, c;
  // bf16 (inference): `a` and `b` are the caller's f32 operands, converted per call into a bf16 copy of
  // `a` (plain, per call) and `b` (the primitive's layout, cached buffer) by these reorders.
  bool bf16 = false;
  memory::desc a16_md;
  memory b16;
  dnnl::reorder a_reorder, b_reorder;
};

// One cache per thread (see conv3d.cc's cache).
std::map<std::string, std::unique_ptr<MatmulEntry>> &matmulCache() {
  static thread_local std::map<std::string, std::unique_ptr<MatmulEntry>> c;
  return c;
}


// Creates the f32 matmul of the given operand descs, or its bf16 version when `bf16` (nullptr when oneDNN
// offers only a reference implementation for it).
std::unique_ptr<MatmulEntry> makeEntry(const memory::desc &amd, const memory::desc &bmd, const memory::desc &cmd,
                                       bool bf16) {
  auto &eng = onednn().eng;
  auto e = std::make_unique<MatmulEntry>();
  e->a = memory(amd, eng, nullptr);
  e->b = memory(bmd, eng, nullptr);
  e->c = memory(cmd, eng, nullptr);
  if (!bf16) {
    e->prim = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(amd, bmd, cmd), eng));
    return e;
  }
  e->bf16 = true;
  e->a16_md = memory::desc(amd.dims(), dt::bf16, memory::format_tag::abc);
  memory::desc b16_any(bmd.dims(), dt::bf16, memory::format_tag::any);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(e->a16_md, b16_any, cmd), eng);
  if (std::string(pd.impl_info_str()).rfind("ref", 0) == 0) return nullptr;
  e->prim = dnnl::matmul(pd);
  e->b16 = memory(pd.weights_desc(), eng);
  e->a_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(eng, amd, eng, e->a16_md));
  e->b_reorder = dnnl::reorder(e->b, e->b16);
  return e;
}

}  // namespace

// matmul(a, b, c, [batchA, batchB, M, K, N, transposeA, transposeB, bf16]) -> whether it ran in bf16:
// c[batch, M, N] = op(a) op(b), batchB (or batchA) may be 1 to broadcast. With bf16 = 1 (optional), the
// operands are converted to bf16 and the product accumulates in f32, when this CPU has native bf16 dot
// products and oneDNN an optimized implementation; otherwise it runs in f32.
napi_value Matmul(napi_env env, napi_callback_info info) {
  return guarded(env, info, 4, [&](napi_value *argv) {
    auto q = dimsArg(env, argv[3], "params");
    if (q.size() != 7 && q.size() != 8) throw JsError{"matmul: expected 7 or 8 params"};
    int64_t ba = q[0], bb = q[1], m = q[2], k = q[3], n = q[4];
    bool ta = q[5] != 0, tb = q[6] != 0;
    bool bf16 = q.size() == 8 && q[7] != 0 && bf16Supported();
    int64_t bc = std::max(ba, bb);
    if (ba < 1 || bb < 1 || m < 1 || k < 1 || n < 1 || (ba != bb && ba != 1 && bb != 1))
      throw JsError{"matmul: bad sizes"};
    F32 a = f32Any(env, argv[0], "a");
    F32 b = f32Any(env, argv[1], "b");
    F32 c = f32Any(env, argv[2], "c");
    if (a.length != static_cast<size_t>(ba * m * k) || b.length != static_cast<size_t>(bb * k * n) ||
        c.length != static_cast<size_t>(bc * m * n))
      throw JsError{"matmul: array sizes do not match"};
    // Small products run on one thread (primitive created and executed so): an OpenMP region costs more
    // than they do, and on a loaded machine its join waits a scheduler slice (measured 16 ms for a
    // 32x32x2304 product that takes well under 1 ms on one thread).
    const bool small = static_cast<double>(bc) * m * n * k < static_cast<double>(1 << 22);
    OneThread one(small);
    auto &cache = matmulCache();
    auto &cx = onednn();
    auto entryFor = [&](bool lowPrecision) -> MatmulEntry * {
      std::string key;
      for (int i = 0; i < 7; i++) key += std::to_string(q[i]) + ",";
      if (lowPrecision) key += "bf16";
      auto it = cache.find(key);
      if (it == cache.end()) {
        memory::desc amd({ba, m, k}, dt::f32, ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
        memory::desc bmd({bb, k, n}, dt::f32, tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
        memory::desc cmd({bc, m, n}, dt::f32, memory::dims{m * n, n, 1});
        it = cache.emplace(key, makeEntry(amd, bmd, cmd, lowPrecision)).first;
      }
      return it->second.get();
    };
    MatmulEntry *e = bf16 ? entryFor(true) : nullptr;
    if (e == nullptr) e = entryFor(false);
    e->a.set_data_handle(a.data);
    e->b.set_data_handle(b.data);
    e->c.set_data_handle(c.data);
    if (e->bf16) {
      // a's bf16 copy lives for this call only; b (the weights of a pointwise convolution) is small
      std::unique_ptr<uint16_t[]> a16_buf(new uint16_t[static_cast<size_t>(ba * m * k)]);
      memory a16(e->a16_md, cx.eng, a16_buf.get());
      e->a_reorder.execute(cx.strm, e->a, a16);
      {
        OneThread oneForB(!small && static_cast<size_t>(bb * k * n) < kSmallReorder);
        e->b_reorder.execute(cx.strm, e->b, e->b16);
        cx.strm.wait();
      }
      e->prim.execute(cx.strm, {{DNNL_ARG_SRC, a16}, {DNNL_ARG_WEIGHTS, e->b16}, {DNNL_ARG_DST, e->c}});
    } else {
      e->prim.execute(cx.strm, {{DNNL_ARG_SRC, e->a}, {DNNL_ARG_WEIGHTS, e->b}, {DNNL_ARG_DST, e->c}});
    }
    cx.strm.wait();
    return boolValue(env, e->bf16);
  });
}

void matmulClearCache() { matmulCache().clear(); }

}  // namespace raunet
