// The addon's Node-API functions, defined by job (conv3d.cc, matmul.cc, elementwise_napi.cc, channel_affine.cc,
// attention.cc, peak_flops.cc, memory_tuning.cc, addon.cc) and registered together by addon.cc's Init.
#pragma once
#include <node_api.h>

#include <cstddef>

namespace raunet {

napi_value Conv3dForward(napi_env env, napi_callback_info info);
napi_value Conv3dBackwardData(napi_env env, napi_callback_info info);
napi_value Conv3dBackwardFilter(napi_env env, napi_callback_info info);
// Number of cached convolution primitives, and dropping them (their scratch memory with them).
size_t conv3dCachedPrimitives();
void conv3dClearCache();

// The bf16 forward convolution (conv3d_bf16.cc): false, with nothing written, when this CPU has no native
// bf16 dot products (bf16Supported) or oneDNN has only a reference implementation for the shape.
struct ConvParams;
bool bf16Supported();
bool conv3dForwardBf16(const ConvParams &p, float *x, float *w, float *y);
size_t conv3dBf16CachedPrimitives();
void conv3dBf16ClearCache();

napi_value Matmul(napi_env env, napi_callback_info info);
void matmulClearCache();

napi_value Binary(napi_env env, napi_callback_info info);
napi_value Copy(napi_env env, napi_callback_info info);
napi_value Unary(napi_env env, napi_callback_info info);
napi_value Fill(napi_env env, napi_callback_info info);
napi_value ReduceSum(napi_env env, napi_callback_info info);
napi_value ChannelAffine(napi_env env, napi_callback_info info);
napi_value LinearUpsample(napi_env env, napi_callback_info info);
napi_value Attention(napi_env env, napi_callback_info info);

napi_value PeakGflops(napi_env env, napi_callback_info info);

napi_value RetainFreedMemory(napi_env env, napi_callback_info info);
napi_value AdviseHugePages(napi_env env, napi_callback_info info);

}  // namespace raunet
