import { InvalidArgumentError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import { installEarlyTapeRelease } from './early-release.js';
import { batchNormTraining, fusedOpsEnabled } from './fused-batch-norm.js';
import type { Initializer } from './initializers.js';
import { channelAffine } from './channel-affine.js';

/** The normalization kinds (public as `Normalization3D`). */
export type NormKind = 'batch' | 'instance' | 'group' | 'none';

/** All normalization kinds, for validation. */
export const NORM_KINDS: readonly NormKind[] = ['batch', 'instance', 'group', 'none'];

/** Adds one weight to the owning layer (wraps the protected `Layer.addWeight`). */
export type AddWeight = (name: string, shape: number[], initializer: Initializer, trainable: boolean) => tf.LayerVariable;

/** The variables of one normalization (null when absent). */
export interface NormWeights {
  kind: NormKind;
  channels: number;
  groups: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable | null;
  movingVariance: tf.LayerVariable | null;
}

/** Hyper-parameters shared by the normalizations. */
export interface NormParams {
  momentum: number;
  epsilon: number;
}

/** Throws unless `groups` divides `channels`. */
export function checkGroups(channels: number, groups: number, where: string): void {
  if (channels % groups !== 0) {
    throw new InvalidArgumentError(
      `${where}: group normalization needs the channel count to be a multiple of groups, received ${channels} channels and groups = ${groups}`,
    );
  }
}

/**
 * Adds the weights of one normalization: `<prefix>gamma`, `<prefix>beta` (trainable, when `scale`/`center`)
 * and for batch norm `<prefix>moving_mean`, `<prefix>moving_variance` (not trainable).
 */
export function addNormWeights(
  add: AddWeight,
  prefix: string,
  kind: NormKind,
  channels: number,
  groups: number,
  options: { center: boolean; scale: boolean },
): NormWeights {
  // instance norm is group norm with one group per channel: one computation in applyNorm
  const perChannel = kind === 'instance';
  const w: NormWeights = { kind, channels, groups: perChannel ? channels : groups, gamma: null, beta: null, movingMean: null, movingVariance: null };
  if (kind === 'none') return w;
  if (options.scale) w.gamma = add(`${prefix}gamma`, [channels], tf.initializers.ones(), true);
  if (options.center) w.beta = add(`${prefix}beta`, [channels], tf.initializers.zeros(), true);
  if (kind === 'batch') {
    w.movingMean = add(`${prefix}moving_mean`, [channels], tf.initializers.zeros(), false);
    w.movingVariance = add(`${prefix}moving_variance`, [channels], tf.initializers.ones(), false);
  }
  return w;
}

/**
 * `moving <- moving - (moving - value) * (1 - momentum)`, written imperatively exactly as tfjs-layers'
 * BatchNormalization does (it runs inside `model.fit`, `trainOnBatch` and `optimizer.minimize`).
 */
function updateMoving(variable: tf.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const orig = variable.read();
    variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - momentum)));
  });
}

/**
 * Updates a batch norm's moving statistics from one batch's mean and biased variance over `count` values
 * per channel: the moving variance tracks the unbiased batch variance (times count / (count - 1); the biased
 * one when count = 1), as PyTorch's BatchNorm does (tfjs-layers uses the biased one).
 */
export function updateMovingStatistics(w: NormWeights, momentum: number, mean: tf.Tensor, variance: tf.Tensor, count: number): void {
  updateMoving(w.movingMean!, mean, momentum);
  tf.tidy(() => updateMoving(w.movingVariance!, count > 1 ? tf.mul(variance, count / (count - 1)) : variance, momentum));
}

/**
 * Training-mode batch norm of `x` with its batch statistics (moving statistics updated), plus `residual` and
 * a ReLU when asked, as one autodiff node that keeps only what its gradient needs (see fused-batch-norm.ts).
 */
export function batchNormTrainingOf(
  x: tf.Tensor,
  w: NormWeights,
  params: NormParams,
  residual: tf.Tensor | null,
  relu: boolean,
): tf.Tensor {
  installEarlyTapeRelease();
  return batchNormTraining(x, w.gamma ? w.gamma.read() : null, w.beta ? w.beta.read() : null, residual, {
    epsilon: params.epsilon,
    relu,
    onStatistics: (mean, variance, count) => updateMovingStatistics(w, params.momentum, mean, variance, count),
  });
}

/**
 * Per-channel `scale = gamma / sqrt(variance + epsilon)` and `shift = beta - mean * scale`, with the same ops in
 * the same order as `affine` (so that `x * scale + shift` is bitwise its result).
 */
function scaleShift(
  mean: tf.Tensor,
  variance: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  epsilon: number,
): { scale: tf.Tensor; shift: tf.Tensor } {
  let scale: tf.Tensor = tf.rsqrt(tf.add(variance, epsilon));
  if (gamma) scale = tf.mul(scale, gamma);
  let shift: tf.Tensor = tf.neg(tf.mul(mean, scale));
  if (beta) shift = tf.add(shift, beta);
  return { scale, shift };
}

/** `(x - mean) / sqrt(variance + epsilon) * gamma + beta` with statistics broadcastable to `x`. */
function affine(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  epsilon: number,
): tf.Tensor {
  const { scale, shift } = scaleShift(mean, variance, gamma, beta, epsilon);
  return tf.add(tf.mul(x, scale), shift);
}

/**
 * Inference-mode batch norm with the moving statistics, plus `residual` and a ReLU when asked, as one
 * `channelAffine` pass (one kernel where the backend has it).
 */
export function batchNormInferenceOf(x: tf.Tensor, w: NormWeights, params: NormParams, residual: tf.Tensor | null, relu: boolean): tf.Tensor {
  const { scale, shift } = scaleShift(
    w.movingMean!.read(),
    w.movingVariance!.read(),
    w.gamma ? w.gamma.read() : null,
    w.beta ? w.beta.read() : null,
    params.epsilon,
  );
  return channelAffine(x, scale, shift, residual, relu);
}

/**
 * Applies one normalization to an NDHWC tensor. Batch norm: batch statistics over (batch, D, H, W) and a
 * moving-average update when `training`, moving statistics otherwise. Group norm: per sample and channel
 * group over (D, H, W, channels of the group); instance norm is group norm with one group per channel.
 * Normalization divides by the biased variance (by the count n), as PyTorch and tfjs-layers do; the moving
 * variance is updated with the unbiased batch variance (times n / (n - 1); the biased one when n = 1), as
 * PyTorch does (tfjs-layers uses the biased one).
 */
export function applyNorm(x: tf.Tensor, w: NormWeights, params: NormParams, training: boolean): tf.Tensor {
  if (training) installEarlyTapeRelease();
  if (w.kind === 'none') return x;
  const [b, d, h, wd, c] = x.shape;
  const gamma = w.gamma ? w.gamma.read() : null;
  const beta = w.beta ? w.beta.read() : null;
  const l = d * h * wd;
  if (w.kind === 'batch') {
    if (!training) return batchNormInferenceOf(x, w, params, null, false);
    if (fusedOpsEnabled()) return batchNormTrainingOf(x, w, params, null, false);
    const n = b * l;
    const { mean, variance } = tf.moments(tf.reshape(x, [n, c]), 0);
    updateMovingStatistics(w, params.momentum, mean, variance, n);
    return affine(x, mean, variance, gamma, beta, params.epsilon);
  }
  // instance norm is group norm with one group per channel (addNormWeights sets groups = channels)
  const g = w.groups;
  const x4 = tf.reshape(x, [b, l, g, c / g]);
  const { mean, variance } = tf.moments(x4, [1, 3], true);
  const perGroup = (t: tf.Tensor | null): tf.Tensor | null => (t ? tf.reshape(t, [g, c / g]) : null);
  return tf.reshape(affine(x4, mean, variance, perGroup(gamma), perGroup(beta), params.epsilon), x.shape);
}
