// oneDNN 3D convolution (forward, backward data, backward weights) on the tfjs cpu backend's own
// Float32Arrays. Data NDHWC, filters in TF layout [kd, kh, kw, in, out] (oneDNN `dhwio`). Primitives are
// cached per shape (one template for the three directions); the filter layout is left to oneDNN (`any`)
// and reordered per call (small); activations stay `ndhwc` so no large reorder happens.
#include <oneapi/dnnl/dnnl.hpp>

#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "addon_functions.h"
#include "conv3d_geometry.h"
#include "napi_args.h"
#include "onednn_context.h"

namespace raunet {

namespace {

// Memories moving between the caller's full input (strided sub-view) and a dense cropped buffer.
struct CropMem {
  memory full_sub;  // sub-view of the caller's full NDHWC buffer (handle = caller's pointer)
  memory dense;     // oneDNN-owned dense buffer of the cropped shape
  dnnl::reorder reorder;  // full_sub -> dense for an input, dense -> full_sub for an output
};

CropMem makeCropMem(const ConvParams &full, const Crop &c, bool toDense) {
  auto &eng = onednn().eng;
  CropMem m;
  memory::desc full_md(full.src(), dt::f32, tag::ndhwc);
  memory::desc sub_md = full_md.submemory_desc(c.inner.src(), c.offsets);
  m.full_sub = memory(sub_md, eng, nullptr);
  m.dense = memory({c.inner.src(), dt::f32, tag::ndhwc}, eng);
  m.reorder = toDense ? dnnl::reorder(m.full_sub, m.dense) : dnnl::reorder(m.dense, m.full_sub);
  return m;
}

dnnl::convolution_forward::primitive_desc makeFwdPd(const ConvParams &p) {
  memory::desc src(p.src(), dt::f32, tag::ndhwc);
  memory::desc wei(p.wei(), dt::f32, tag::any);
  memory::desc dst(p.dst(), dt::f32, tag::ndhwc);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                    src, wei, dst, p.strides(), p.padl(), p.padr());
  return dnnl::convolution_forward::primitive_desc(d, onednn().eng);
}

// The three directions as traits: the primitive, its memories, and which way data and weights flow.
// `act` is the input-shaped activation (src or diff_src), `other` the output-shaped one (dst or diff_dst).
struct Forward {
  using Prim = dnnl::convolution_forward;
  using Pd = Prim::primitive_desc;
  static Pd pd(const ConvParams &q) { return makeFwdPd(q); }
  static memory::desc act(const Pd &pd) { return pd.src_desc(); }
  static memory::desc other(const Pd &pd) { return pd.dst_desc(); }
  static memory::desc wei(const Pd &pd) { return pd.weights_desc(); }
  static constexpr int kAct = DNNL_ARG_SRC, kOther = DNNL_ARG_DST, kWei = DNNL_ARG_WEIGHTS;
  static constexpr bool kActIn = true, kWeiIn = true;
};

struct BackwardData {
  using Prim = dnnl::convolution_backward_data;
  using Pd = Prim::primitive_desc;
  static Pd pd(const ConvParams &q) {
    memory::desc diff_src(q.src(), dt::f32, tag::ndhwc);
    memory::desc wei(q.wei(), dt::f32, tag::any);
    memory::desc diff_dst(q.dst(), dt::f32, tag::ndhwc);
    Prim::desc d(dnnl::algorithm::convolution_direct, diff_src, wei, diff_dst, q.strides(), q.padl(), q.padr());
    return Pd(d, onednn().eng, makeFwdPd(q));
  }
  static memory::desc act(const Pd &pd) { return pd.diff_src_desc(); }
  static memory::desc other(const Pd &pd) { return pd.diff_dst_desc(); }
  static memory::desc wei(const Pd &pd) { return pd.weights_desc(); }
  static constexpr int kAct = DNNL_ARG_DIFF_SRC, kOther = DNNL_ARG_DIFF_DST, kWei = DNNL_ARG_WEIGHTS;
  static constexpr bool kActIn = false, kWeiIn = true;
};

struct BackwardWeights {
  using Prim = dnnl::convolution_backward_weights;
  using Pd = Prim::primitive_desc;
  static Pd pd(const ConvParams &q) {
    memory::desc src(q.src(), dt::f32, tag::ndhwc);
    memory::desc diff_wei(q.wei(), dt::f32, tag::any);
    memory::desc diff_dst(q.dst(), dt::f32, tag::ndhwc);
    Prim::desc d(dnnl::algorithm::convolution_direct, src, diff_wei, diff_dst, q.strides(), q.padl(), q.padr());
    return Pd(d, onednn().eng, makeFwdPd(q));
  }
  static memory::desc act(const Pd &pd) { return pd.src_desc(); }
  static memory::desc other(const Pd &pd) { return pd.diff_dst_desc(); }
  static memory::desc wei(const Pd &pd) { return pd.diff_weights_desc(); }
  static constexpr int kAct = DNNL_ARG_SRC, kOther = DNNL_ARG_DIFF_DST, kWei = DNNL_ARG_DIFF_WEIGHTS;
  static constexpr bool kActIn = true, kWeiIn = false;
};

// A cached primitive with its memories (data handles set per call).
template <typename K>
struct Entry {
  Crop crop;
  CropMem cm;
  typename K::Prim prim;
  memory act, other, wei_user, wei;
  bool reorder_needed = false;
  dnnl::reorder wei_reorder;  // wei_user -> wei for input weights, wei -> wei_user for weight gradients
};

// One cache per thread: an entry's memories get the caller's data handles at each call, so JS threads
// (worker_threads) that share the addon must not share entries.
template <typename K>
std::map<std::string, std::unique_ptr<Entry<K>>> &cache() {
  static thread_local std::map<std::string, std::unique_ptr<Entry<K>>> c;
  return c;
}

template <typename K>
Entry<K> &entry(const ConvParams &p) {
  auto &c = cache<K>();
  auto key = p.key();
  auto it = c.find(key);
  if (it != c.end()) return *it->second;
  auto &eng = onednn().eng;
  auto e = std::make_unique<Entry<K>>();
  e->crop = cropOf(p);
  if (e->crop.any) e->cm = makeCropMem(p, e->crop, K::kActIn);
  auto pd = K::pd(e->crop.inner);
  e->prim = typename K::Prim(pd);
  e->act = memory(K::act(pd), eng, nullptr);
  e->other = memory(K::other(pd), eng, nullptr);
  e->wei_user = memory({p.wei(), dt::f32, tag::dhwio}, eng, nullptr);
  e->reorder_needed = K::wei(pd) != e->wei_user.get_desc();
  if (e->reorder_needed) {
    e->wei = memory(K::wei(pd), eng);
    e->wei_reorder = K::kWeiIn ? dnnl::reorder(e->wei_user, e->wei) : dnnl::reorder(e->wei, e->wei_user);
  }
  auto &ref = *e;
  c.emplace(key, std::move(e));
  return ref;
}

// Runs direction K on the caller's buffers: `act` input-shaped, `other` output-shaped, `w` the filter.
template <typename K>
void run(const ConvParams &p, float *act, float *other, float *w) {
  auto &e = entry<K>(p);
  auto &strm = onednn().strm;
  if (e.crop.any) {
    e.act.set_data_handle(e.cm.dense.get_data_handle());
    if (K::kActIn) {
      e.cm.full_sub.set_data_handle(act);
      e.cm.reorder.execute(strm, e.cm.full_sub, e.cm.dense);
    }
  } else {
    e.act.set_data_handle(act);
  }
  e.other.set_data_handle(other);
  e.wei_user.set_data_handle(w);
  if (K::kWeiIn && e.reorder_needed) {
    OneThread one(prod(p.wei()) < kSmallReorder);
    e.wei_reorder.execute(strm, e.wei_user, e.wei);
    strm.wait();
  }
  e.prim.execute(strm, {{K::kAct, e.act}, {K::kOther, e.other}, {K::kWei, e.reorder_needed ? e.wei : e.wei_user}});
  if (!K::kWeiIn && e.reorder_needed) {
    strm.wait();
    OneThread one(prod(p.wei()) < kSmallReorder);
    e.wei_reorder.execute(strm, e.wei, e.wei_user);
    strm.wait();
  }
  if (!K::kActIn && e.crop.any) {
    // Input voxels outside the crop get no gradient.
    std::memset(act, 0, prod(p.src()) * sizeof(float));
    e.cm.full_sub.set_data_handle(act);
    e.cm.reorder.execute(strm, e.cm.dense, e.cm.full_sub);
  }
  strm.wait();
}

ConvParams paramsArg(napi_env env, napi_value v) {
  const int32_t *q = int32Arg(env, v, 21, "params");
  return ConvParams{q[0],  q[1],  q[2],  q[3],  q[4],  q[5],  q[6],  q[7],  q[8],  q[9], q[10],
                    q[11], q[12], q[13], q[14], q[15], q[16], q[17], q[18], q[19], q[20]};
}

}  // namespace

// conv3dForward(x, filter, y, params, bf16) -> whether it ran in bf16: with `bf16` true, in bf16 with f32
// accumulation when this CPU and shape allow it (conv3d_bf16.cc), otherwise in f32.
napi_value Conv3dForward(napi_env env, napi_callback_info info) {
  return guarded(env, info, 5, [&](napi_value *argv) {
    ConvParams p = paramsArg(env, argv[3]);
    float *x = floatArg(env, argv[0], prod(p.src()), "x");
    float *w = floatArg(env, argv[1], prod(p.wei()), "filter");
    float *y = floatArg(env, argv[2], prod(p.dst()), "y");
    bool bf16 = false;
    NAPI_OK(napi_get_value_bool(env, argv[4], &bf16));
    const bool ranBf16 = bf16 && conv3dForwardBf16(p, x, w, y);
    if (!ranBf16) run<Forward>(p, x, y, w);
    return boolValue(env, ranBf16);
  });
}

// conv3dBackwardData(dy, filter, dx, params)
napi_value Conv3dBackwardData(napi_env env, napi_callback_info info) {
  return guarded(env, info, 4, [&](napi_value *argv) {
    ConvParams p = paramsArg(env, argv[3]);
    float *dy = floatArg(env, argv[0], prod(p.dst()), "dy");
    float *w = floatArg(env, argv[1], prod(p.wei()), "filter");
    float *dx = floatArg(env, argv[2], prod(p.src()), "dx");
    run<BackwardData>(p, dx, dy, w);
    return undefinedValue(env);
  });
}

// conv3dBackwardFilter(x, dy, dw, params)
napi_value Conv3dBackwardFilter(napi_env env, napi_callback_info info) {
  return guarded(env, info, 4, [&](napi_value *argv) {
    ConvParams p = paramsArg(env, argv[3]);
    float *x = floatArg(env, argv[0], prod(p.src()), "x");
    float *dy = floatArg(env, argv[1], prod(p.dst()), "dy");
    float *dw = floatArg(env, argv[2], prod(p.wei()), "dw");
    run<BackwardWeights>(p, x, dy, dw);
    return undefinedValue(env);
  });
}

size_t conv3dCachedPrimitives() {
  return conv3dBf16CachedPrimitives() + cache<Forward>().size() + cache<BackwardData>().size() +
         cache<BackwardWeights>().size();
}

void conv3dClearCache() {
  conv3dBf16ClearCache();
  cache<Forward>().clear();
  cache<BackwardData>().clear();
  cache<BackwardWeights>().clear();
}

}  // namespace raunet
