// Training-mode batch normalization (+ residual add + ReLU) as one autodiff node.
//
// Written as a chain of elementwise ops (moments, then x * inv + shift, then add and relu), batch norm leaves
// tfjs's tape holding several full-size tensors per layer until the end of the backward pass: x - mean (kept
// by Square), x * inv (kept by Add), the normalized output (kept by Relu or Add) and the pre-ReLU sum, plus a
// full-size gradient for each of them. Here the forward runs inside `tf.customGrad`, where nothing is taped,
// and the node saves only what its gradient needs, as cuDNN's and oneDNN's batch-normalization primitives
// do: the input x, the output y when a ReLU follows (its mask is y > 0; y is the next convolution's saved
// input anyway) and the per-channel mean and 1/sqrt(variance + epsilon). The saved tensors are released as
// soon as the node's gradient is computed, instead of at the end of the backward pass.
//
// The forward runs the same ops in the same order as the chain (so the values are bitwise the chain's); the
// gradient is the closed form of the batch-norm gradient (same values up to float32 rounding):
//   xhat = (x - mean) * invstd, dz = dy * [y > 0],
//   dbeta = sum(dz), dgamma = sum(dz * xhat), dx = gamma * invstd * (dz - dbeta / n - xhat * dgamma / n),
//   dresidual = dz,
// the last as two per-channel affine maps (the channel-affine kernel where the backend has it), each
// full-size temporary freed as soon as it is read.
import * as tf from '@tensorflow/tfjs';
import { channelAffine } from './channel-affine.js';

let fusedEnabled = true;

/**
 * Turns the single-node ops off (the former chains of ops run instead: batch norm as elementwise ops, the
 * upsampling of upsample-3d.ts taped op by op) or back on. For the memory benchmark's same-run baseline and
 * for tests comparing the two; not part of the public API.
 */
export function setFusedOps(enabled: boolean): void {
  fusedEnabled = enabled;
}

/** Whether the single-node ops run (see {@link setFusedOps}). */
export function fusedOpsEnabled(): boolean {
  return fusedEnabled;
}

/** Options of {@link batchNormTraining}. */
export interface BatchNormTrainingOptions {
  /** Added to the variance before the square root. */
  epsilon: number;
  /** Apply a ReLU to the (normalized + residual) result. */
  relu: boolean;
  /**
   * Called once in the forward pass with the batch mean and biased variance per channel (`[c]`) and the
   * number of values per channel, to update moving statistics. The tensors are disposed after the call.
   */
  onStatistics?: (mean: tf.Tensor, variance: tf.Tensor, count: number) => void;
}

/**
 * `relu?(gamma * (x - mean) / sqrt(variance + epsilon) + beta + residual?)` over the last axis of `x`, with
 * the batch statistics of `x` over all other axes, as one autodiff node (see the file comment). `gamma`,
 * `beta` (`[c]`) and `residual` (the shape of `x`) may be null.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  residual: tf.Tensor | null,
  options: BatchNormTrainingOptions,
): tf.Tensor {
  const { epsilon, relu, onStatistics } = options;
  const c = x.shape[x.rank - 1];
  const n = x.size / c;
  const inputs = [x, gamma, beta, residual].filter((t): t is tf.Tensor => t !== null);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // nested tidies free each full-size temporary as soon as the next op has read it
    const { mean, variance } = tf.tidy(() => tf.moments(tf.reshape(x, [n, c]), 0));
    onStatistics?.(mean, variance, n);
    const invstd = tf.rsqrt(tf.add(variance, epsilon));
    const inv = gamma ? tf.mul(invstd, gamma) : invstd;
    let shift: tf.Tensor = tf.neg(tf.mul(mean, inv));
    if (beta) shift = tf.add(shift, beta);
    const y = tf.tidy(() => {
      let z: tf.Tensor = tf.add(tf.mul(x, inv), shift);
      if (residual) z = tf.add(z, residual);
      return relu ? tf.relu(z) : z;
    });
    save([x, mean, invstd, ...(gamma ? [gamma] : []), ...(relu ? [y] : [])]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const grads = tf.tidy(() => gradients(dy as tf.Tensor, saved, gamma !== null, beta !== null, residual !== null, relu, n, c));
        // the saved clones are this node's alone: release them now rather than at the end of the backward pass
        for (const t of saved) t.dispose();
        return grads;
      },
    };
  });
  return op(...inputs);
}

function gradients(
  dy: tf.Tensor,
  saved: tf.Tensor[],
  hasGamma: boolean,
  hasBeta: boolean,
  hasResidual: boolean,
  relu: boolean,
  n: number,
  c: number,
): tf.Tensor[] {
  const [x, mean, invstd] = saved;
  const gamma = hasGamma ? saved[3] : null;
  // Full-size temporaries are freed as soon as they are read (nested tidies): at most dz, xhat and one more
  // live beside dy and dx, instead of every intermediate of the formula until the gradient returns.
  const dz = relu ? tf.tidy(() => tf.mul(dy, tf.step(saved[saved.length - 1]))) : dy;
  const dz2 = tf.reshape(dz, [n, c]);
  const xhat = tf.tidy(() => tf.mul(tf.sub(tf.reshape(x, [n, c]), mean), invstd));
  const dbeta = tf.sum(dz2, 0);
  const dgamma = tf.tidy(() => tf.sum(tf.mul(dz2, xhat), 0));
  const scale = gamma ? tf.mul(gamma, invstd) : invstd;
  // dx = scale * (dz - dbeta / n - xhat * dgamma / n) = dz * scale + (xhat * b + a), per-channel a and b
  const b = tf.neg(tf.div(tf.mul(scale, dgamma), n));
  const a = tf.neg(tf.div(tf.mul(scale, dbeta), n));
  const t = tf.tidy(() => channelAffine(xhat, b, a, null, false));
  xhat.dispose();
  const dx = tf.tidy(() => channelAffine(dz2, scale, tf.zerosLike(scale), t, false));
  t.dispose();
  const grads: tf.Tensor[] = [tf.reshape(dx, x.shape)];
  if (gamma) grads.push(dgamma);
  if (hasBeta) grads.push(dbeta);
  // dz may be dy itself (no ReLU): hand out a clone, the engine disposes accumulated gradients it replaces
  if (hasResidual) grads.push(dz === dy ? tf.clone(dy) : dz);
  return grads;
}
