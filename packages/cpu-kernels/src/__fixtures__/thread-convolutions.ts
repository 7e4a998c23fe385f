// Runs `rounds` native convolutions and matrix products on one thread's own tfjs instance: inputs from
// `seed`, returns one hash of each round's outputs. Run in worker threads by worker-threads.test.ts (and
// in its main thread for the reference).
import * as tf from '@tensorflow/tfjs';
import { registerNativeKernels } from '../index.js';

/** FNV-1a over the bits of a float32 array. */
function hash(a: Float32Array): number {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193) >>> 0;
  return h;
}

/** Hashes of `rounds` rounds of conv3d (forward, both gradients) and matMul on inputs drawn from `seed`. */
export async function convolutionHashes(seed: number, rounds: number): Promise<number[]> {
  await tf.setBackend('cpu');
  const status = registerNativeKernels({ threads: 1 });
  if (!status.loaded) throw new Error(`native kernels did not load: ${status.reason}`);
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const values = tf.tidy(() => {
      const x = tf.randomNormal<tf.Rank.R5>([2, 8, 20, 20, 8], 0, 1, 'float32', seed * 1000 + r);
      const w = tf.randomNormal<tf.Rank.R5>([3, 3, 3, 8, 16], 0, 0.2, 'float32', seed * 1000 + r + 500);
      const y = tf.conv3d(x, w, 1, 'same');
      const dx = tf.conv3dTranspose(y, w, x.shape, 1, 'same');
      const dw = tf.grad((k: tf.Tensor) => tf.conv3d(x, k as tf.Tensor5D, 1, 'same').square().sum())(w);
      const m = tf.matMul(tf.reshape(x, [-1, 64]), tf.reshape(x, [-1, 64]), true, false);
      return [y, dx, dw, m].map((t) => hash(t.dataSync() as Float32Array));
    });
    out.push(...values);
  }
  return out;
}
