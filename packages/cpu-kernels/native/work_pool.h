// A work-claiming thread pool for the memory-bound loops (elementwise.cc, channel_affine.cc), with as
// many threads as oneDNN's OpenMP, and the range splitters built on it.
#pragma once
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace raunet {

// OpenMP's fork/join waits at the end of every parallel region for all its threads. On a loaded machine
// (2 cores shared with other processes) a thread that is not scheduled stalls every op by a scheduler
// slice: measured 8 ms per op whatever its size, against 0.04-4 ms on one thread. Here a parallel call
// cuts the work into chunks that threads claim from an atomic counter; the calling thread claims chunks
// too and waits only for chunks another thread has actually started, so a worker that wakes up late
// finds nothing left and costs nothing. Results never depend on which thread ran a chunk.
struct Job {
  const std::function<void(int64_t)> *f;
  int64_t chunks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
};

class WorkPool {
 public:
  ~WorkPool() { resize(0); }

  // Runs f(0..chunks-1), each exactly once, over the calling thread and the workers.
  void run(int64_t chunks, const std::function<void(int64_t)> &f) {
    const int want = std::max(1, omp_get_max_threads()) - 1;  // same thread count as oneDNN (this thread's)
    // One thread: run here, without the pool's lock (JS threads on one core each do not wait for each other).
    if (chunks <= 1 || want == 0) {
      for (int64_t c = 0; c < chunks; c++) f(c);
      return;
    }
    std::lock_guard<std::mutex> serial(run_);  // one job at a time (addon loaded in several JS threads)
    if (static_cast<int>(workers_.size()) != want) resize(want);
    if (workers_.empty()) {
      for (int64_t c = 0; c < chunks; c++) f(c);
      return;
    }
    auto job = std::make_shared<Job>();
    job->f = &f;
    job->chunks = chunks;
    {
      std::lock_guard<std::mutex> lock(m_);
      job_ = job;
      epoch_++;
    }
    cv_.notify_all();
    work(*job);
    while (job->done.load(std::memory_order_acquire) < chunks) std::this_thread::yield();
    std::lock_guard<std::mutex> lock(m_);
    if (job_ == job) job_.reset();
  }

 private:
  static void work(Job &job) {
    for (int64_t c; (c = job.next.fetch_add(1, std::memory_order_relaxed)) < job.chunks;) {
      (*job.f)(c);
      job.done.fetch_add(1, std::memory_order_release);
    }
  }

  void resize(int n) {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto &t : workers_) t.join();
    workers_.clear();
    stop_ = false;
    for (int i = 0; i < n; i++) workers_.emplace_back([this] { loop(); });
  }

  void loop() {
    uint64_t seen = 0;
    {
      std::lock_guard<std::mutex> lock(m_);
      seen = epoch_;
    }
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return stop_ || epoch_ != seen; });
        if (stop_) return;
        seen = epoch_;
        job = job_;
      }
      if (job) work(*job);  // a stale job has no chunks left: nothing happens
    }
  }

  std::mutex run_, m_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  std::shared_ptr<Job> job_;
  uint64_t epoch_ = 0;
  bool stop_ = false;
};

inline WorkPool &workPool() {
  static WorkPool pool;
  return pool;
}

// Work below this many elements runs on the calling thread; above, in chunks of about kChunk elements.
constexpr int64_t kParallelMin = 1 << 17;
constexpr int64_t kChunk = 1 << 16;

// Calls f(begin, end) over [0, n) in chunks (rounded to multiples of `align`), in parallel when large.
template <typename F>
void parallelRange(int64_t n, int64_t work, int64_t align, F f) {
  if (work < kParallelMin || n < 2) {
    f(0, n);
    return;
  }
  int64_t per = std::max<int64_t>(1, n * kChunk / work);
  per = (per + align - 1) / align * align;
  const int64_t chunks = (n + per - 1) / per;
  const std::function<void(int64_t)> g = [&](int64_t c) { f(c * per, std::min(n, (c + 1) * per)); };
  workPool().run(chunks, g);
}

// Calls f(outer_index_range_begin, end) split over threads when the work is large.
template <typename F>
void parallelRows(int64_t rows, int64_t work, F f) {
  parallelRange(rows, work, 1, f);
}

}  // namespace raunet
