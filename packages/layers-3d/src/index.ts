/**
 * Serializable 3D TensorFlow.js layers (NDHWC): trilinear upsampling, zero padding, 3D batch/instance/group normalization,
 * residual block, 3D multi-head self-attention with a relative position code, and the RA block of RA-Unet.
 * Importing the package registers every layer class with `tf.serialization`, so models containing them
 * load with `tf.loadLayersModel`.
 *
 * @packageDocumentation
 */
export type { ConvPadding, InitializerName, InitializerSpec, LayerArgs } from './layer-args.js';
export { TrilinearUpSampling3D, trilinearUpSampling3D } from './trilinear-up-sampling-3d.js';
export type { TrilinearUpSampling3DArgs, UpSamplingInterpolation3D } from './trilinear-up-sampling-3d.js';
export { BatchNorm3D, GroupNorm3D, InstanceNorm3D, Norm3D, batchNorm3D, groupNorm3D, instanceNorm3D } from './normalization-3d.js';
export type { BatchNorm3DArgs, GroupNorm3DArgs, InstanceNorm3DArgs, Norm3DArgs, Normalization3D } from './normalization-3d.js';
export { ZeroPadding3D, zeroPadding3D } from './zero-padding-3d.js';
export type { Padding3D, ZeroPadding3DArgs } from './zero-padding-3d.js';
export { ResidualBlock3D, residualBlock3D } from './residual-block-3d.js';
export type { ResidualBlock3DArgs } from './residual-block-3d.js';
export { MultiHeadSelfAttention3D, multiHeadSelfAttention3D } from './multi-head-self-attention-3d.js';
export type { MultiHeadSelfAttention3DArgs } from './multi-head-self-attention-3d.js';
export { RABlock3D, raBlock3D } from './ra-block-3d.js';
export type { RABlock3DArgs } from './ra-block-3d.js';
export { CHANNEL_AFFINE_KERNEL } from './internal/channel-affine.js';
export { ATTENTION_KERNEL } from './internal/attention.js';
export { LINEAR_UPSAMPLE_KERNEL } from './internal/linear-upsample.js';
