// Geometry of a 3D convolution as the JS side sends it (21 values, see src/internal/conv-params.ts), and
// the crop that turns tfjs's negative paddings into something oneDNN accepts.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <string>

namespace raunet {

// Shape parameters shared by the three kernels (see conv-params.ts for the order).
struct ConvParams {
  int64_t n, id, ih, iw, ic, od, oh, ow, oc, kd, kh, kw, sd, sh, sw, pf, pt, pl, pbk, pbo, pr;
  std::string key() const {
    std::string s;
    const int64_t v[] = {n, id, ih, iw, ic, od, oh, ow, oc, kd, kh, kw, sd, sh, sw, pf, pt, pl, pbk, pbo, pr};
    for (int64_t x : v) s += std::to_string(x) + ",";
    return s;
  }
  dnnl::memory::dims src() const { return {n, ic, id, ih, iw}; }
  dnnl::memory::dims wei() const { return {oc, ic, kd, kh, kw}; }
  dnnl::memory::dims dst() const { return {n, oc, od, oh, ow}; }
  dnnl::memory::dims strides() const { return {sd, sh, sw}; }
  dnnl::memory::dims padl() const { return {pf, pt, pl}; }
  dnnl::memory::dims padr() const { return {pbk, pbo, pr}; }
};

// tfjs pads 'same' convolutions with floor(total/2) in front even when the total is negative (a kernel
// smaller than the stride, e.g. 1x1x1 stride 2 on an even size: front = -1), and 'valid' ones can leave
// trailing voxels unused (negative back padding). oneDNN wants paddings >= 0, so a negative padding is
// turned into a crop of the input: the convolution runs on the cropped input with the padding set to 0.
struct Crop {
  bool any = false;
  ConvParams inner;                               // geometry on the cropped input (paddings >= 0)
  dnnl::memory::dims offsets{0, 0, 0, 0, 0};  // where the crop starts in the full input (n, c, d, h, w)
};

inline Crop cropOf(const ConvParams &p) {
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

}  // namespace raunet
