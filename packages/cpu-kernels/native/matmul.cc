// Batched matmul on oneDNN's matmul primitive (tfjs BatchMatMul), cached per shape.
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
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
};

std::map<std::string, std::unique_ptr<MatmulEntry>> &matmulCache() {
  static std::map<std::string, std::unique_ptr<MatmulEntry>> c;
  return c;
}

// Sets OpenMP to one thread for its lifetime when `on`, then restores the previous count.
struct OneThread {
  int prev = 0;
  explicit OneThread(bool on) : prev(on ? omp_get_max_threads() : 0) {
    if (on) omp_set_num_threads(1);
  }
  ~OneThread() {
    if (prev > 0) omp_set_num_threads(prev);
  }
};

}  // namespace

// matmul(a, b, c, [batchA, batchB, M, K, N, transposeA, transposeB]): c[batch, M, N] = op(a) op(b),
// batchB (or batchA) may be 1 to broadcast.
napi_value Matmul(napi_env env, napi_callback_info info) {
  return guarded(env, info, 4, [&](napi_value *argv) {
    auto q = dimsArg(env, argv[3], "params");
    if (q.size() != 7) throw JsError{"matmul: expected 7 params"};
    int64_t ba = q[0], bb = q[1], m = q[2], k = q[3], n = q[4];
    bool ta = q[5] != 0, tb = q[6] != 0;
    int64_t bc = std::max(ba, bb);
    if (ba < 1 || bb < 1 || m < 1 || k < 1 || n < 1 || (ba != bb && ba != 1 && bb != 1))
      throw JsError{"matmul: bad sizes"};
    F32 a = f32Any(env, argv[0], "a");
    F32 b = f32Any(env, argv[1], "b");
    F32 c = f32Any(env, argv[2], "c");
    if (a.length != static_cast<size_t>(ba * m * k) || b.length != static_cast<size_t>(bb * k * n) ||
        c.length != static_cast<size_t>(bc * m * n))
      throw JsError{"matmul: array sizes do not match"};
    std::string key;
    for (auto v : q) key += std::to_string(v) + ",";
    // Small products run on one thread (primitive created and executed so): an OpenMP region costs more
    // than they do, and on a loaded machine its join waits a scheduler slice (measured 16 ms for a
    // 32x32x2304 product that takes well under 1 ms on one thread).
    const bool small = static_cast<double>(bc) * m * n * k < static_cast<double>(1 << 22);
    OneThread one(small);
    auto &cache = matmulCache();
    auto it = cache.find(key);
    auto &cx = onednn();
    if (it == cache.end()) {
      memory::desc amd({ba, m, k}, dt::f32, ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
      memory::desc bmd({bb, k, n}, dt::f32, tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
      memory::desc cmd({bc, m, n}, dt::f32, memory::dims{m * n, n, 1});
      auto e = std::make_unique<MatmulEntry>();
      dnnl::matmul::desc d(amd, bmd, cmd);
      dnnl::matmul::primitive_desc pd(d, cx.eng);
      e->prim = dnnl::matmul(pd);
      e->a = memory(amd, cx.eng, nullptr);
      e->b = memory(bmd, cx.eng, nullptr);
      e->c = memory(cmd, cx.eng, nullptr);
      it = cache.emplace(key, std::move(e)).first;
    }
    auto &e = *it->second;
    e.a.set_data_handle(a.data);
    e.b.set_data_handle(b.data);
    e.c.set_data_handle(c.data);
    e.prim.execute(cx.strm, {{DNNL_ARG_SRC, e.a}, {DNNL_ARG_WEIGHTS, e.b}, {DNNL_ARG_DST, e.c}});
    cx.strm.wait();
    return undefinedValue(env);
  });
}

void matmulClearCache() { matmulCache().clear(); }

}  // namespace raunet
