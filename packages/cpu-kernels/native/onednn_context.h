// The oneDNN CPU engine and stream every primitive of the addon runs on, and small shape helpers.
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <cstddef>

namespace raunet {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

struct OnednnContext {
  dnnl::engine eng{dnnl::engine::kind::cpu, 0};
  dnnl::stream strm{eng};
};

// The calling thread's engine and stream (created on its first use): a stream is not shared between JS
// threads (worker_threads) that run primitives at the same time.
inline OnednnContext &onednn() {
  static thread_local OnednnContext c;
  return c;
}

// Sets OpenMP to one thread for its lifetime when `on`, then restores the previous count. For small
// primitives (a filter's reorder, a small matmul): on a loaded machine an OpenMP fork/join waits for a
// scheduler slice (measured 8 ms for a 9 Ki-element filter reorder that takes microseconds on one thread).
struct OneThread {
  int prev = 0;
  explicit OneThread(bool on) : prev(on ? omp_get_max_threads() : 0) {
    if (on) omp_set_num_threads(1);
  }
  ~OneThread() {
    if (prev > 0) omp_set_num_threads(prev);
  }
};

// Reorders of fewer elements than this run on one thread (see OneThread).
constexpr size_t kSmallReorder = size_t{1} << 18;

inline size_t prod(const memory::dims &d) {
  size_t s = 1;
  for (auto x : d) s *= static_cast<size_t>(x);
  return s;
}

}  // namespace raunet
