import { InvalidArgumentError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchNorm3D, GroupNorm3D, InstanceNorm3D, Norm3D, batchNorm3D, groupNorm3D, instanceNorm3D } from './index.js';
import {
  arr,
  checkConfigRoundTrip,
  checkLayerGradients,
  checkModelLevel,
  expectClose,
  oneLayerModel,
  tensor,
  weightByName,
} from './__fixtures__/layer-checks.js';
import { batchNormInference, batchNormTrain, groupNorm, instanceNorm, randomArray } from './__fixtures__/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE = [2, 2, 3, 2, 4];
const gammaBeta = (layer: tf.layers.Layer): { gamma: number[]; beta: number[] } => {
  const g = randomArray([4], 11, 0.5, 1.5);
  const b = randomArray([4], 12);
  weightByName(layer, 'gamma').write(tensor(g));
  weightByName(layer, 'beta').write(tensor(b));
  return { gamma: Array.from(g.data), beta: Array.from(b.data) };
};

describe('BatchNorm3D', () => {
  it('normalizes with batch statistics in training, updates the moving statistics, uses them in inference', () => {
    const xa = randomArray(SHAPE, 1, -2, 3);
    const x = tensor(xa);
    const bn = batchNorm3D({ momentum: 0.75, epsilon: 1e-3 });
    bn.apply(x); // build
    const { gamma, beta } = gammaBeta(bn);
    const y = bn.apply(x, { training: true }) as tf.Tensor;
    const ref = batchNormTrain(xa, gamma, beta, 1e-3);
    expectClose(y.dataSync(), ref.y.data, 1e-5);
    // moving = 0.75 * initial + 0.25 * batch (initial mean 0, variance 1); the variance unbiased (n = 24 per channel)
    expectClose(weightByName(bn, 'moving_mean').read().dataSync(), ref.mean.map((m) => 0.25 * m), 1e-6);
    expectClose(weightByName(bn, 'moving_variance').read().dataSync(), ref.variance.map((v) => 0.75 + 0.25 * v * (24 / 23)), 1e-6);
    const mm = Array.from(weightByName(bn, 'moving_mean').read().dataSync());
    const mv = Array.from(weightByName(bn, 'moving_variance').read().dataSync());
    const yi = bn.apply(x) as tf.Tensor; // inference: moving statistics, no update
    expectClose(yi.dataSync(), batchNormInference(xa, mm, mv, gamma, beta, 1e-3).data, 1e-5);
    expectClose(weightByName(bn, 'moving_mean').read().dataSync(), mm, 0);
  });

  it('hand-computed: normalizes by the biased variance, tracks the unbiased one, epsilon as configured', () => {
    // one channel, values 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3
    const x = tf.tensor([1, 2, 3, 4], [1, 1, 2, 2, 1]);
    const bn = batchNorm3D({ momentum: 0 });
    expect(bn.epsilon).toBe(1e-5);
    expect(bn.getConfig().epsilon).toBe(1e-5);
    const y = (bn.apply(x, { training: true }) as tf.Tensor).dataSync();
    expectClose(y, [-1.5, -0.5, 0.5, 1.5].map((d) => d / Math.sqrt(1.25 + 1e-5)), 1e-6, 0);
    expectClose(weightByName(bn, 'moving_mean').read().dataSync(), [2.5], 1e-6, 0);
    expectClose(weightByName(bn, 'moving_variance').read().dataSync(), [5 / 3], 1e-6, 0);
    // inference with the moving statistics: (x - 2.5) / sqrt(5/3 + eps)
    expectClose((bn.apply(x) as tf.Tensor).dataSync(), [-1.5, -0.5, 0.5, 1.5].map((d) => d / Math.sqrt(5 / 3 + 1e-5)), 1e-6, 0);
    // epsilon changes the result as configured: 0.75 added to the biased variance 1.25 gives sqrt(2)
    const wide = batchNorm3D({ momentum: 0, epsilon: 0.75 });
    expectClose((wide.apply(x, { training: true }) as tf.Tensor).dataSync(), [-1.5, -0.5, 0.5, 1.5].map((d) => d / Math.SQRT2), 1e-6, 0);
    const inst = instanceNorm3D({ epsilon: 0.75 });
    expectClose((inst.apply(x) as tf.Tensor).dataSync(), [-1.5, -0.5, 0.5, 1.5].map((d) => d / Math.SQRT2), 1e-6, 0);
    const group = groupNorm3D({ groups: 1, epsilon: 0.75 });
    expectClose((group.apply(x) as tf.Tensor).dataSync(), [-1.5, -0.5, 0.5, 1.5].map((d) => d / Math.SQRT2), 1e-6, 0);
    // a single value per channel (n = 1): the moving variance takes the biased batch variance, 0
    const one = batchNorm3D({ momentum: 0 });
    one.apply(tf.ones([1, 1, 1, 1, 1]), { training: true });
    expect(weightByName(one, 'moving_variance').read().dataSync()[0]).toBe(0);
  });

  it('keeps the epsilon of a deserialized config (layers saved under the former default 1e-3)', () => {
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap['raunet>BatchNorm3D'];
    const old = fromConfig(cls, { name: 'old_bn', trainable: true, momentum: 0.99, epsilon: 1e-3, center: true, scale: true }) as tf.layers.Layer;
    expect(old.getConfig().epsilon).toBe(1e-3);
  });

  it('updates moving statistics in model.fit, trainOnBatch and a custom optimizer.minimize loop', async () => {
    const x = tensor(randomArray(SHAPE, 2, 1, 3));
    const t = tensor(randomArray(SHAPE, 3));
    const mean = (layer: tf.layers.Layer): number[] => Array.from(weightByName(layer, 'moving_mean').read().dataSync());
    for (const mode of ['fit', 'trainOnBatch', 'minimize'] as const) {
      const bn = new BatchNorm3D({ momentum: 0.5 });
      const model = oneLayerModel(bn, SHAPE.slice(1));
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
      expect(mean(bn)).toEqual([0, 0, 0, 0]);
      if (mode === 'fit') await model.fit(x, t, { epochs: 1, batchSize: 2, verbose: 0 });
      else if (mode === 'trainOnBatch') await model.trainOnBatch(x, t);
      else tf.train.sgd(0.1).minimize(() => tf.losses.meanSquaredError(t, model.apply(x, { training: true }) as tf.Tensor));
      const batchMean = batchNormTrain(arr(x), [1, 1, 1, 1], [0, 0, 0, 0], 1e-3).mean;
      expectClose(mean(bn), batchMean.map((m) => 0.5 * m), 1e-5);
    }
  });

  it('has gradients (input, gamma, beta) matching finite differences in training mode', () => {
    const bn = batchNorm3D();
    const x = tensor(randomArray([2, 2, 2, 2, 3], 4));
    bn.apply(x);
    weightByName(bn, 'gamma').write(tensor(randomArray([3], 5, 0.5, 1.5)));
    checkLayerGradients(bn, x, { training: true }, { samples: 6 });
  });
});

describe('InstanceNorm3D and GroupNorm3D', () => {
  it('match plain-loop references', () => {
    const xa = randomArray(SHAPE, 6, -1, 2);
    const inorm = instanceNorm3D({ epsilon: 1e-5 });
    inorm.apply(tensor(xa));
    const gb = gammaBeta(inorm);
    expectClose((inorm.apply(tensor(xa)) as tf.Tensor).dataSync(), instanceNorm(xa, gb.gamma, gb.beta, 1e-5).data, 1e-5);
    for (const groups of [1, 2, 4]) {
      const gn = groupNorm3D({ groups, epsilon: 1e-5 });
      gn.apply(tensor(xa));
      const g = gammaBeta(gn);
      const y = gn.apply(tensor(xa), { training: true }) as tf.Tensor;
      expectClose(y.dataSync(), groupNorm(xa, groups, g.gamma, g.beta, 1e-5).data, 1e-5);
    }
  });

  it('instance norm is group norm with one group per channel (same weights, same output, own config)', () => {
    const xa = randomArray(SHAPE, 13, -1, 2);
    const inorm = instanceNorm3D();
    const gn = groupNorm3D({ groups: 4 });
    inorm.apply(tensor(xa));
    gn.apply(tensor(xa));
    const { gamma, beta } = gammaBeta(inorm);
    weightByName(gn, 'gamma').write(tf.tensor(gamma));
    weightByName(gn, 'beta').write(tf.tensor(beta));
    expectClose((inorm.apply(tensor(xa)) as tf.Tensor).dataSync(), (gn.apply(tensor(xa)) as tf.Tensor).dataSync(), 1e-6);
    expect(inorm.getConfig()).not.toHaveProperty('groups');
    for (const layer of [inorm, gn, batchNorm3D()]) expect(layer).toBeInstanceOf(Norm3D);
    const names = [BatchNorm3D.className, InstanceNorm3D.className, GroupNorm3D.className];
    expect(names).toEqual(['raunet>BatchNorm3D', 'raunet>InstanceNorm3D', 'raunet>GroupNorm3D']);
  });

  it('have gradients matching finite differences', () => {
    const x = tensor(randomArray([2, 2, 2, 2, 4], 7));
    for (const layer of [instanceNorm3D(), groupNorm3D({ groups: 2 })]) {
      layer.apply(x);
      weightByName(layer, 'gamma').write(tensor(randomArray([4], 8, 0.5, 1.5)));
      checkLayerGradients(layer, x, {}, { samples: 6 });
    }
  });

  it('validate arguments (groups must divide channels)', () => {
    expect(() => groupNorm3D({ groups: 3 }).apply(tf.input({ shape: [2, 2, 2, 4] }))).toThrow(InvalidArgumentError);
    expect(() => groupNorm3D({ groups: 0 })).toThrow(InvalidArgumentError);
    expect(() => batchNorm3D({ momentum: 1.5 })).toThrow(/momentum/);
    expect(() => instanceNorm3D({ epsilon: 0 })).toThrow(/epsilon/);
  });
});

describe('3D normalization layers (common checks)', () => {
  const makers = [
    () => batchNorm3D({ momentum: 0.9 }),
    () => instanceNorm3D({ center: false }),
    () => groupNorm3D({ groups: 2, scale: false }),
  ];
  it('have symbolic output shapes and round-trip their configs', () => {
    for (const make of makers) {
      const layer = make();
      const out = layer.apply(tf.input({ shape: [2, 3, 4, 4] })) as tf.SymbolicTensor;
      expect(out.shape).toEqual([null, 2, 3, 4, 4]);
      expect(layer.computeOutputShape([1, 2, 3, 4, 4])).toEqual([1, 2, 3, 4, 4]);
      checkConfigRoundTrip(layer);
    }
    expect(makers[1]().getConfig()).toMatchObject({ center: false, scale: true });
    expect(makers[2]().getConfig()).toMatchObject({ groups: 2, scale: false });
  });

  it('train, save/load with identical predictions (moving statistics included) and do not leak', async () => {
    for (const make of makers) {
      const model = oneLayerModel(make(), SHAPE.slice(1), true);
      await checkModelLevel(model, tensor(randomArray(SHAPE, 9)), tensor(randomArray(SHAPE, 10)));
    }
  });
});
