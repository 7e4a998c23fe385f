import { InvalidArgumentError } from '@raunet/core';
import { levelFilters, levelGeometry, type RAUnetConfig } from './config.js';

/**
 * Most values one JavaScript typed array can hold (V8, Node 20+: 2^32). tfjs's cpu backend keeps each
 * tensor in one typed array, so a larger tensor fails with "RangeError: Invalid typed array length".
 */
export const MAX_TENSOR_VALUES = 2 ** 32;

/** Options of {@link estimateModelMemory}. */
export interface EstimateModelMemoryOptions {
  /** Patches per step. @defaultValue 1 */
  batchSize?: number;
  /** Training (activations kept for the backward pass, gradients, Adam state) or a forward pass only. @defaultValue true */
  training?: boolean;
}

/** What a configuration needs per step, estimated from its geometry (see {@link estimateModelMemory}). */
export interface ModelMemoryEstimate {
  /** Attention tokens (voxels of the RA block's grid), 0 without attention. */
  attentionTokens: number;
  /** The RA block's grid, (x, y, z) voxels, when there is one. */
  attentionGrid?: [number, number, number];
  /** Decoder level of the RA block, when there is one. */
  attentionLevel?: number;
  /** Values of one attention-logit tensor, `batch · heads · tokens²`: the largest single tensor of RA-Unet at any practical size. */
  attentionLogitValues: number;
  /** Bytes of the attention tensors alive at once (logits, softmax and, when training, their gradient). */
  attentionBytes: number;
  /** Bytes of the feature maps (the convolution, normalization and activation outputs of every level). */
  activationBytes: number;
  /** Bytes of weights (and, when training, gradients and Adam's two moments). */
  parameterBytes: number;
  /** Sum of the three. A lower bound: tfjs holds a few more temporaries. */
  totalBytes: number;
}

/**
 * Estimates the memory one step of a configuration needs, before anything is allocated: the RA block's
 * attention logits (`batch · heads · tokens²` float32 values, quadratic in the tokens of its grid) and
 * the feature maps of every level (about 7 stored tensors per residual block: convolutions,
 * normalizations, activations, the residual sum). Meant to refuse configurations that cannot run, not
 * to predict the exact peak.
 *
 * @example
 * ```ts
 * const e = estimateModelMemory({ ...defaultRAUnetConfig, levels: 3, patchSize: [192, 192, 4] }, { batchSize: 4 });
 * e.attentionTokens; // 18432 (a 96x96x2 grid)
 * e.attentionLogitValues; // 5435817984, more than one typed array holds
 * ```
 */
export function estimateModelMemory(config: RAUnetConfig, options: EstimateModelMemoryOptions = {}): ModelMemoryEstimate {
  const batch = options.batchSize ?? 1;
  const training = options.training ?? true;
  const filters = levelFilters(config);
  const { sizes } = levelGeometry(config);
  const voxels = sizes.map((s) => s[0] * s[1] * s[2]);
  let activations = 0;
  let parameters = 0;
  for (let l = 0; l < config.levels; l++) {
    const decoder = l < config.levels - 1 ? config.decoderBlocks : 0;
    // per residual block ~7 stored tensors; downsampling conv+norm+relu 3; upsampling, projection (3), concat (2x channels)
    const tensors = 7 * (config.encoderBlocks + decoder) + (l > 0 ? 3 : 0) + (decoder > 0 ? 6 : 0);
    activations += tensors * filters[l] * voxels[l];
    const k = 27 * filters[l] * filters[l];
    parameters += k * (2 * config.encoderBlocks + 2 * decoder + 1);
  }
  const level = config.attention ? (config.attentionLevel ?? config.levels - 2) : undefined;
  const tokens = level === undefined ? 0 : voxels[level];
  const heads = config.attentionHeads;
  const logits = batch * heads * tokens * tokens;
  // forward: Q·(K/√d + P)ᵀ logits and their softmax; training keeps both and adds their gradient
  const attentionBytes = 4 * logits * (training ? 3 : 2);
  const activationBytes = 4 * batch * activations * (training ? 1 : 0.3);
  const parameterBytes = 4 * parameters * (training ? 4 : 1);
  return {
    attentionTokens: tokens,
    ...(level !== undefined ? { attentionLevel: level, attentionGrid: [sizes[level][2], sizes[level][1], sizes[level][0]] as [number, number, number] } : {}),
    attentionLogitValues: logits,
    attentionBytes,
    activationBytes,
    parameterBytes,
    totalBytes: attentionBytes + activationBytes + parameterBytes,
  };
}

/** Options of {@link assertModelFits}. */
export interface AssertModelFitsOptions extends EstimateModelMemoryOptions {
  /** Memory available, in bytes; `undefined` checks only what can never run (a tensor larger than one typed array). @defaultValue undefined */
  memoryBytes?: number;
  /** Start of the message, e.g. `'train'`. @defaultValue 'RA-Unet' */
  where?: string;
}

const giga = (n: number): string => `${(n / 1e9).toFixed(1)} G`;
const gb = (n: number): string => `${(n / 2 ** 30).toFixed(1)} GiB`;
const thousands = (n: number): string => n.toLocaleString('en-US');

/**
 * Refuses, in one line naming the cause and a fix, a configuration whose step cannot run: attention
 * logits larger than one typed array ({@link MAX_TENSOR_VALUES}), or an estimated need
 * ({@link estimateModelMemory}) above `memoryBytes`.
 *
 * @example
 * ```ts
 * assertModelFits(config, { batchSize: 4, memoryBytes: os.totalmem(), where: 'train' });
 * ```
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} naming the attention grid, the sizes and a fix.
 */
export function assertModelFits(config: RAUnetConfig, options: AssertModelFitsOptions = {}): ModelMemoryEstimate {
  const e = estimateModelMemory(config, options);
  const batch = options.batchSize ?? 1;
  const where = options.where ?? 'RA-Unet';
  const tooLong = e.attentionLogitValues > MAX_TENSOR_VALUES;
  const tooBig = options.memoryBytes !== undefined && e.totalBytes > options.memoryBytes;
  if (!tooLong && !tooBig) return e;
  if (e.attentionTokens > 0 && (tooLong || e.attentionBytes > e.totalBytes / 2)) {
    const grid = e.attentionGrid!;
    // largest tokens that fit: both limits, then a patch with x and y scaled to reach them
    const budget = Math.min(MAX_TENSOR_VALUES, options.memoryBytes !== undefined ? options.memoryBytes / (4 * (options.training === false ? 2 : 3)) / 2 : Infinity);
    const maxTokens = Math.floor(Math.sqrt(budget / (batch * config.attentionHeads)));
    const scale = Math.sqrt(maxTokens / e.attentionTokens);
    const factor = (i: number) => (config.poolStrides ? config.poolStrides.reduce((f, s) => f * s[i], 1) : 2 ** (config.levels - 1));
    const smaller = config.patchSize.map((p, i) => (i === 2 ? p : Math.max(factor(i), Math.floor((p * scale) / factor(i)) * factor(i))));
    const deeper = e.attentionLevel! < config.levels - 2 ? `attentionLevel: ${config.levels - 2} (the deepest decoder level)` : `more levels (levels: ${config.levels + 1} or more, with the RA block just above the bottleneck)`;
    const cause = tooLong
      ? `more than one typed array holds (${giga(MAX_TENSOR_VALUES)})`
      : `about ${gb(e.totalBytes)} of memory in all, more than the ${gb(options.memoryBytes!)} available`;
    throw new InvalidArgumentError(
      `${where}: this configuration cannot run: the RA block at decoder level ${e.attentionLevel} attends over a ${grid.join('x')} grid = ${thousands(e.attentionTokens)} tokens, ` +
        `so its attention logits are ${batch} (batch) x ${config.attentionHeads} (heads) x ${thousands(e.attentionTokens)}² = ${giga(e.attentionLogitValues)} values per step, ${cause}; ` +
        `fix: ${deeper}, a smaller patch (at most ${thousands(maxTokens)} tokens at that level, e.g. patchSize [${smaller.join(', ')}]) or a smaller batch`,
    );
  }
  throw new InvalidArgumentError(
    `${where}: this configuration cannot run: a step needs about ${gb(e.totalBytes)} (feature maps ${gb(e.activationBytes)} for batch ${batch} of patch ${config.patchSize.join('x')}), more than the ${gb(options.memoryBytes!)} available; fix: a smaller patch or batch, or fewer filters`,
  );
}
