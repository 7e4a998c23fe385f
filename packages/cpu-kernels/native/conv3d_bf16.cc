// The bf16 forward 3D convolution for inference: the f32 input and filter are converted to bf16 (oneDNN
// reorders; the input's copy is made per call and freed after, the filter's per call into a cached
// buffer, since weights may change between calls), the convolution accumulates in f32 and writes an f32
// output. Used only when the JS side asks for it (the RAUNET_INFERENCE_BF16 flag); gradients never.
// Runs only on a CPU with native bf16 dot products (avx512_core_bf16 and up) and when oneDNN picks an
// optimized implementation for the shape; otherwise the caller runs the f32 path instead.
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "addon_functions.h"
#include "conv3d_geometry.h"
#include "onednn_context.h"

namespace raunet {

namespace {

struct Bf16Entry {
  bool usable = false;  // false: oneDNN offers only a reference implementation for this shape
  Crop crop;
  memory src_user;  // f32 ndhwc: the caller's input, or its sub-view when cropped (handle per call)
  memory::desc src_md;  // bf16 ndhwc of the (cropped) input
  dnnl::reorder src_reorder;
  memory wei_user;  // f32 dhwio (handle per call)
  memory wei;       // bf16, the primitive's layout (owned)
  dnnl::reorder wei_reorder;
  memory dst;  // f32 ndhwc (handle per call)
  dnnl::convolution_forward prim;
};

// One cache per thread (see conv3d.cc's cache).
std::map<std::string, std::unique_ptr<Bf16Entry>> &bf16Cache() {
  static thread_local std::map<std::string, std::unique_ptr<Bf16Entry>> c;
  return c;
}

Bf16Entry &bf16Entry(const ConvParams &p) {
  auto &c = bf16Cache();
  auto key = p.key();
  auto it = c.find(key);
  if (it != c.end()) return *it->second;
  auto &eng = onednn().eng;
  auto e = std::make_unique<Bf16Entry>();
  e->crop = cropOf(p);
  const ConvParams &q = e->crop.inner;
  e->src_md = memory::desc(q.src(), dt::bf16, tag::ndhwc);
  memory::desc wei_md(q.wei(), dt::bf16, tag::any);
  memory::desc dst_md(q.dst(), dt::f32, tag::ndhwc);
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                    e->src_md, wei_md, dst_md, q.strides(), q.padl(), q.padr());
  dnnl::convolution_forward::primitive_desc pd(d, eng);
  e->usable = std::string(pd.impl_info_str()).rfind("ref", 0) != 0;
  if (e->usable) {
    memory::desc full_md(p.src(), dt::f32, tag::ndhwc);
    e->src_user = memory(e->crop.any ? full_md.submemory_desc(q.src(), e->crop.offsets) : full_md, eng, nullptr);
    e->src_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(eng, e->src_user.get_desc(), eng, e->src_md));
    e->wei_user = memory({p.wei(), dt::f32, tag::dhwio}, eng, nullptr);
    e->wei = memory(pd.weights_desc(), eng);
    e->wei_reorder = dnnl::reorder(e->wei_user, e->wei);
    e->dst = memory(dst_md, eng, nullptr);
    e->prim = dnnl::convolution_forward(pd);
  }
  auto &ref = *e;
  c.emplace(key, std::move(e));
  return ref;
}

}  // namespace

bool bf16Supported() {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto bf16 = static_cast<unsigned>(dnnl_cpu_isa_avx512_core_bf16);
  return (isa & bf16) == bf16;
}

bool conv3dForwardBf16(const ConvParams &p, float *x, float *w, float *y) {
  if (!bf16Supported()) return false;
  auto &e = bf16Entry(p);
  if (!e.usable) return false;
  auto &eng = onednn().eng;
  auto &strm = onednn().strm;
  // the input's bf16 copy lives for this call only (half the input's size; freed memory is reused)
  std::unique_ptr<uint16_t[]> src_buf(new uint16_t[prod(e.crop.inner.src())]);
  memory src(e.src_md, eng, src_buf.get());
  e.src_user.set_data_handle(x);
  {
    OneThread one(prod(e.crop.inner.src()) < kSmallReorder);
    e.src_reorder.execute(strm, e.src_user, src);
    strm.wait();
  }
  e.wei_user.set_data_handle(w);
  {
    OneThread one(prod(p.wei()) < kSmallReorder);
    e.wei_reorder.execute(strm, e.wei_user, e.wei);
    strm.wait();
  }
  e.dst.set_data_handle(y);
  e.prim.execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, e.wei}, {DNNL_ARG_DST, e.dst}});
  strm.wait();
  return true;
}

size_t conv3dBf16CachedPrimitives() { return bf16Cache().size(); }

void conv3dBf16ClearCache() { bf16Cache().clear(); }

}  // namespace raunet
