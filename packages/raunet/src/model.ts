import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, Rng } from '@raunet/core';
import {
  batchNorm3D,
  groupNorm3D,
  instanceNorm3D,
  raBlock3D,
  residualBlock3D,
  trilinearUpSampling3D,
  zeroPadding3D,
} from '@raunet/layers-3d';
import { defaultRAUnetConfig, levelFilters, levelGeometry, type RAUnetConfig } from './config.js';
import { assertModelFits } from './memory-estimate.js';
import { setModelInfo } from './model-info.js';

function resolveConfig(config: Partial<RAUnetConfig>, attention: boolean): RAUnetConfig {
  const c: RAUnetConfig = { ...defaultRAUnetConfig, patchSize: [...defaultRAUnetConfig.patchSize], ...config, attention };
  const where = 'buildRAUnet';
  const positiveInt = (v: number, name: string): void => {
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${where}: ${name} must be a positive integer, received ${v}`);
  };
  positiveInt(c.levels, 'levels');
  positiveInt(c.inputChannels, 'inputChannels');
  positiveInt(c.baseFilters, 'baseFilters');
  positiveInt(c.encoderBlocks, 'encoderBlocks');
  positiveInt(c.decoderBlocks, 'decoderBlocks');
  positiveInt(c.outputChannels, 'outputChannels');
  positiveInt(c.downsampleKernel, 'downsampleKernel');
  if (!(typeof c.normEpsilon === 'number' && c.normEpsilon > 0 && Number.isFinite(c.normEpsilon))) {
    throw new InvalidArgumentError(`${where}: normEpsilon must be a positive number, received ${JSON.stringify(c.normEpsilon)}`);
  }
  if (c.downsample !== 'conv' && c.downsample !== 'strided-block') {
    throw new InvalidArgumentError(`${where}: downsample must be 'conv' or 'strided-block', received ${JSON.stringify(c.downsample)}`);
  }
  if (c.downsamplePadding !== 'symmetric' && c.downsamplePadding !== 'same') {
    throw new InvalidArgumentError(`${where}: downsamplePadding must be 'symmetric' or 'same', received ${JSON.stringify(c.downsamplePadding)}`);
  }
  const triples = (value: unknown, name: string, length: number, what: string): void => {
    const ok =
      Array.isArray(value) &&
      value.length === length &&
      value.every((t) => Array.isArray(t) && t.length === 3 && t.every((v) => Number.isInteger(v) && (v as number) >= 1));
    if (!ok) {
      throw new InvalidArgumentError(
        `${where}: ${name} must hold ${length} (x, y, z) triples of positive integers (${what}), received ${JSON.stringify(value)}`,
      );
    }
  };
  if (!Array.isArray(c.patchSize) || c.patchSize.length !== 3) {
    throw new InvalidArgumentError(`${where}: patchSize must be [x, y, z] voxels, received ${JSON.stringify(c.patchSize)}`);
  }
  if (c.poolStrides !== undefined) triples(c.poolStrides, 'poolStrides', c.levels - 1, 'one per downsampling, levels - 1');
  if (c.kernelSizes !== undefined) {
    triples(c.kernelSizes, 'kernelSizes', c.levels, 'one per level');
    if (c.downsampleKernel !== defaultRAUnetConfig.downsampleKernel) {
      throw new InvalidArgumentError(
        `${where}: with kernelSizes the downsampling convolutions use kernelSizes[level]; leave downsampleKernel at 3, received ${c.downsampleKernel}`,
      );
    }
    if (c.downsamplePadding === 'symmetric' && c.kernelSizes.some((t) => t.some((k) => k % 2 === 0))) {
      throw new InvalidArgumentError(
        `${where}: kernelSizes must be odd with downsamplePadding 'symmetric' (padding k//2 keeps the size), received ${JSON.stringify(c.kernelSizes)}`,
      );
    }
  } else if (c.downsamplePadding === 'symmetric' && c.downsampleKernel % 2 === 0) {
    throw new InvalidArgumentError(`${where}: downsampleKernel must be odd with downsamplePadding 'symmetric', received ${c.downsampleKernel}`);
  }
  c.patchSize.forEach((p, i) => {
    const factor = c.poolStrides ? c.poolStrides.reduce((f, s) => f * s[i], 1) : 2 ** (c.levels - 1);
    if (!Number.isInteger(p) || p < factor || p % factor !== 0) {
      const strides = c.poolStrides ? `poolStrides ${JSON.stringify(c.poolStrides)}` : `2^(levels-1) with levels ${c.levels}`;
      throw new InvalidArgumentError(
        `${where}: patchSize ${'xyz'[i]} = ${p} voxels must be a positive multiple of ${factor}, the product of the ${'xyz'[i]} strides ` +
          `(${strides}; patchSize [${c.patchSize.join(', ')}])`,
      );
    }
  });
  if (c.filters && (c.filters.length !== c.levels || !c.filters.every((f) => Number.isInteger(f) && f > 0))) {
    throw new InvalidArgumentError(`${where}: filters must hold ${c.levels} positive integers (one per level), received ${JSON.stringify(c.filters)}`);
  }
  if (attention) {
    const level = c.attentionLevel ?? c.levels - 2;
    if (!Number.isInteger(level) || level < 0 || level > c.levels - 2) {
      throw new InvalidArgumentError(`${where}: attentionLevel must be a decoder level in [0, ${c.levels - 2}], received ${level}`);
    }
    c.attentionLevel = level;
    // Checked here in the config's own words (the RA layer would name its constructor argument instead).
    const channels = levelFilters(c)[level];
    const width = c.attentionBottleneckFilters ?? Math.floor(channels / 4);
    if (!Number.isInteger(width) || width < 1 || width % c.attentionHeads !== 0) {
      const divisor = [4, 2, 1].find((h) => h <= c.attentionHeads && width >= h && width % h === 0);
      throw new InvalidArgumentError(
        `${where}: the RA block's bottleneck (${c.attentionBottleneckFilters !== undefined ? `attentionBottleneckFilters = ${width}` : `${channels} channels at decoder level ${level} / 4 = ${width}`}) must be a positive multiple of attentionHeads = ${c.attentionHeads}; ` +
          `set attentionBottleneckFilters (e.g. ${c.attentionHeads * Math.max(1, Math.ceil(width / c.attentionHeads))})${divisor ? `, attentionHeads (e.g. ${divisor})` : ''} or a larger baseFilters`,
      );
    }
  }
  return c;
}

function norm(c: RAUnetConfig, name: string): tf.layers.Layer | null {
  const epsilon = c.normEpsilon;
  switch (c.normalization) {
    case 'batch':
      return batchNorm3D({ momentum: c.normMomentum, epsilon, name });
    case 'instance':
      return instanceNorm3D({ epsilon, name });
    case 'group':
      return groupNorm3D({ groups: c.groups, epsilon, name });
    default:
      return null;
  }
}

type Triple = [number, number, number];

/**
 * Convolution (+ normalization) + ReLU. With `padding` 'symmetric' the input is zero-padded by `floor(k/2)`
 * per side (a {@link zeroPadding3D} layer `<name>_pad`, absent when that is 0) and the convolution is 'valid'.
 */
function convNormRelu(
  x: tf.SymbolicTensor,
  c: RAUnetConfig,
  filters: number,
  kernel: Triple,
  strides: Triple,
  name: string,
  padding: 'symmetric' | 'same' = 'same',
): tf.SymbolicTensor {
  let tfPadding: 'same' | 'valid' = 'same';
  if (padding === 'symmetric') {
    const pads = kernel.map((k) => Math.floor(k / 2)) as Triple;
    if (pads.some((p) => p > 0)) x = zeroPadding3D({ padding: pads, name: `${name}_pad` }).apply(x) as tf.SymbolicTensor;
    tfPadding = 'valid';
  }
  let y = tf.layers
    .conv3d({ filters, kernelSize: kernel, strides, padding: tfPadding, useBias: c.normalization === 'none', kernelInitializer: 'heNormal', name: `${name}_conv` })
    .apply(x) as tf.SymbolicTensor;
  const n = norm(c, `${name}_norm`);
  if (n) y = n.apply(y) as tf.SymbolicTensor;
  return tf.layers.reLU({ name: `${name}_relu` }).apply(y) as tf.SymbolicTensor;
}

/**
 * He-normal values for a kernel of `shape` (fan-in = all but the last axis), drawn from `rng`: the one
 * initialization rule of the seeded builders and of the training-only heads of deep supervision.
 */
export function heNormalValues(rng: Rng, shape: readonly number[]): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / shape.slice(0, -1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal(0, std);
  return out;
}

/**
 * Overwrites every randomly initialized weight with values drawn from a seeded {@link Rng}, in
 * `model.weights` order: kernels (`*kernel*`) He-normal with fan-in = all but the last axis; other
 * non-constant weights (the attention's relative position codes) normal with std `1/sqrt(last axis)`
 * (BoTNet's choice); constant weights (zeros, ones, moving statistics) untouched.
 */
function reseed(model: tf.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  const values = model.weights.map((w) => {
    const v = w.read();
    const data = v.dataSync() as Float32Array;
    const shape = v.shape;
    let min = Infinity;
    let max = -Infinity;
    for (const x of data) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    if (!w.trainable || min === max) return v.clone();
    if (/kernel/i.test(w.originalName) && shape.length >= 2) return tf.tensor(heNormalValues(rng, shape), shape, 'float32');
    const out = new Float32Array(data.length);
    const std = 1 / Math.sqrt(shape[shape.length - 1] ?? 1);
    for (let i = 0; i < out.length; i++) out[i] = rng.normal(0, std);
    return tf.tensor(out, shape, 'float32');
  });
  model.setWeights(values);
  tf.dispose(values);
}

function build(config: Partial<RAUnetConfig>, attention: boolean): tf.LayersModel {
  const c = resolveConfig(config, attention);
  // A configuration whose attention logits cannot exist even for one patch is refused here, not mid-training.
  assertModelFits(c, { batchSize: 1, training: false, where: 'buildRAUnet' });
  const filters = levelFilters(c);
  const geometry = levelGeometry(c);
  const [px, py, pz] = c.patchSize;
  const input = tf.input({ shape: [pz, py, px, c.inputChannels], name: 'ct' });
  const block = (f: number, level: number, name: string, strides: Triple = [1, 1, 1]): tf.layers.Layer =>
    residualBlock3D({
      filters: f,
      kernelSize: geometry.kernels[level],
      strides,
      padding: c.downsamplePadding,
      normalization: c.normalization,
      groups: c.groups,
      momentum: c.normMomentum,
      epsilon: c.normEpsilon,
      name,
    });
  let x: tf.SymbolicTensor = input;
  const skips: tf.SymbolicTensor[] = [];
  for (let l = 0; l < c.levels; l++) {
    const strided = l > 0 && c.downsample === 'strided-block';
    if (l > 0 && !strided) {
      x = convNormRelu(x, c, filters[l - 1], geometry.downsampleKernels[l - 1], geometry.strides[l - 1], `enc${l}_down`, c.downsamplePadding);
    }
    for (let b = 0; b < c.encoderBlocks; b++) {
      const strides = strided && b === 0 ? geometry.strides[l - 1] : undefined;
      x = block(filters[l], l, `enc${l}_block${b}`, strides).apply(x) as tf.SymbolicTensor;
    }
    if (l < c.levels - 1) skips.push(x);
  }
  for (let l = c.levels - 2; l >= 0; l--) {
    let up = trilinearUpSampling3D({ size: geometry.strides[l], interpolation: 'trilinear', name: `dec${l}_up` }).apply(x) as tf.SymbolicTensor;
    if (c.upsampleProjection) up = convNormRelu(up, c, filters[l], [1, 1, 1], [1, 1, 1], `dec${l}_upproj`);
    x = tf.layers.concatenate({ axis: -1, name: `dec${l}_concat` }).apply([up, skips[l]]) as tf.SymbolicTensor;
    for (let b = 0; b < c.decoderBlocks; b++) x = block(filters[l], l, `dec${l}_block${b}`).apply(x) as tf.SymbolicTensor;
    if (attention && l === c.attentionLevel) {
      x = raBlock3D({
        heads: c.attentionHeads,
        normalization: c.normalization,
        groups: c.groups,
        momentum: c.normMomentum,
        epsilon: c.normEpsilon,
        outputProjection: c.attentionOutputProjection,
        ...(c.attentionBottleneckFilters ? { bottleneckFilters: c.attentionBottleneckFilters } : {}),
        name: `dec${l}_ra`,
      }).apply(x) as tf.SymbolicTensor;
    }
  }
  const output = tf.layers
    .conv3d({ filters: c.outputChannels, kernelSize: 1, activation: 'sigmoid', useBias: true, name: 'head' })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: attention ? 'ra_unet' : 'unet3d' });
  if (c.seed !== undefined) reseed(model, c.seed);
  setModelInfo(model, { architecture: attention ? 'raunet' : 'unet', config: c });
  return model;
}

/**
 * Builds the paper's RA-Unet (see {@link RAUnetConfig} for every number and its default): a 3D U-Net
 * with 5 levels of 16..256 channels, two residual blocks per encoder level and one per decoder level,
 * stride-2 3x3x3 convolutions between levels (symmetric `k//2` padding, as PyTorch), trilinear upsampling
 * (+ a 1x1x1 channel-halving convolution) and skip concatenation, the RA block after the decoder level just
 * above the bottleneck, and a 1x1x1 convolution with a sigmoid. Input `[batch, z, y, x, 1]`, output
 * `[batch, z, y, x, 1]`. Per-level strides and kernels (`poolStrides`, `kernelSizes`) give anisotropic and
 * one-slice (2D) networks.
 *
 * The default has 10,748,817 trainable parameters (plus 7,744 batch-norm moving statistics); see the
 * package README for how this compares to the SPEC's PyTorch reference, and docs/method.md for the paper's
 * literal form (10,725,073).
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when a patch size is not a multiple of the product of its axis' strides or a field is out of range.
 * @example
 * ```ts
 * const model = buildRAUnet(); // 192x192x32 patches
 * const small = buildRAUnet({ patchSize: [32, 32, 16], levels: 3, baseFilters: 4, seed: 1 });
 * const thick = buildRAUnet({ patchSize: [64, 64, 8], poolStrides: [[2, 2, 1], [2, 2, 2], [2, 2, 2], [2, 2, 1]] });
 * ```
 */
export function buildRAUnet(config: Partial<RAUnetConfig> = {}): tf.LayersModel {
  return build(config, config.attention ?? true);
}

/**
 * Builds the paper's baseline 3D U-Net: {@link buildRAUnet} without the RA block.
 *
 * @example
 * ```ts
 * const unet = buildUNet3D({ patchSize: [64, 64, 16] });
 * ```
 */
export function buildUNet3D(config: Partial<RAUnetConfig> = {}): tf.LayersModel {
  return build(config, false);
}

/** One row of a {@link ModelSummary}. */
export interface LayerSummary {
  /** Layer name. */
  name: string;
  /** tfjs class name. */
  className: string;
  /** Output shape, `null` for the batch axis. */
  outputShape: (number | null)[];
  /** Trainable parameters of the layer. */
  trainable: number;
  /** Non-trainable parameters (moving statistics). */
  nonTrainable: number;
}

/** Result of {@link summarizeModel}. */
export interface ModelSummary {
  /** Per-layer rows in model order. */
  layers: LayerSummary[];
  /** Trainable parameters (what PyTorch calls parameters). */
  trainableParameters: number;
  /** Non-trainable parameters (batch-norm moving mean and variance; PyTorch buffers). */
  nonTrainableParameters: number;
  /** Sum of both. */
  totalParameters: number;
  /** The table as text. */
  text: string;
}

const count = (ws: tf.LayerVariable[]): number => ws.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);

/**
 * Parameter counts of a model, per layer and in total, with a printable table.
 *
 * @example
 * ```ts
 * console.log(summarizeModel(buildRAUnet()).text);
 * ```
 */
export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layers = model.layers.map((l) => {
    const shape = l.outputShape;
    return {
      name: l.name,
      className: l.getClassName(),
      outputShape: (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[],
      trainable: count(l.trainableWeights),
      nonTrainable: count(l.nonTrainableWeights),
    };
  });
  const trainableParameters = count(model.trainableWeights);
  const nonTrainableParameters = count(model.nonTrainableWeights);
  const rows = layers.map((l) => `${l.name.padEnd(22)} ${l.className.padEnd(28)} ${JSON.stringify(l.outputShape).padEnd(24)} ${String(l.trainable).padStart(10)}`);
  const text = [
    `${'layer'.padEnd(22)} ${'class'.padEnd(28)} ${'output'.padEnd(24)} ${'params'.padStart(10)}`,
    ...rows,
    `trainable ${trainableParameters}, non-trainable ${nonTrainableParameters}, total ${trainableParameters + nonTrainableParameters}`,
  ].join('\n');
  return { layers, trainableParameters, nonTrainableParameters, totalParameters: trainableParameters + nonTrainableParameters, text };
}
