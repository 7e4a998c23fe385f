// Asynchronous signals kept away from oneDNN's kernels while they run.
//
// oneDNN 2.x's generated f32 GEMM kernels (Debian's 2.6.3 runs them for some convolution weight gradients
// and matmuls) point the stack register at a heap workspace while they run. A signal delivered to a thread
// inside one pushes its frame onto the heap and corrupts it; glibc aborts later ("corrupted size vs.
// prev_size"), or results are silently wrong. oneDNN issue #4845, fixed in oneDNN 3.11.2. Any signal with
// a handler does it: the CLI's SIGINT handler, a queue worker's SIGTERM, SIGCHLD of a spawned process, the
// SIGPROF of `node --cpu-prof`. Measured here: a flood of SIGUSR2 (with a handler) aborted a loop of such
// weight gradients within seconds.
//
// So every addon call blocks the asynchronous signals on its thread for its duration (a signal sent
// meanwhile stays pending and is delivered on return, before any JS runs), and OpenMP's worker threads
// block them for good (a process-directed signal then goes to the JS thread). Signals raised by a fault
// (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) are never blocked: blocking them is undefined.
#pragma once
#include <omp.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>

namespace raunet {

inline sigset_t asyncSignals() {
  sigset_t s;
  sigfillset(&s);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS}) sigdelset(&s, sig);
  return s;
}

// Blocks the asynchronous signals on every thread of OpenMP's team of `threads` (the calling thread
// included, which the caller restores). Threads OpenMP creates later are created from a blocked thread
// (inside an addon call) and inherit its mask.
inline void blockSignalsInTeam(int threads) {
  const sigset_t s = asyncSignals();
#pragma omp parallel num_threads(threads)
  pthread_sigmask(SIG_BLOCK, &s, nullptr);
}

// Blocks the asynchronous signals on this thread for its lifetime, then restores the previous mask. The
// first time, and whenever OpenMP's thread count has grown, the whole team blocks them too.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    const sigset_t s = asyncSignals();
    pthread_sigmask(SIG_BLOCK, &s, &prev_);
    static std::atomic<int> blockedTeam{0};
    const int threads = omp_get_max_threads();
    if (threads > blockedTeam.load()) {
      blockSignalsInTeam(threads);
      blockedTeam.store(threads);
    }
  }
  ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &prev_, nullptr); }
  SignalsBlocked(const SignalsBlocked &) = delete;
  SignalsBlocked &operator=(const SignalsBlocked &) = delete;

 private:
  sigset_t prev_;
};

}  // namespace raunet
