import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { raBlock3D, residualBlock3D, trilinearUpSampling3D } from '../index.js';
import { expectClose, tensor } from '../__fixtures__/layer-checks.js';
import { randomArray } from '../__fixtures__/reference.js';
import { installEarlyTapeRelease, setEarlyTapeRelease } from './early-release.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installEarlyTapeRelease();
});

afterEach(() => setEarlyTapeRelease(true));

/** A probe node: the identity, whose gradient records the live tensor count when the walk reaches it. */
function probe(counts: number[]): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad<tf.Tensor>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return {
      value: tf.clone(x),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        counts.push(tf.memory().numTensors);
        return tf.clone(dy as tf.Tensor);
      },
    };
  });
}

describe('early release of the tape', () => {
  it('frees each node’s saved tensors and output gradients once the backward walk has passed it', () => {
    const x = tf.randomNormal([64]);
    const run = (on: boolean): number => {
      setEarlyTapeRelease(on);
      const counts: number[] = [];
      const p = probe(counts);
      // ten nodes that each save a tensor (exp saves its output, mul saves both inputs) before the probe
      const [g] = tf.grads((t: tf.Tensor) => {
        let y = p(t);
        for (let i = 0; i < 10; i++) y = tf.mul(tf.exp(tf.mul(y, 0.1)), y);
        return tf.sum(y);
      })([x]);
      g.dispose();
      return counts[0];
    };
    const kept = run(false);
    const released = run(true);
    // when the walk reaches the probe, the 10 pairs of nodes above it are done: their saved tensors and
    // output gradients are gone with the release, still there without it
    expect(kept - released).toBeGreaterThanOrEqual(30);
    x.dispose();
  });

  it('gives the same gradients as without it, and leaves no tensor behind, for a model of the layers', () => {
    const input = tf.input({ shape: [4, 4, 4, 4] });
    let h = residualBlock3D({ filters: 8, strides: 2 }).apply(input) as tf.SymbolicTensor;
    h = raBlock3D({ heads: 2, bottleneckFilters: 4 }).apply(h) as tf.SymbolicTensor;
    h = trilinearUpSampling3D().apply(h) as tf.SymbolicTensor;
    const output = residualBlock3D({ filters: 4 }).apply(tf.layers.concatenate().apply([h, input]));
    const model = tf.model({ inputs: input, outputs: output as tf.SymbolicTensor });
    const x = tensor(randomArray([2, 4, 4, 4, 4], 3));
    const grads = (on: boolean): Float32Array[] => {
      setEarlyTapeRelease(on);
      const before = tf.memory().numTensors;
      const { value, grads: g } = tf.variableGrads(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)));
      const out = Object.values(g).map((t) => t.dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(g)]);
      expect(tf.memory().numTensors).toBe(before);
      return out;
    };
    const off = grads(false);
    const on = grads(true);
    expect(on.length).toBe(model.trainableWeights.length);
    on.forEach((g, i) => expectClose(g, off[i], 0, 0));
    x.dispose();
    model.dispose();
  });

  it('leaves a caller’s dy, identity gradients and higher-order gradients intact', () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const dy = tf.tensor1d([1, 2, 3]);
    // the caller's dy is the gradient of the last node's output: it must survive
    const [g1] = tf.grads((t: tf.Tensor) => tf.exp(tf.mul(t, 2)))([x], dy);
    expect(dy.isDisposed).toBe(false);
    expectClose(g1.dataSync(), [0.5, -1, 2].map((v, i) => 2 * Math.exp(2 * v) * [1, 2, 3][i]));
    // a gradient function handing dy on unchanged (identity), followed by nodes the walk releases
    const passThrough = tf.customGrad<tf.Tensor>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.clone(args[0] as tf.Tensor),
      gradFunc: (d: tf.Tensor | tf.Tensor[]) => d,
    }));
    const [g2] = tf.grads((t: tf.Tensor) => tf.sum(tf.square(passThrough(tf.mul(passThrough(t), 3)))))([x]);
    expectClose(g2.dataSync(), [0.5, -1, 2].map((v) => 18 * v));
    // second derivative of x^3 is 6x
    const g3 = tf.grad((t: tf.Tensor) => tf.sum(tf.grad((u: tf.Tensor) => tf.sum(tf.pow(u, 3)))(t)))(x);
    expectClose(g3.dataSync(), [3, -6, 12]);
    tf.dispose([x, dy, g1, g2, g3]);
  });
});
