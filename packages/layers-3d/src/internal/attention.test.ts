import * as tf from '@tensorflow/tfjs';
import { nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from '@raunet/cpu-kernels';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { multiHeadSelfAttention3D, raBlock3D } from '../index.js';
import { layerWithWeights, tensor } from '../__fixtures__/layer-checks.js';
import { randomArray } from '../__fixtures__/reference.js';
import { ATTENTION_KERNEL, attentionKernelAvailable, softmaxAttention } from './attention.js';
import { setFusedOps } from './fused-batch-norm.js';

await tf.setBackend('cpu');
const probe = registerNativeKernels();
if (!probe.loaded && process.env.CI) throw new Error(`native kernels must load in CI: ${probe.reason}`);
const why = probe.loaded ? '' : ` (SKIPPED: ${probe.reason})`;

beforeAll(() => registerNativeKernels());
afterAll(() => unregisterNativeKernels());
afterEach(() => setFusedOps(true));

const calls = () => nativeKernelsStatus().calls[ATTENTION_KERNEL] ?? { native: 0, fallback: 0 };

/** softmax(q k^T) v in float64, the independent reference. */
function reference(q: Float32Array, k: Float32Array, v: Float32Array, [b, lq, lk, c, cv]: number[]): Float64Array {
  const out = new Float64Array(b * lq * cv);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < lq; i++) {
      const logits = Array.from({ length: lk }, (_, j) => {
        let s = 0;
        for (let cc = 0; cc < c; cc++) s += q[(n * lq + i) * c + cc] * k[(n * lk + j) * c + cc];
        return s;
      });
      const m = Math.max(...logits);
      const e = logits.map((s) => Math.exp(s - m));
      const total = e.reduce((a, x) => a + x, 0);
      for (let cc = 0; cc < cv; cc++) out[(n * lq + i) * cv + cc] = e.reduce((a, x, j) => a + x * v[(n * lk + j) * cv + cc], 0) / total;
    }
  return out;
}

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1e-6, ...Array.from(expected, Math.abs));
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(rel * scale);
}

describe.skipIf(!probe.loaded)(`softmax attention as one kernel in inference${why}`, () => {
  // native: 4, 5 and 8 channels per head (the register-blocked shapes; 300 keys = 18 x 16 + 12, so the last
  // keys take the one-by-one path; 61 rows leave a short block) and 3 / 6 (the generic loops); 2 x 5 x 7 runs
  // the package's JS loop. Logits up to about +-40.
  for (const [b, lq, lk, c, cv] of [
    [8, 300, 300, 5, 5],
    [3, 61, 300, 4, 4],
    [2, 130, 256, 8, 8],
    [2, 100, 333, 3, 6],
    [2, 5, 7, 3, 4],
  ]) {
    it(`equals softmax(q k^T) v in float64 for q [${b}, ${lq}, ${c}], k [${b}, ${lk}, ${c}], v [${b}, ${lk}, ${cv}]`, () => {
      const q = tensor(randomArray([b, lq, c], 1, -3, 3)) as tf.Tensor3D;
      const k = tensor(randomArray([b, lk, c], 2, -3, 3)) as tf.Tensor3D;
      const v = tensor(randomArray([b, lk, cv], 3, -1, 1)) as tf.Tensor3D;
      expect(attentionKernelAvailable(q, k, v)).toBe(true);
      const before = calls();
      const z = softmaxAttention(q, k, v);
      const after = calls();
      expect(after.native - before.native).toBe(b * lq * lk >= 1 << 14 ? 1 : 0);
      expect(after.native + after.fallback - before.native - before.fallback).toBe(1);
      expect(z.shape).toEqual([b, lq, cv]);
      expectNear(z.dataSync(), reference(q.dataSync() as Float32Array, k.dataSync() as Float32Array, v.dataSync() as Float32Array, [b, lq, lk, c, cv]), 2e-6);
      tf.dispose([q, k, v, z]);
    });
  }

  it('has the gradients of the matmul-and-softmax chain', () => {
    const q = tensor(randomArray([4, 200, 4], 4, -2, 2));
    const k = tensor(randomArray([4, 200, 4], 5, -2, 2));
    const v = tensor(randomArray([4, 200, 4], 6, -1, 1));
    const w = tensor(randomArray([4, 200, 4], 7, -1, 1));
    const loss = (f: (a: tf.Tensor3D, b: tf.Tensor3D, c: tf.Tensor3D) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(f(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D), w));
    const fused = tf.grads(loss(softmaxAttention))([q, k, v]);
    const chain = tf.grads(loss((a, b, c) => tf.matMul(tf.softmax(tf.matMul(a, b, false, true)), c)))([q, k, v]);
    for (let i = 0; i < 3; i++) expectNear(fused[i].dataSync(), chain[i].dataSync(), 1e-5);
    tf.dispose([q, k, v, w, ...fused, ...chain]);
  });

  it('leaves the attention layers’ inference outputs as they were (float32 rounding), uses the kernel only in inference, and leaks nothing', () => {
    const x = tensor(randomArray([2, 4, 12, 12, 8], 10, -2, 2));
    const makers: Array<() => tf.layers.Layer> = [() => multiHeadSelfAttention3D({ heads: 2 }), () => raBlock3D({ heads: 2 })];
    for (const make of makers) {
      const layer = layerWithWeights(make, x.shape.slice(1));
      setFusedOps(false);
      const chain = layer.apply(x, { training: false }) as tf.Tensor;
      setFusedOps(true);
      const tensorsBefore = tf.memory().numTensors;
      const before = calls().native;
      const fused = layer.apply(x, { training: false }) as tf.Tensor;
      expect(calls().native).toBe(before + 1);
      expect(tf.memory().numTensors).toBe(tensorsBefore + 1);
      expectNear(fused.dataSync(), chain.dataSync(), 1e-5);
      // training mode keeps the matmuls (its memory and gradients are measured and checked as they are)
      tf.tidy(() => {
        layer.apply(x, { training: true });
      });
      expect(calls().native).toBe(before + 1);
      tf.dispose([chain, fused]);
      layer.dispose();
    }
    x.dispose();
  });
});
