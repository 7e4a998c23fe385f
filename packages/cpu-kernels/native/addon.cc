// Node-API addon of @raunet/cpu-kernels: registers the functions of every job (convolution, matmul,
// elementwise loops, memory tuning) and the addon-wide ones (info, threads, cache). Each entry point
// catches C++ and oneDNN exceptions and turns them into JS errors (napi_args.h).
#include <node_api.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <string>

#include "addon_functions.h"
#include "napi_args.h"

namespace raunet {

namespace {

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

// info() -> { version, isa, bf16, threads, cachedPrimitives }
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
    setProp(env, obj, "bf16", boolValue(env, bf16Supported()));
    NAPI_OK(napi_create_int32(env, omp_get_max_threads(), &v));
    setProp(env, obj, "threads", v);
    NAPI_OK(napi_create_int32(env, static_cast<int32_t>(conv3dCachedPrimitives()), &v));
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
    conv3dClearCache();
    matmulClearCache();
    return undefinedValue(env);
  });
}

napi_property_descriptor method(const char *name, napi_callback f) {
  return {name, nullptr, f, nullptr, nullptr, nullptr, napi_default, nullptr};
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor desc[] = {
      method("conv3dForward", Conv3dForward),
      method("conv3dBackwardData", Conv3dBackwardData),
      method("conv3dBackwardFilter", Conv3dBackwardFilter),
      method("info", Info),
      method("setThreads", SetThreads),
      method("binary", Binary),
      method("copy", Copy),
      method("unary", Unary),
      method("fill", Fill),
      method("reduceSum", ReduceSum),
      method("channelAffine", ChannelAffine),
      method("linearUpsample", LinearUpsample),
      method("attention", Attention),
      method("peakGflops", PeakGflops),
      method("retainFreedMemory", RetainFreedMemory),
      method("adviseHugePages", AdviseHugePages),
      method("matmul", Matmul),
      method("clearCache", ClearCache),
  };
  napi_define_properties(env, exports, sizeof(desc) / sizeof(desc[0]), desc);
  return exports;
}

}  // namespace

}  // namespace raunet

NAPI_MODULE(NODE_GYP_MODULE_NAME, raunet::Init)
