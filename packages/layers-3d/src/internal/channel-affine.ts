// The inference epilogue of batch norm, `act(x * scale + shift (+ residual))` with per-channel scale and
// shift, as one kernel when the active backend has one (`@raunet/cpu-kernels` adds a native one-pass kernel to
// the cpu backend), else as the chain of ops it replaces. In inference the chain is 3-4 full passes over the
// activation (Multiply, Add, Add, Relu), each allocating its output: about a fifth of the forward time of the
// shipped LIDC model on the native cpu kernels. A kernel must give the chain's values bit for bit (each step
// rounded to float32 in the chain's order). The gradient is registered too, so gradients through a model in
// inference mode (e.g. fine-tuning with frozen batch statistics) work on either path.
import * as tf from '@tensorflow/tfjs';
import { fusedOpsEnabled } from './fused-batch-norm.js';

/**
 * Name of the optional kernel behind batch norm's inference epilogue in this package's layers:
 * inputs `x` (float32, channels last), `scale` and `shift` (`[channels]`) and, optionally, `residual` (x's
 * shape); attribute `relu` (boolean); output `x * scale + shift (+ residual)`, then `max(0, ·)` when `relu`,
 * each step rounded to float32 in that order (bitwise equal to `tf.mul`, `tf.add`, `tf.add`, `tf.relu`).
 * tfjs has no such kernel: the layers use it where a backend registers it (`@raunet/cpu-kernels` does for
 * `cpu`) and run that chain of ops elsewhere.
 */
export const CHANNEL_AFFINE_KERNEL = 'RaunetChannelAffine';

/** Registers the kernel's gradient unless one is registered (a map lookup: cheap on every call). */
function registerGradientOnce(): void {
  if (tf.getGradient(CHANNEL_AFFINE_KERNEL) !== undefined) return;
  tf.registerGradient({
    kernelName: CHANNEL_AFFINE_KERNEL,
    inputsToSave: ['x', 'scale'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, scale, y] = saved;
      const g = dy as tf.Tensor;
      // the ReLU passes the gradient where its output is positive (where its input is, as tfjs's Relu grad)
      const dz = (attrs as { relu?: boolean }).relu === true ? tf.mul(g, tf.step(y)) : g;
      const sumAllButLast = (t: tf.Tensor) => tf.sum(tf.reshape(t, [-1, scale.shape[0]]), 0);
      return {
        x: () => tf.mul(dz, scale),
        scale: () => sumAllButLast(tf.mul(dz, x)),
        shift: () => sumAllButLast(dz),
        residual: () => dz,
      };
    },
  });
}

/**
 * `x * scale + shift (+ residual)`, then a ReLU when `relu`; `scale` and `shift` are `[channels]` (the last
 * axis of `x`), `residual` has x's shape. One kernel ({@link CHANNEL_AFFINE_KERNEL}) where the backend has
 * it (and the single-node ops are on, see `setFusedOps`), else the chain of ops, with the same values either way.
 */
export function channelAffine(x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor, residual: tf.Tensor | null, relu: boolean): tf.Tensor {
  const c = x.shape[x.rank - 1];
  const covered =
    x.dtype === 'float32' &&
    scale.dtype === 'float32' &&
    shift.dtype === 'float32' &&
    scale.shape.length === 1 &&
    scale.shape[0] === c &&
    shift.shape.length === 1 &&
    shift.shape[0] === c &&
    (residual === null || (residual.dtype === 'float32' && residual.shape.join() === x.shape.join()));
  if (covered && fusedOpsEnabled() && tf.getKernel(CHANNEL_AFFINE_KERNEL, tf.getBackend()) !== undefined) {
    registerGradientOnce();
    const inputs: tf.NamedTensorMap = residual ? { x, scale, shift, residual } : { x, scale, shift };
    return tf.engine().runKernel<tf.Tensor>(CHANNEL_AFFINE_KERNEL, inputs, { relu });
  }
  let y = tf.add(tf.mul(x, scale), shift);
  if (residual) y = tf.add(y, residual);
  return relu ? tf.relu(y) : y;
}
