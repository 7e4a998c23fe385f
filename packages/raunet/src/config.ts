import type { Normalization3D } from '@raunet/layers-3d';

/**
 * Every number of the RA-Unet architecture (../shared/SPEC.md), with the paper's value as default.
 * Sizes are (x, y, z); the model's input tensor is `[batch, z, y, x, inputChannels]` (NDHWC).
 */
export interface RAUnetConfig {
  /** Training patch size (x, y, z) in voxels; each entry must be divisible by `2^(levels-1)`. @defaultValue [192, 192, 32] */
  patchSize: [number, number, number];
  /** Channels of the input image. @defaultValue 1 */
  inputChannels: number;
  /** Resolution levels, the bottleneck included. @defaultValue 5 */
  levels: number;
  /** Channels of the first level; they double at each level (16, 32, 64, 128, 256). @defaultValue 16 */
  baseFilters: number;
  /** Explicit channels per level (overrides `baseFilters`); length `levels`. @defaultValue undefined */
  filters?: number[];
  /** Residual blocks per encoder level. @defaultValue 2 */
  encoderBlocks: number;
  /** Residual blocks per decoder level. @defaultValue 1 */
  decoderBlocks: number;
  /** Normalization after every convolution. @defaultValue 'batch' */
  normalization: Normalization3D;
  /** Groups of group normalization (used when `normalization` is `'group'`). @defaultValue 8 */
  groups: number;
  /**
   * Batch-norm moving-average momentum, Keras convention (`moving = m * moving + (1 - m) * batch`).
   * 0.9 equals PyTorch's default `momentum=0.1`, the paper's framework. @defaultValue 0.9
   */
  normMomentum: number;
  /** Kernel size of the stride-2 downsampling convolution. @defaultValue 3 */
  downsampleKernel: number;
  /**
   * 1x1x1 convolution after each trilinear upsampling that halves the channels before the skip
   * concatenation (the "up-convolution" of the 3D U-Net). [choice] @defaultValue true
   */
  upsampleProjection: boolean;
  /** Insert the RA block (residual attention) in the decoder. `false` gives the paper's U-Net baseline. @defaultValue true */
  attention: boolean;
  /**
   * Decoder level (0 = full resolution, `levels - 2` = just above the bottleneck) after whose residual
   * block the RA block sits. @defaultValue levels - 2 (3 for the default: 24x24x4 grid, 128 channels)
   */
  attentionLevel?: number;
  /** Heads of the RA block's self-attention. @defaultValue 4 */
  attentionHeads: number;
  /** Reduced channels inside the RA block's bottleneck. @defaultValue channels of that level / 4 */
  attentionBottleneckFilters?: number;
  /** Output channels (one sigmoid probability per class). @defaultValue 1 */
  outputChannels: number;
  /**
   * Seed of the weight initialization: two models built with the same config and seed have identical
   * weights. `undefined` keeps tfjs' unseeded initializers. @defaultValue undefined
   */
  seed?: number;
}

/** The paper's RA-Unet: 192x192x32 patches, 5 levels, 16..256 channels, batch norm, RA block above the bottleneck. */
export const defaultRAUnetConfig: Readonly<RAUnetConfig> = Object.freeze({
  patchSize: [192, 192, 32] as [number, number, number],
  inputChannels: 1,
  levels: 5,
  baseFilters: 16,
  encoderBlocks: 2,
  decoderBlocks: 1,
  normalization: 'batch',
  groups: 8,
  normMomentum: 0.9,
  downsampleKernel: 3,
  upsampleProjection: true,
  attention: true,
  attentionHeads: 4,
  outputChannels: 1,
});

/** Channels per level of a config (`filters` or `baseFilters * 2^level`). */
export function levelFilters(config: RAUnetConfig): number[] {
  if (config.filters) return [...config.filters];
  return Array.from({ length: config.levels }, (_, i) => config.baseFilters * 2 ** i);
}
