import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@raunet/core';
import { batchNorm3D, residualBlock3D } from '@raunet/layers-3d';
import { recalibrateBatchNorm } from './batch-norm-statistics.js';
import { buildRAUnet, buildUNet3D } from './model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** input -> BatchNorm3D -> ResidualBlock3D (two nested batch norms and a projection's) -> 1x1x1 conv. */
function smallModel(momentum: number): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 4, 2] });
  const a = batchNorm3D({ momentum, name: 'bn_in' }).apply(input) as tf.SymbolicTensor;
  const b = residualBlock3D({ filters: 3, normalization: 'batch', momentum, name: 'res' }).apply(
    a,
  ) as tf.SymbolicTensor;
  const out = tf.layers.conv3d({ filters: 1, kernelSize: 1, name: 'head' }).apply(b) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Batch `k` with per-channel means and scales that differ between batches (like patches of different content). */
function batch(k: number): tf.Tensor {
  return tf.tidy(() =>
    tf
      .randomNormal([2, 4, 4, 4, 2], 0, 1, 'float32', 100 + k)
      .mul([1 + k, 0.5])
      .add([k - 1, -2 * k]),
  );
}

const moving = (model: tf.LayersModel, name: string) =>
  model.weights
    .find((w) => w.originalName === name)!
    .read()
    .dataSync() as Float32Array;

describe('recalibrateBatchNorm', () => {
  it('sets the moving statistics to the pooled mean and variance of all batches (plain-loop reference)', () => {
    const model = smallModel(0.9);
    const batches = [0, 1, 2].map(batch);
    const result = recalibrateBatchNorm(model, batches);
    expect(result).toEqual({ layers: 4, batches: 3 });
    // reference, in float64: per channel, the mean of the batch means, and the mean of the unbiased batch
    // variances (n = 128 values per channel and batch) plus the biased variance of the batch means
    const all = batches.map((b) => b.dataSync());
    for (let c = 0; c < 2; c++) {
      const means: number[] = [];
      const variances: number[] = [];
      for (const d of all) {
        const v: number[] = [];
        for (let i = c; i < d.length; i += 2) v.push(d[i]);
        const m = v.reduce((a, x) => a + x, 0) / v.length;
        means.push(m);
        variances.push(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
      }
      const mean = means.reduce((a, x) => a + x, 0) / 3;
      const spread = means.reduce((a, x) => a + (x - mean) ** 2, 0) / 3;
      expect(moving(model, 'bn_in/moving_mean')[c]).toBeCloseTo(mean, 4);
      expect(moving(model, 'bn_in/moving_variance')[c]).toBeCloseTo(variances.reduce((a, x) => a + x, 0) / 3 + spread, 3);
    }
    tf.dispose(batches);
    model.dispose();
  });

  it('recalibrated on one batch, inference on it equals training mode on it (nested layers included)', () => {
    const model = smallModel(0.9);
    const x = batch(1);
    // some training first so that moving statistics are stale
    for (const k of [3, 4, 5]) tf.tidy(() => void model.apply(batch(k), { training: true }));
    const trainingMode = tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor);
    const before = tf.tidy(() => model.predict(x) as tf.Tensor);
    expect(tf.max(tf.abs(before.sub(trainingMode))).dataSync()[0]).toBeGreaterThan(1e-2);
    const trainable = model.trainableWeights.map((w) => w.read().dataSync().slice());
    recalibrateBatchNorm(model, [x]);
    // the moving variance is the unbiased batch variance (n = 128 values per channel in every layer here);
    // training mode normalizes by the biased one, so scaled by (n - 1) / n inference equals training mode
    for (const w of model.weights.filter((v) => v.originalName.includes('moving_variance'))) {
      tf.tidy(() => {
        w.write(tf.mul(w.read(), 127 / 128));
      });
    }
    const after = tf.tidy(() => model.predict(x) as tf.Tensor);
    expect(tf.max(tf.abs(after.sub(trainingMode))).dataSync()[0]).toBeLessThan(2e-3);
    model.trainableWeights.forEach((w, i) => expect(w.read().dataSync()).toEqual(trainable[i]));
    tf.dispose([x, trainingMode, before, after]);
    model.dispose();
  });

  it('pairs every moving statistic of the RA-Unet and keeps numTensors flat', () => {
    const model = buildRAUnet({
      patchSize: [8, 8, 4],
      levels: 2,
      baseFilters: 4,
      attentionHeads: 1,
      seed: 1,
    });
    const x = tf.randomNormal([1, 4, 8, 8, 1], 0, 1, 'float32', 3);
    const means = model.weights.filter((w) => /moving_mean/.test(w.originalName)).length;
    expect(means).toBeGreaterThan(4);
    recalibrateBatchNorm(model, [x]);
    const tensors = tf.memory().numTensors;
    const result = recalibrateBatchNorm(model, [x, x]);
    expect(result.layers).toBe(means);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(x);
    model.dispose();
  });

  it('leaves a model without batch norm alone and rejects bad input', () => {
    const plain = buildUNet3D({
      patchSize: [8, 8, 4],
      levels: 2,
      baseFilters: 4,
      normalization: 'instance',
      seed: 1,
    });
    expect(recalibrateBatchNorm(plain, [])).toEqual({ layers: 0, batches: 0 });
    plain.dispose();
    const model = smallModel(0.9);
    expect(() => recalibrateBatchNorm(model, [])).toThrow(InvalidArgumentError);
    expect(() => recalibrateBatchNorm(model, [], { momentum: 1 })).toThrow(/momentum/);
    model.dispose();
  });
});
