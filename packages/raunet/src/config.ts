import type { ConvPadding, Normalization3D } from '@raunet/layers-3d';

type AxisTriple = [number, number, number];

/**
 * Every number of the RA-Unet architecture (../shared/SPEC.md), with the paper's value as default.
 * Sizes are (x, y, z); the model's input tensor is `[batch, z, y, x, inputChannels]` (NDHWC).
 */
export interface RAUnetConfig {
  /**
   * Training patch size (x, y, z) in voxels. Each entry must be divisible by the product of the strides along
   * its axis ({@link RAUnetConfig.poolStrides}; `2^(levels-1)` with the default strides). A patch with z = 1
   * (and z strides and kernels 1) is a 2D network of the same architecture. @defaultValue [192, 192, 32]
   */
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
  /**
   * Kernel size (all three axes) of the downsampling convolutions when {@link RAUnetConfig.kernelSizes} is
   * not given; with `kernelSizes` the downsampling convolution into level l uses `kernelSizes[l]` and this
   * field must stay 3. @defaultValue 3
   */
  downsampleKernel: number;
  /**
   * Stride of each downsampling, level l to l + 1, in (x, y, z) order (nnU-Net's pool op kernel sizes), length
   * `levels - 1`; e.g. `[2, 2, 1]` does not pool along z. The decoder upsamples by the same factors. Tensor axes
   * are `[batch, z, y, x, c]`, so `[2, 2, 1]` is the tfjs stride `[1, 2, 2]`.
   * @defaultValue `undefined`: 2 along every axis at every level (the paper)
   */
  poolStrides?: [number, number, number][];
  /**
   * Kernel size of each level's convolutions in (x, y, z) order (residual blocks and the downsampling
   * convolution into that level), length `levels`; e.g. `[3, 3, 1]` for thick slices. Odd sizes when
   * {@link RAUnetConfig.downsamplePadding} is `'symmetric'`.
   * @defaultValue `undefined`: 3x3x3 at every level (the paper)
   */
  kernelSizes?: [number, number, number][];
  /**
   * How the resolution is halved between levels. `'conv'`: a separate strided convolution (kernel
   * `kernelSizes[l]`, channels of the previous level) + normalization + ReLU before the level's residual blocks
   * (the SPEC's "3x3x3 convolution with stride 2 between levels"). `'strided-block'`: no separate convolution,
   * the first residual block of the level strides (its 1x1x1 projection shortcut strides too), as in ResNet
   * and nnU-Net's residual encoders. [choice] @defaultValue 'conv'
   */
  downsample: 'conv' | 'strided-block';
  /**
   * Zero padding of the strided convolutions (see {@link @raunet/layers-3d!ConvPadding | ConvPadding}), and of
   * the residual blocks. `'symmetric'`: `floor(k / 2)` on both sides (PyTorch `padding=k//2`), so a downsampled
   * voxel is centred on input voxel `2i`, aligned with the strided 1x1x1 shortcut and with the trilinear
   * upsampling's half-pixel grid. `'same'`: TensorFlow's (0 before, 1 after on even sizes), what models built
   * before this field existed use. @defaultValue 'symmetric'
   */
  downsamplePadding: ConvPadding;
  /**
   * Epsilon of every normalization layer (added to the variance). Models built before this field existed
   * keep theirs (1e-3, stored in their layer configs). @defaultValue 1e-5 (PyTorch, MONAI, nnU-Net)
   */
  normEpsilon: number;
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
  /**
   * The RA block's attention output projection: a 1x1x1 convolution (bottleneck to bottleneck, BoTNet's and
   * the Transformer's W_O) after `softmax(Q K^T / sqrt(d) + Q P^T) V` and before the block's normalization.
   * `false` is the paper's literal form, Z fed straight to the expand convolution (which then mixes the
   * heads); it saves `bottleneck^2` parameters (1,024 at the paper's size). [choice] @defaultValue true
   */
  attentionOutputProjection: boolean;
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
  normEpsilon: 1e-5,
  downsampleKernel: 3,
  downsample: 'conv',
  downsamplePadding: 'symmetric',
  upsampleProjection: true,
  attention: true,
  attentionHeads: 4,
  attentionOutputProjection: true,
  outputChannels: 1,
});

/** Channels per level of a config (`filters` or `baseFilters * 2^level`). */
export function levelFilters(config: RAUnetConfig): number[] {
  if (config.filters) return [...config.filters];
  return Array.from({ length: config.levels }, (_, i) => config.baseFilters * 2 ** i);
}

/** Resolution levels as geometry in tensor order (z, y, x): see {@link levelGeometry}. */
export interface LevelGeometry {
  /** Stride `[z, y, x]` of the downsampling from level l to l + 1 (length `levels - 1`). */
  strides: [number, number, number][];
  /** Kernel `[z, y, x]` of level l's residual blocks (length `levels`). */
  kernels: [number, number, number][];
  /** Kernel `[z, y, x]` of the downsampling convolution from level l to l + 1 (length `levels - 1`). */
  downsampleKernels: [number, number, number][];
  /** Spatial size `[z, y, x]` of level l for the config's patch size (length `levels`). */
  sizes: [number, number, number][];
}

const zyx = (t: AxisTriple): [number, number, number] => [t[2], t[1], t[0]];

/**
 * Per-level strides, kernels and grid sizes of a config in tensor order `[z, y, x]` (the config's fields are
 * (x, y, z)). Assumes a validated config (the builder checks divisibility).
 *
 * @example
 * ```ts
 * levelGeometry({ ...defaultRAUnetConfig, poolStrides: [[2, 2, 1], [2, 2, 2], [2, 2, 2], [2, 2, 1]] }).sizes;
 * // [[32, 192, 192], [32, 96, 96], [16, 48, 48], [8, 24, 24], [8, 12, 12]]
 * ```
 */
export function levelGeometry(config: RAUnetConfig): LevelGeometry {
  const levels = config.levels;
  const strides = Array.from({ length: Math.max(levels - 1, 0) }, (_, l) => zyx(config.poolStrides?.[l] ?? [2, 2, 2]));
  const kernels = Array.from({ length: levels }, (_, l) => zyx(config.kernelSizes?.[l] ?? [3, 3, 3]));
  const k = config.downsampleKernel;
  const downsampleKernels = strides.map((_, l): [number, number, number] => (config.kernelSizes ? kernels[l + 1] : [k, k, k]));
  const sizes: [number, number, number][] = [zyx(config.patchSize)];
  for (let l = 0; l < levels - 1; l++) {
    const prev = sizes[l];
    sizes.push([Math.floor(prev[0] / strides[l][0]), Math.floor(prev[1] / strides[l][1]), Math.floor(prev[2] / strides[l][2])]);
  }
  return { strides, kernels, downsampleKernels, sizes };
}
