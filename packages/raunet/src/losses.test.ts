import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { diceBceLoss, diceCoefficient, diceLoss } from './losses.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const t5 = (values: number[], batch: number): tf.Tensor => tf.tensor5d(values, [batch, 1, 1, values.length / batch, 1]);

describe('diceLoss', () => {
  it('matches the SPEC formula by hand (batch-wise sums)', () => {
    const g = t5([1, 1, 0, 0, 1, 0], 2);
    const p = t5([0.9, 0.2, 0.4, 0.1, 0.5, 0.3], 2);
    // Σpg = 0.9 + 0.2 + 0.5 = 1.6; Σp = 2.4; Σg = 3
    const expected = 1 - (2 * 1.6 + 1e-5) / (2.4 + 3 + 1e-5);
    expect(diceLoss(g, p).dataSync()[0]).toBeCloseTo(expected, 6);
    const perSample = 1 - ((2 * 1.1 + 1e-5) / (1.5 + 2 + 1e-5) + (2 * 0.5 + 1e-5) / (0.9 + 1 + 1e-5)) / 2;
    expect(diceLoss(g, p, { reduction: 'sample' }).dataSync()[0]).toBeCloseTo(perSample, 6);
    tf.dispose([g, p]);
  });

  it('is 0 for a perfect prediction and ~0 (eps/eps) when both are empty', () => {
    const g = t5([1, 0, 1, 0], 1);
    expect(diceLoss(g, g).dataSync()[0]).toBeCloseTo(0, 6);
    const z = t5([0, 0, 0, 0], 1);
    expect(diceLoss(z, z).dataSync()[0]).toBeCloseTo(0, 6);
    expect(diceLoss(z, z, { epsilon: 1 }).dataSync()[0]).toBeCloseTo(0, 6);
    tf.dispose([g, z]);
  });

  it('has the analytic gradient d/dp = -(2g(S) - 2I) / S^2', () => {
    const g = t5([1, 0, 1], 1);
    const p = t5([0.5, 0.5, 0.25], 1);
    const grad = tf.grad((x: tf.Tensor) => diceLoss(g, x, { epsilon: 0 }))(p).dataSync();
    const I = 0.75;
    const S = 1.25 + 2;
    const expected = [1, 0, 1].map((gi) => -(2 * gi * S - 2 * I) / (S * S));
    grad.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    tf.dispose([g, p]);
  });
});

describe('diceBceLoss', () => {
  it('adds the mean binary cross-entropy with weights', () => {
    const g = t5([1, 0], 1);
    const p = t5([0.8, 0.3], 1);
    const bce = -(Math.log(0.8) + Math.log(0.7)) / 2;
    const d = 1 - (2 * 0.8 + 1e-5) / (1.1 + 1 + 1e-5);
    expect(diceBceLoss(g, p).dataSync()[0]).toBeCloseTo(d + bce, 5);
    expect(diceBceLoss(g, p, { diceWeight: 0, bceWeight: 2 }).dataSync()[0]).toBeCloseTo(2 * bce, 5);
    tf.dispose([g, p]);
  });
});

describe('diceCoefficient', () => {
  it('thresholds and counts; 1 when both empty', () => {
    const g = t5([1, 1, 0, 0], 1);
    const p = t5([0.7, 0.2, 0.6, 0.1], 1);
    expect(diceCoefficient(g, p).dataSync()[0]).toBeCloseTo((2 * 1) / (2 + 2), 6);
    const z = t5([0, 0, 0, 0], 1);
    expect(diceCoefficient(z, z).dataSync()[0]).toBe(1);
    tf.dispose([g, p, z]);
  });

  it('leaks no tensor', () => {
    const g = t5([1, 0, 1, 0], 1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose([diceLoss(g, g), diceBceLoss(g, g), diceCoefficient(g, g)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    g.dispose();
  });
});
