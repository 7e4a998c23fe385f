import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '@raunet/core';
import { deepSupervisionLoss, deepSupervisionView } from './internal/deep-supervision.js';
// Training with deep supervision (checkpoint, resume, no leaks) is tested in train-resume.test.ts.
import { buildRAUnet, buildUNet3D } from './model.js';
import { getModelInfo } from './model-info.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const randomInput = (shape: number[], seed: number): tf.Tensor => {
  const rng = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 1)), shape);
};

describe('deepSupervisionView', () => {
  it("adds a head on decoder levels 1 .. levels - 3, weighted 1/2^level, and leaves the network's output as it was", () => {
    const before = tf.memory().numTensors;
    const network = buildRAUnet({ patchSize: [16, 16, 16], levels: 5, baseFilters: 2, attentionHeads: 1, attentionBottleneckFilters: 2, seed: 1 });
    const weightsBefore = network.weights.length;
    const view = deepSupervisionView(network, getModelInfo(network)!.config, 1);
    expect(view.model.outputs.map((o) => o.shape)).toEqual([
      [null, 16, 16, 16, 1],
      [null, 8, 8, 8, 1],
      [null, 4, 4, 4, 1],
    ]);
    // nnU-Net's weights 1, 1/2, 1/4 (and 0 for the deepest decoder level), normalized.
    expect(view.weights.map((w) => w * 7)).toEqual([4, 2, 1].map((w) => expect.closeTo(w, 12)));
    expect(view.pools).toEqual([
      [1, 1, 1],
      [2, 2, 2],
      [4, 4, 4],
    ]);
    // The heads share the network's layers and add only their own kernel and bias.
    expect(network.weights.length).toBe(weightsBefore);
    expect(view.model.weights.length).toBe(weightsBefore + 4);
    const x = randomInput([2, 16, 16, 16, 1], 5);
    const plain = network.predict(x) as tf.Tensor;
    const outs = view.model.predict(x) as tf.Tensor[];
    expect(Array.from(outs[0].dataSync())).toEqual(Array.from(plain.dataSync()));
    for (const o of outs.slice(1)) {
      const v = o.dataSync();
      expect(v.every((p) => p > 0 && p < 1)).toBe(true);
    }
    tf.dispose([x, plain, ...outs]);
    view.dispose();
    network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('follows per-axis strides: a one-slice (2D) network pools only in-plane', () => {
    const network = buildUNet3D({
      patchSize: [32, 32, 1],
      levels: 4,
      baseFilters: 2,
      poolStrides: [
        [2, 2, 1],
        [2, 2, 1],
        [2, 2, 1],
      ],
      kernelSizes: [
        [3, 3, 1],
        [3, 3, 1],
        [3, 3, 1],
        [3, 3, 1],
      ],
    });
    const view = deepSupervisionView(network, getModelInfo(network)!.config, 2);
    expect(view.pools).toEqual([
      [1, 1, 1],
      [1, 2, 2],
    ]);
    expect(view.model.outputs[1].shape).toEqual([null, 1, 16, 16, 1]);
    expect(view.weights[0]).toBeCloseTo(2 / 3, 12);
    view.dispose();
    network.dispose();
  });

  it('refuses a network with fewer than 4 levels, naming the option', () => {
    const network = buildUNet3D({ patchSize: [8, 8, 8], levels: 3, baseFilters: 2 });
    expect(() => deepSupervisionView(network, getModelInfo(network)!.config, 1)).toThrow(/deepSupervision needs a network of at least 4 levels.*levels 3/);
    network.dispose();
  });
});

describe('deepSupervisionLoss', () => {
  it('is the weighted sum of the loss against labels averaged over each head’s window (checked with pooling done by hand)', () => {
    const rng = new Rng(3);
    const labelData = Float32Array.from({ length: 4 * 4 * 4 }, () => (rng.uniform(0, 1) < 0.4 ? 1 : 0));
    const labels = tf.tensor5d(labelData, [1, 4, 4, 4, 1]);
    const p0 = tf.tensor5d(Float32Array.from({ length: 64 }, () => rng.uniform(0, 1)), [1, 4, 4, 4, 1]);
    const p1 = tf.tensor5d(Float32Array.from({ length: 8 }, () => rng.uniform(0, 1)), [1, 2, 2, 2, 1]);
    const mse = (y: tf.Tensor, p: tf.Tensor): tf.Scalar => tf.mean(tf.squaredDifference(y, p));
    const loss = deepSupervisionLoss({ weights: [0.75, 0.25], pools: [[1, 1, 1], [2, 2, 2]] }, labels, [p0, p1], mse);
    // By hand: the mean of each 2x2x2 block (z, y, x order, x fastest).
    const pooled: number[] = [];
    for (let z = 0; z < 2; z++)
      for (let y = 0; y < 2; y++)
        for (let x = 0; x < 2; x++) {
          let s = 0;
          for (let dz = 0; dz < 2; dz++)
            for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) s += labelData[(2 * z + dz) * 16 + (2 * y + dy) * 4 + 2 * x + dx];
          pooled.push(s / 8);
        }
    const a = p0.dataSync();
    const b = p1.dataSync();
    const mse0 = labelData.reduce((s, v, i) => s + (v - a[i]) ** 2, 0) / 64;
    const mse1 = pooled.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / 8;
    expect(loss.dataSync()[0]).toBeCloseTo(0.75 * mse0 + 0.25 * mse1, 6);
    tf.dispose([labels, p0, p1, loss]);
  });
});
