// Process memory tuning for tensor-heavy workloads: glibc malloc settings and transparent huge pages.
#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

#include "addon_functions.h"
#include "napi_args.h"

namespace raunet {

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
    return boolValue(env, ok != 0);
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
    return boolValue(env, ok);
  });
}

}  // namespace raunet
