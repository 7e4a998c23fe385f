// Node-API addon: oneDNN 2.x 3D convolution (forward, backward data, backward weights) on the tfjs cpu
// backend's own Float32Arrays. Data NDHWC, filters in TF layout [kd, kh, kw, in, out] (oneDNN `dhwio`).
// Primitives are cached per shape; the filter layout is left to oneDNN (`any`) and reordered per call
// (small); activations stay `ndhwc` so no large reorder happens. C++ exceptions from dnnl.hpp are caught
// here and turned into JS errors.
#include <node_api.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>
#include <malloc.h>
#include <sys/mman.h>

#include "elementwise.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

size_t prod(const memory::dims &d) {
  size_t s = 1;
  for (auto x : d) s *= static_cast<size_t>(x);
  return s;
}

struct Ctx {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
};

Ctx &ctx() {
  static Ctx c;
  return c;
}

// Shape parameters shared by the three kernels (see conv-params.ts for the order).
struct Params {
  int64_t n, id, ih, iw, ic, od, oh, ow, oc, kd, kh, kw, sd, sh, sw, pf, pt, pl, pbk, pbo, pr;
  std::string key() const {
    std::string s;
    const int64_t v[] = {n, id, ih, iw, ic, od, oh, ow, oc, kd, kh, kw, sd, sh, sw, pf, pt, pl, pbk, pbo, pr};
    for (int64_t x : v) s += std::to_string(x) + ",";
    return s;
  }
  memory::dims src() const { return {n, ic, id, ih, iw}; }
  memory::dims wei() const { return {oc, ic, kd, kh, kw}; }
  memory::dims dst() const { return {n, oc, od, oh, ow}; }
  memory::dims strides() const { return {sd, sh, sw}; }
  memory::dims padl() const { return {pf, pt, pl}; }
  memory::dims padr() const { return {pbk, pbo, pr}; }
};

// tfjs pads 'same' convolutions with floor(total/2) in front even when the total is negative (a kernel
// smaller than the stride, e.g. 1x1x1 stride 2 on an even size: front = -1), and 'valid' ones can leave
// trailing voxels unused (negative back padding). oneDNN wants paddings >= 0, so a negative padding is
// turned into a crop of the input: the convolution runs on the cropped input with the padding set to 0.
struct Crop {
  bool any = false;
  Params inner;                       // geometry on the cropped input (paddings >= 0)
  memory::dims offsets{0, 0, 0, 0, 0};  // where the crop starts in the full input (n, c, d, h, w)
};

Crop cropOf(const Params &p) {
  Crop c;
  c.inner = p;
  int64_t *pads_l[3] = {&c.inner.pf, &c.inner.pt, &c.inner.pl};
  int64_t *pads_r[3] = {&c.inner.pbk, &c.inner.pbo, &c.inner.pr};
  int64_t *ins[3] = {&c.inner.id, &c.inner.ih, &c.inner.iw};
  for (int a = 0; a < 3; a++) {
    if (*pads_l[a] < 0) {
      c.any = true;
      c.offsets[2 + a] = -*pads_l[a];
      *ins[a] += *pads_l[a];
      *pads_l[a] = 0;
    }
    if (*pads_r[a] < 0) {
      c.any = true;
      *ins[a] += *pads_r[a];
      *pads_r[a] = 0;
    }
  }
  return c;
}

// Memories moving between the caller's full input (strided sub-view) and a dense cropped buffer.
struct CropMem {
  memory full_sub;  // sub-view of the caller's full NDHWC buffer (handle = caller's pointer)
  memory dense;     // oneDNN-owned dense buffer of the cropped shape
  dnnl::reorder to_dense, from_dense;
};

CropMem makeCropMem(const Params &full, const Crop &c, bool toDense) {
  auto &eng = ctx().eng;
  CropMem m;
  memory::desc full_md(full.src(), dt::f32, tag::ndhwc);
  memory::desc sub_md = full_md.submemory_desc(c.inner.src(), c.offsets);
  m.full_sub = memory(sub_md, eng, nullptr);
  m.dense = memory({c.inner.src(), dt::f32, tag::ndhwc}, eng);
  if (toDense) m.to_dense = dnnl::reorder(m.full_sub, m.dense);
  else m.from_dense = dnnl::reorder(m.dense, m.full_sub);
  return m;
}

dnnl::convolution_forward::primitive_desc makeFwdPd(const Params &p) {
  auto &c = ctx();
  memory::desc src(p.src(), dt::f32, tag::ndhwc);
  memory::desc wei(p.wei(), dt::f32, tag::any);
  memory::desc dst(p.dst(), dt::f32, tag::ndhwc);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                    src, wei, dst, p.strides(), p.padl(), p.padr());
  return dnnl::convolution_forward::primitive_desc(d, c.eng);
}

struct FwdEntry {
  Crop crop;
  CropMem cm;
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  memory src, wei_user, wei, dst;
  bool reorder_needed;
  dnnl::reorder wei_reorder;
};

struct BwdDataEntry {
  Crop crop;
  CropMem cm;
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
  memory diff_dst, wei_user, wei, diff_src;
  bool reorder_needed;
  dnnl::reorder wei_reorder;
};

struct BwdWeiEntry {
  Crop crop;
  CropMem cm;
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
  memory src, diff_dst, diff_wei, diff_wei_user;
  bool reorder_needed;
  dnnl::reorder wei_reorder;
};

std::map<std::string, std::unique_ptr<FwdEntry>> fwdCache;
std::map<std::string, std::unique_ptr<BwdDataEntry>> bwdDataCache;
std::map<std::string, std::unique_ptr<BwdWeiEntry>> bwdWeiCache;

FwdEntry &fwdEntry(const Params &p) {
  auto key = p.key();
  auto it = fwdCache.find(key);
  if (it != fwdCache.end()) return *it->second;
  auto &c = ctx();
  auto e = std::make_unique<FwdEntry>();
  e->crop = cropOf(p);
  if (e->crop.any) e->cm = makeCropMem(p, e->crop, true);
  const Params &q = e->crop.inner;
  e->pd = makeFwdPd(q);
  e->prim = dnnl::convolution_forward(e->pd);
  e->src = memory(e->pd.src_desc(), c.eng, nullptr);
  e->dst = memory(e->pd.dst_desc(), c.eng, nullptr);
  e->wei_user = memory({p.wei(), dt::f32, tag::dhwio}, c.eng, nullptr);
  e->reorder_needed = e->pd.weights_desc() != e->wei_user.get_desc();
  if (e->reorder_needed) {
    e->wei = memory(e->pd.weights_desc(), c.eng);
    e->wei_reorder = dnnl::reorder(e->wei_user, e->wei);
  }
  auto &ref = *e;
  fwdCache.emplace(key, std::move(e));
  return ref;
}

BwdDataEntry &bwdDataEntry(const Params &p) {
  auto key = p.key();
  auto it = bwdDataCache.find(key);
  if (it != bwdDataCache.end()) return *it->second;
  auto &c = ctx();
  auto e = std::make_unique<BwdDataEntry>();
  e->crop = cropOf(p);
  if (e->crop.any) e->cm = makeCropMem(p, e->crop, false);
  const Params &q = e->crop.inner;
  auto hint = makeFwdPd(q);
  memory::desc diff_src(q.src(), dt::f32, tag::ndhwc);
  memory::desc wei(q.wei(), dt::f32, tag::any);
  memory::desc diff_dst(q.dst(), dt::f32, tag::ndhwc);
  dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, diff_src, wei, diff_dst,
                                          q.strides(), q.padl(), q.padr());
  e->pd = dnnl::convolution_backward_data::primitive_desc(d, c.eng, hint);
  e->prim = dnnl::convolution_backward_data(e->pd);
  e->diff_src = memory(e->pd.diff_src_desc(), c.eng, nullptr);
  e->diff_dst = memory(e->pd.diff_dst_desc(), c.eng, nullptr);
  e->wei_user = memory({p.wei(), dt::f32, tag::dhwio}, c.eng, nullptr);
  e->reorder_needed = e->pd.weights_desc() != e->wei_user.get_desc();
  if (e->reorder_needed) {
    e->wei = memory(e->pd.weights_desc(), c.eng);
    e->wei_reorder = dnnl::reorder(e->wei_user, e->wei);
  }
  auto &ref = *e;
  bwdDataCache.emplace(key, std::move(e));
  return ref;
}

BwdWeiEntry &bwdWeiEntry(const Params &p) {
  auto key = p.key();
  auto it = bwdWeiCache.find(key);
  if (it != bwdWeiCache.end()) return *it->second;
  auto &c = ctx();
  auto e = std::make_unique<BwdWeiEntry>();
  e->crop = cropOf(p);
  if (e->crop.any) e->cm = makeCropMem(p, e->crop, true);
  const Params &q = e->crop.inner;
  auto hint = makeFwdPd(q);
  memory::desc src(q.src(), dt::f32, tag::ndhwc);
  memory::desc diff_wei(q.wei(), dt::f32, tag::any);
  memory::desc diff_dst(q.dst(), dt::f32, tag::ndhwc);
  dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, src, diff_wei, diff_dst,
                                             q.strides(), q.padl(), q.padr());
  e->pd = dnnl::convolution_backward_weights::primitive_desc(d, c.eng, hint);
  e->prim = dnnl::convolution_backward_weights(e->pd);
  e->src = memory(e->pd.src_desc(), c.eng, nullptr);
  e->diff_dst = memory(e->pd.diff_dst_desc(), c.eng, nullptr);
  e->diff_wei_user = memory({p.wei(), dt::f32, tag::dhwio}, c.eng, nullptr);
  e->reorder_needed = e->pd.diff_weights_desc() != e->diff_wei_user.get_desc();
  if (e->reorder_needed) {
    e->diff_wei = memory(e->pd.diff_weights_desc(), c.eng);
    e->wei_reorder = dnnl::reorder(e->diff_wei, e->diff_wei_user);
  }
  auto &ref = *e;
  bwdWeiCache.emplace(key, std::move(e));
  return ref;
}

// ---------- Node-API helpers ----------

struct JsError {
  std::string msg;
};

#define NAPI_OK(call)                                   \
  do {                                                  \
    if ((call) != napi_ok) throw JsError{"Node-API call failed: " #call}; \
  } while (0)

float *floatArg(napi_env env, napi_value v, size_t expected, const char *name) {
  bool is = false;
  NAPI_OK(napi_is_typedarray(env, v, &is));
  if (!is) throw JsError{std::string(name) + ": expected a Float32Array"};
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value ab;
  size_t offset;
  NAPI_OK(napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset));
  if (type != napi_float32_array) throw JsError{std::string(name) + ": expected a Float32Array"};
  if (length != expected)
    throw JsError{std::string(name) + ": expected " + std::to_string(expected) + " elements, received " +
                  std::to_string(length)};
  return static_cast<float *>(data);
}

Params paramsArg(napi_env env, napi_value v) {
  bool is = false;
  NAPI_OK(napi_is_typedarray(env, v, &is));
  if (!is) throw JsError{"params: expected an Int32Array"};
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value ab;
  size_t offset;
  NAPI_OK(napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset));
  if (type != napi_int32_array || length != 21) throw JsError{"params: expected an Int32Array of 21 values"};
  const int32_t *q = static_cast<const int32_t *>(data);
  Params p{q[0],  q[1],  q[2],  q[3],  q[4],  q[5],  q[6],  q[7],  q[8],  q[9], q[10],
           q[11], q[12], q[13], q[14], q[15], q[16], q[17], q[18], q[19], q[20]};
  return p;
}


// A Float32Array argument: pointer and length (any length).
struct F32 {
  float *data;
  size_t length;
};

F32 f32Any(napi_env env, napi_value v, const char *name) {
  bool is = false;
  NAPI_OK(napi_is_typedarray(env, v, &is));
  if (!is) throw JsError{std::string(name) + ": expected a Float32Array"};
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value ab;
  size_t offset;
  NAPI_OK(napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset));
  if (type != napi_float32_array) throw JsError{std::string(name) + ": expected a Float32Array"};
  return {static_cast<float *>(data), length};
}

std::vector<int64_t> dimsArg(napi_env env, napi_value v, const char *name) {
  bool is = false;
  NAPI_OK(napi_is_typedarray(env, v, &is));
  if (!is) throw JsError{std::string(name) + ": expected a Float64Array"};
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value ab;
  size_t offset;
  NAPI_OK(napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset));
  if (type != napi_float64_array) throw JsError{std::string(name) + ": expected a Float64Array"};
  const double *d = static_cast<const double *>(data);
  std::vector<int64_t> out(length);
  for (size_t i = 0; i < length; i++) out[i] = static_cast<int64_t>(d[i]);
  return out;
}

int64_t intArg(napi_env env, napi_value v) {
  int64_t x = 0;
  NAPI_OK(napi_get_value_int64(env, v, &x));
  return x;
}

double numArg(napi_env env, napi_value v) {
  double x = 0;
  NAPI_OK(napi_get_value_double(env, v, &x));
  return x;
}

// Checks that every index offset + idx . strides over `shape` stays inside [0, length).
void checkSpan(const std::vector<int64_t> &shape, const std::vector<int64_t> &strides, int64_t offset, size_t length,
               const char *name) {
  if (shape.empty() || shape.size() != strides.size()) throw JsError{std::string(name) + ": shape/strides mismatch"};
  int64_t lo = offset, hi = offset;
  for (size_t i = 0; i < shape.size(); i++) {
    if (shape[i] <= 0) throw JsError{std::string(name) + ": empty shape"};
    int64_t ext = (shape[i] - 1) * strides[i];
    if (ext < 0) lo += ext; else hi += ext;
  }
  if (lo < 0 || hi >= static_cast<int64_t>(length))
    throw JsError{std::string(name) + ": strided view out of bounds"};
}

template <typename F>
napi_value guarded(napi_env env, napi_callback_info info, size_t argc_expected, F f) {
  try {
    size_t argc = 8;
    napi_value argv[8];
    NAPI_OK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
    if (argc < argc_expected)
      throw JsError{"expected " + std::to_string(argc_expected) + " arguments, received " + std::to_string(argc)};
    return f(argv);
  } catch (const JsError &e) {
    napi_throw_error(env, "ERR_RAUNET_NATIVE", e.msg.c_str());
  } catch (const dnnl::error &e) {
    std::string m = std::string("oneDNN error (status ") + std::to_string(static_cast<int>(e.status)) + "): " + e.what();
    napi_throw_error(env, "ERR_RAUNET_ONEDNN", m.c_str());
  } catch (const std::exception &e) {
    napi_throw_error(env, "ERR_RAUNET_NATIVE", e.what());
  }
  return nullptr;
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// conv3dForward(x, filter, y, params)
napi_value Conv3dForward(napi_env env, napi_callback_info info) {
  return guarded(env, info, 4, [&](napi_value *argv) {
    Params p = paramsArg(env, argv[3]);
    float *x = floatArg(env, argv[0], prod(p.src()), "x");
    float *w = floatArg(env, argv[1], prod(p.wei()), "filter");
    float *y = floatArg(env, argv[2], prod(p.dst()), "y");
    auto &e = fwdEntry(p);
    auto &c = ctx();
    if (e.crop.any) {
      e.cm.full_sub.set_data_handle(x);
      e.cm.to_dense.execute(c.strm, e.cm.full_sub, e.cm.dense);
      e.src.set_data_handle(e.cm.dense.get_data_handle());
    } else {
      e.src.set_data_handle(x);
    }
    e.dst.set_data_handle(y);
    e.wei_user.set_data_handle(w);
    if (e.reorder_needed) e.wei_reorder.execute(c.strm, e.wei_user, e.wei);
    e.prim.execute(c.strm, {{DNNL_ARG_SRC, e.src},
                            {DNNL_ARG_WEIGHTS, e.reorder_needed ? e.wei : e.wei_user},
                            {DNNL_ARG_DST, e.dst}});
    c.strm.wait();
    return undefinedValue(env);
  });
}

// conv3dBackwardData(dy, filter, dx, params)
napi_value Conv3dBackwardData(napi_env env, napi_callback_info info) {
  return guarded(env, info, 4, [&](napi_value *argv) {
    Params p = paramsArg(env, argv[3]);
    float *dy = floatArg(env, argv[0], prod(p.dst()), "dy");
    float *w = floatArg(env, argv[1], prod(p.wei()), "filter");
    float *dx = floatArg(env, argv[2], prod(p.src()), "dx");
    auto &e = bwdDataEntry(p);
    auto &c = ctx();
    e.diff_dst.set_data_handle(dy);
    e.diff_src.set_data_handle(e.crop.any ? e.cm.dense.get_data_handle() : dx);
    e.wei_user.set_data_handle(w);
    if (e.reorder_needed) e.wei_reorder.execute(c.strm, e.wei_user, e.wei);
    e.prim.execute(c.strm, {{DNNL_ARG_DIFF_DST, e.diff_dst},
                            {DNNL_ARG_WEIGHTS, e.reorder_needed ? e.wei : e.wei_user},
                            {DNNL_ARG_DIFF_SRC, e.diff_src}});
    if (e.crop.any) {
      // Input voxels outside the crop get no gradient.
      std::memset(dx, 0, prod(p.src()) * sizeof(float));
      e.cm.full_sub.set_data_handle(dx);
      e.cm.from_dense.execute(c.strm, e.cm.dense, e.cm.full_sub);
    }
    c.strm.wait();
    return undefinedValue(env);
  });
}

// conv3dBackwardFilter(x, dy, dw, params)
napi_value Conv3dBackwardFilter(napi_env env, napi_callback_info info) {
  return guarded(env, info, 4, [&](napi_value *argv) {
    Params p = paramsArg(env, argv[3]);
    float *x = floatArg(env, argv[0], prod(p.src()), "x");
    float *dy = floatArg(env, argv[1], prod(p.dst()), "dy");
    float *dw = floatArg(env, argv[2], prod(p.wei()), "dw");
    auto &e = bwdWeiEntry(p);
    auto &c = ctx();
    if (e.crop.any) {
      e.cm.full_sub.set_data_handle(x);
      e.cm.to_dense.execute(c.strm, e.cm.full_sub, e.cm.dense);
      e.src.set_data_handle(e.cm.dense.get_data_handle());
    } else {
      e.src.set_data_handle(x);
    }
    e.diff_dst.set_data_handle(dy);
    e.diff_wei_user.set_data_handle(dw);
    e.prim.execute(c.strm, {{DNNL_ARG_SRC, e.src},
                            {DNNL_ARG_DIFF_DST, e.diff_dst},
                            {DNNL_ARG_DIFF_WEIGHTS, e.reorder_needed ? e.diff_wei : e.diff_wei_user}});
    if (e.reorder_needed) e.wei_reorder.execute(c.strm, e.diff_wei, e.diff_wei_user);
    c.strm.wait();
    return undefinedValue(env);
  });
}


// binary(op, a, aStrides, b, bStrides, out, shape): out dense over shape (Float64Array dims/strides).
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, info, 7, [&](napi_value *argv) {
    int64_t op = intArg(env, argv[0]);
    F32 a = f32Any(env, argv[1], "a");
    auto sa = dimsArg(env, argv[2], "aStrides");
    F32 b = f32Any(env, argv[3], "b");
    auto sb = dimsArg(env, argv[4], "bStrides");
    F32 out = f32Any(env, argv[5], "out");
    auto shape = dimsArg(env, argv[6], "shape");
    if (op < 0 || op > 3) throw JsError{"binary: op must be 0..3"};
    checkSpan(shape, sa, 0, a.length, "a");
    checkSpan(shape, sb, 0, b.length, "b");
    std::vector<int64_t> so(shape.size());
    int64_t acc = 1;
    for (int i = static_cast<int>(shape.size()) - 1; i >= 0; i--) { so[i] = acc; acc *= shape[i]; }
    checkSpan(shape, so, 0, out.length, "out");
    raunet::binary(static_cast<int>(op), a.data, sa, b.data, sb, out.data, shape);
    return undefinedValue(env);
  });
}

// copy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape)
napi_value Copy(napi_env env, napi_callback_info info) {
  return guarded(env, info, 7, [&](napi_value *argv) {
    F32 src = f32Any(env, argv[0], "src");
    int64_t so = intArg(env, argv[1]);
    auto ss = dimsArg(env, argv[2], "srcStrides");
    F32 dst = f32Any(env, argv[3], "dst");
    int64_t doff = intArg(env, argv[4]);
    auto ds = dimsArg(env, argv[5], "dstStrides");
    auto shape = dimsArg(env, argv[6], "shape");
    checkSpan(shape, ss, so, src.length, "src");
    checkSpan(shape, ds, doff, dst.length, "dst");
    raunet::stridedCopy(src.data + so, ss, dst.data + doff, ds, shape);
    return undefinedValue(env);
  });
}

// unary(op, x, out, alpha, beta)
napi_value Unary(napi_env env, napi_callback_info info) {
  return guarded(env, info, 5, [&](napi_value *argv) {
    int64_t op = intArg(env, argv[0]);
    F32 x = f32Any(env, argv[1], "x");
    F32 out = f32Any(env, argv[2], "out");
    if (op < 0 || op > 10 || x.length != out.length) throw JsError{"unary: bad op or sizes"};
    raunet::unary(static_cast<int>(op), x.data, out.data, static_cast<int64_t>(x.length), numArg(env, argv[3]),
                  numArg(env, argv[4]));
    return undefinedValue(env);
  });
}

// fill(dst, value)
napi_value Fill(napi_env env, napi_callback_info info) {
  return guarded(env, info, 2, [&](napi_value *argv) {
    F32 dst = f32Any(env, argv[0], "dst");
    raunet::fill(dst.data, static_cast<int64_t>(dst.length), static_cast<float>(numArg(env, argv[1])));
    return undefinedValue(env);
  });
}

// reduceSum(src, k1, r, k2, dst, scale, op): op 0: dst[o, i] = scale * sum_j src[o, j, i]; op 1: max_j
napi_value ReduceSum(napi_env env, napi_callback_info info) {
  return guarded(env, info, 7, [&](napi_value *argv) {
    F32 src = f32Any(env, argv[0], "src");
    int64_t k1 = intArg(env, argv[1]), r = intArg(env, argv[2]), k2 = intArg(env, argv[3]);
    F32 dst = f32Any(env, argv[4], "dst");
    double scale = numArg(env, argv[5]);
    int64_t op = intArg(env, argv[6]);
    if (k1 < 1 || r < 1 || k2 < 1 || static_cast<size_t>(k1 * r * k2) != src.length ||
        static_cast<size_t>(k1 * k2) != dst.length || op < 0 || op > 1)
      throw JsError{"reduceSum: sizes do not match the arrays"};
    if (op == 1) raunet::reduceMax(src.data, k1, r, k2, dst.data);
    else raunet::reduceSum(src.data, k1, r, k2, dst.data, static_cast<float>(scale));
    return undefinedValue(env);
  });
}


// retainFreedMemory(trimThresholdBytes): makes glibc malloc serve large blocks from its heap instead of
// fresh mmaps (M_MMAP_MAX = 0) and keep up to trimThreshold bytes of freed memory (M_TRIM_THRESHOLD), so a
// new tensor reuses already-faulted pages. Returns whether glibc accepted both settings.
napi_value RetainFreedMemory(napi_env env, napi_callback_info info) {
  return guarded(env, info, 1, [&](napi_value *argv) {
    double bytes = numArg(env, argv[0]);
    int ok = 1;
#ifdef __GLIBC__
    if (bytes > 0) {
      ok &= mallopt(M_MMAP_MAX, 0);
      ok &= mallopt(M_TRIM_THRESHOLD, static_cast<int>(std::min(bytes, 2147483647.0)));
    } else {  // back to glibc's defaults
      ok &= mallopt(M_MMAP_MAX, 65536);
      ok &= mallopt(M_TRIM_THRESHOLD, 128 * 1024);
      malloc_trim(0);
    }
#else
    ok = 0;
#endif
    napi_value v;
    NAPI_OK(napi_get_boolean(env, ok != 0, &v));
    return v;
  });
}


// adviseHugePages(array): asks Linux for transparent huge pages on the 2 MiB-aligned interior of a fresh
// buffer before it is first touched (THP mode `madvise`, the common default): one fault per 2 MiB instead
// of 512. Returns whether madvise accepted it (false off Linux or for a buffer under 2 MiB).
napi_value AdviseHugePages(napi_env env, napi_callback_info info) {
  return guarded(env, info, 1, [&](napi_value *argv) {
    F32 a = f32Any(env, argv[0], "array");
    bool ok = false;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = 2u << 20;
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(a.data) + huge - 1) & ~(huge - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(a.data) + a.length * sizeof(float)) & ~(huge - 1);
    if (end > begin) ok = madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE) == 0;
#endif
    napi_value v;
    NAPI_OK(napi_get_boolean(env, ok, &v));
    return v;
  });
}

// ---------- batched matmul (oneDNN matmul) ----------
struct MatmulEntry {
  dnnl::matmul prim;
  memory a, b, c;
};
std::map<std::string, std::unique_ptr<MatmulEntry>> matmulCache;

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
    struct OneThread {
      int prev = 0;
      explicit OneThread(bool on) : prev(on ? omp_get_max_threads() : 0) { if (on) omp_set_num_threads(1); }
      ~OneThread() { if (prev > 0) omp_set_num_threads(prev); }
    } one(small);
    auto it = matmulCache.find(key);
    auto &cx = ctx();
    if (it == matmulCache.end()) {
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
      it = matmulCache.emplace(key, std::move(e)).first;
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

const char *isaName(dnnl::cpu_isa isa) {
  switch (static_cast<dnnl_cpu_isa_t>(isa)) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "all";
  }
}

void setProp(napi_env env, napi_value obj, const char *name, napi_value v) {
  NAPI_OK(napi_set_named_property(env, obj, name, v));
}

// info() -> { version, isa, threads, cachedPrimitives }
napi_value Info(napi_env env, napi_callback_info info) {
  return guarded(env, info, 0, [&](napi_value *) {
    napi_value obj, v;
    NAPI_OK(napi_create_object(env, &obj));
    const dnnl_version_t *ver = dnnl_version();
    std::string vs = std::to_string(ver->major) + "." + std::to_string(ver->minor) + "." + std::to_string(ver->patch);
    NAPI_OK(napi_create_string_utf8(env, vs.c_str(), NAPI_AUTO_LENGTH, &v));
    setProp(env, obj, "version", v);
    NAPI_OK(napi_create_string_utf8(env, isaName(dnnl::get_effective_cpu_isa()), NAPI_AUTO_LENGTH, &v));
    setProp(env, obj, "isa", v);
    NAPI_OK(napi_create_int32(env, omp_get_max_threads(), &v));
    setProp(env, obj, "threads", v);
    NAPI_OK(napi_create_int32(env, static_cast<int32_t>(fwdCache.size() + bwdDataCache.size() + bwdWeiCache.size()), &v));
    setProp(env, obj, "cachedPrimitives", v);
    return obj;
  });
}

// setThreads(n)
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, info, 1, [&](napi_value *argv) {
    int32_t n = 0;
    NAPI_OK(napi_get_value_int32(env, argv[0], &n));
    if (n < 1) throw JsError{"threads: expected an integer >= 1, received " + std::to_string(n)};
    omp_set_num_threads(n);
    return undefinedValue(env);
  });
}

// clearCache(): drops cached primitives (frees their scratch memory).
napi_value ClearCache(napi_env env, napi_callback_info info) {
  return guarded(env, info, 0, [&](napi_value *) {
    fwdCache.clear();
    bwdDataCache.clear();
    bwdWeiCache.clear();
    matmulCache.clear();
    return undefinedValue(env);
  });
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor desc[] = {
      {"conv3dForward", nullptr, Conv3dForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv3dBackwardData", nullptr, Conv3dBackwardData, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv3dBackwardFilter", nullptr, Conv3dBackwardFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"copy", nullptr, Copy, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fill", nullptr, Fill, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduceSum", nullptr, ReduceSum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"retainFreedMemory", nullptr, RetainFreedMemory, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adviseHugePages", nullptr, AdviseHugePages, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"clearCache", nullptr, ClearCache, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(desc) / sizeof(desc[0]), desc);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
