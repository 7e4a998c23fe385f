// The oneDNN CPU engine and stream every primitive of the addon runs on, and small shape helpers.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>

namespace raunet {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

struct OnednnContext {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
};

// The process-wide engine and stream (created on first use).
inline OnednnContext &onednn() {
  static OnednnContext c;
  return c;
}

inline size_t prod(const memory::dims &d) {
  size_t s = 1;
  for (auto x : d) s *= static_cast<size_t>(x);
  return s;
}

}  // namespace raunet
