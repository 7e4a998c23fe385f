// Softmax attention in inference as one kernel when the active backend has one (`@raunet/cpu-kernels` adds a
// native kernel to the cpu backend that works one query row at a time and never forms the [L, L] logits),
// else as the matmuls and softmax of `multiHeadAttention` (ops.ts). The kernel's values equal the ops' up to
// float32 rounding (sums in another order). Its gradient is registered too (the closed form, recomputing the
// softmax), so gradients through a model in inference mode work on either path.
import * as tf from '@tensorflow/tfjs';
import { fusedOpsEnabled } from './fused-batch-norm.js';

/**
 * Name of the optional kernel behind the layers' softmax attention in inference: inputs `q` `[b, lq, c]`,
 * `k` `[b, lk, c]`, `v` `[b, lk, cv]` (float32); output `[b, lq, cv]`,
 * `out[n, i] = sum_j softmax_j(q[n, i] . k[n, j]) v[n, j]` (no scaling: the layers scale `k` first), equal
 * to `tf.matMul(tf.softmax(tf.matMul(q, k, false, true)), v)` up to float32 rounding. tfjs has no such
 * kernel: the layers use it where a backend registers it (`@raunet/cpu-kernels` does for `cpu`) and run
 * matmuls and a softmax elsewhere.
 */
export const ATTENTION_KERNEL = 'RaunetAttention';

/** Registers the kernel's gradient unless one is registered (a map lookup: cheap on every call). */
function registerGradientOnce(): void {
  if (tf.getGradient(ATTENTION_KERNEL) !== undefined) return;
  tf.registerGradient({
    kernelName: ATTENTION_KERNEL,
    inputsToSave: ['q', 'k', 'v'],
    gradFunc: (dy, saved) => {
      const [q, k, v] = saved as tf.Tensor3D[];
      const dz = dy as tf.Tensor3D;
      // P = softmax(q k^T); dv = P^T dz; dP = dz v^T; dS = P (dP - rowsum(dP P)); dq = dS k; dk = dS^T q
      const p = tf.softmax(tf.matMul(q, k, false, true));
      const dp = tf.matMul(dz, v, false, true);
      const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true)));
      return {
        q: () => tf.matMul(ds, k),
        k: () => tf.matMul(ds, q, true, false),
        v: () => tf.matMul(p, dz, true, false),
      };
    },
  });
}

/** Whether {@link softmaxAttention} runs as one kernel for these inputs on the active backend. */
export function attentionKernelAvailable(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): boolean {
  return (
    fusedOpsEnabled() &&
    q.dtype === 'float32' &&
    k.dtype === 'float32' &&
    v.dtype === 'float32' &&
    tf.getKernel(ATTENTION_KERNEL, tf.getBackend()) !== undefined
  );
}

/** `softmax(q k^T) v` per batch entry through {@link ATTENTION_KERNEL} (check {@link attentionKernelAvailable} first). */
export function softmaxAttention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor3D {
  registerGradientOnce();
  return tf.engine().runKernel<tf.Tensor3D>(ATTENTION_KERNEL, { q, k, v });
}
