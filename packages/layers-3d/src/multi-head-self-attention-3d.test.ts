import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { multiHeadSelfAttention3D } from './index.js';
import {
  checkConfigRoundTrip,
  checkLayerGradients,
  checkModelLevel,
  expectClose,
  maxAbsDiff,
  oneLayerModel,
  tensor,
  weightArrays,
  weightByName,
} from './__fixtures__/layer-checks.js';
import { attention, randomArray } from './__fixtures__/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE = [2, 2, 3, 2, 4]; // 12 tokens, 4 channels
const seeded = (seed: number): { kernelInitializer: ReturnType<typeof tf.initializers.glorotUniform>; positionInitializer: ReturnType<typeof tf.initializers.randomNormal> } => ({
  kernelInitializer: tf.initializers.glorotUniform({ seed }),
  positionInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.7, seed: seed + 1 }),
});

function reference(layer: tf.layers.Layer, x: ReturnType<typeof randomArray>, heads: number, withPosition: boolean): Float64Array {
  const w = weightArrays(layer);
  return attention(
    x,
    { wq: w.query_kernel, wk: w.key_kernel, wv: w.value_kernel, wo: w.output_kernel, bq: w.query_bias, bk: w.key_bias, bv: w.value_bias, bo: w.output_bias },
    heads,
    withPosition ? { relD: w.rel_d, relH: w.rel_h, relW: w.rel_w } : null,
  ).data;
}

describe('MultiHeadSelfAttention3D', () => {
  it('matches the plain-loop reference with the position code, for 1, 2 and 4 heads', () => {
    const xa = randomArray(SHAPE, 1);
    for (const heads of [1, 2, 4]) {
      const layer = multiHeadSelfAttention3D({ heads, keyBias: true, ...seeded(heads) }); // the legacy form, all four biases
      layer.apply(tensor(xa));
      for (const b of ['query_bias', 'key_bias', 'value_bias', 'output_bias']) weightByName(layer, b).write(tensor(randomArray([4], heads + 10, -0.5, 0.5)));
      const y = layer.apply(tensor(xa)) as tf.Tensor;
      expect(y.shape).toEqual(SHAPE);
      expectClose(y.dataSync(), reference(layer, xa, heads, true), 1e-5, 1e-4);
      expect(weightByName(layer, 'rel_h').shape).toEqual([heads, 1, 3, 1, 4 / heads]);
    }
  });

  it('stays finite and exact with large logits (softmax shifted by the row maximum)', () => {
    const xa = randomArray(SHAPE, 12, -30, 30);
    const layer = multiHeadSelfAttention3D({ heads: 2, ...seeded(13) });
    layer.apply(tensor(xa));
    const y = (layer.apply(tensor(xa)) as tf.Tensor).dataSync();
    expect(y.every(Number.isFinite)).toBe(true);
    expectClose(y, reference(layer, xa, 2, true), 1e-3, 1e-3);
  });

  it('with P = 0 equals plain multi-head attention (no position term) by the plain-loop reference', () => {
    const xa = randomArray(SHAPE, 2);
    const layer = multiHeadSelfAttention3D({ heads: 2, filters: 3, ...seeded(5) });
    layer.apply(tensor(xa));
    for (const n of ['rel_d', 'rel_h', 'rel_w']) {
      const v = weightByName(layer, n);
      v.write(tf.zerosLike(v.read()));
    }
    const y = layer.apply(tensor(xa)) as tf.Tensor;
    expect(y.shape).toEqual([2, 2, 3, 2, 3]);
    expectClose(y.dataSync(), reference(layer, xa, 2, false), 1e-5, 1e-4);
    // and equals the same layer built without a position code, given the same projections
    const plain = multiHeadSelfAttention3D({ heads: 2, filters: 3, positionCode: false });
    plain.apply(tensor(xa));
    for (const n of ['query_kernel', 'key_kernel', 'value_kernel', 'output_kernel', 'query_bias', 'value_bias', 'output_bias']) {
      weightByName(plain, n).write(weightByName(layer, n).read());
    }
    expect(maxAbsDiff(plain.apply(tensor(xa)) as tf.Tensor, y)).toBeLessThan(1e-6);
  });

  it('has no key bias by default: it is dead (output invariant, gradient exactly 0); parameter count', () => {
    const xa = randomArray(SHAPE, 21);
    const fresh = multiHeadSelfAttention3D({ heads: 2, ...seeded(22) });
    fresh.apply(tensor(xa));
    expect(fresh.weights.some((w) => w.originalName.endsWith('key_bias'))).toBe(false);
    // 4 channels, 2 heads of width 2, 2x3x2 grid: 4 kernels 4x4, biases q, v, o (4 each), position code 2*(2+3+2)*2
    expect(fresh.countParams()).toBe(4 * 16 + 3 * 4 + 2 * (2 + 3 + 2) * 2);
    const legacy = multiHeadSelfAttention3D({ heads: 2, keyBias: true, ...seeded(22) });
    legacy.apply(tensor(xa));
    expect(legacy.countParams()).toBe(fresh.countParams() + 4);
    for (const w of fresh.weights) weightByName(legacy, w.originalName.split('/').pop()!).write(w.read());
    const keyBias = weightByName(legacy, 'key_bias');
    keyBias.write(tf.tensor([0.7, -1.3, 2.1, 0.4]));
    // q_i . b_k is the same for every key j of query i: the softmax removes it
    expect(maxAbsDiff(legacy.apply(tensor(xa)) as tf.Tensor, fresh.apply(tensor(xa)) as tf.Tensor)).toBeLessThan(1e-5);
    const r = tensor(randomArray(SHAPE, 23));
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(legacy.apply(tensor(xa)) as tf.Tensor, r)), [keyBias.read() as tf.Variable]);
    for (const v of Object.values(grads)[0].dataSync()) expect(Math.abs(v)).toBeLessThan(1e-6);
    expect(() => multiHeadSelfAttention3D({ keyBias: true, useBias: false })).toThrow(/keyBias needs useBias/);
  });

  it('loads a config saved before keyBias existed with its key bias (keyBias = useBias)', () => {
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap['raunet>MultiHeadSelfAttention3D'];
    const { keyBias: _dropped, ...old } = multiHeadSelfAttention3D({ heads: 2 }).getConfig();
    const legacy = fromConfig(cls, old) as tf.layers.Layer;
    legacy.apply(tf.input({ shape: [2, 3, 2, 4] }));
    expect(legacy.weights.some((w) => w.originalName.endsWith('key_bias'))).toBe(true);
    const noBias = fromConfig(cls, { ...old, useBias: false }) as tf.layers.Layer;
    noBias.apply(tf.input({ shape: [2, 3, 2, 4] }));
    expect(noBias.weights.some((w) => w.originalName.endsWith('_bias'))).toBe(false);
  });

  it('without the output projection returns the concatenated heads (plain-loop reference)', () => {
    const xa = randomArray(SHAPE, 31);
    const layer = multiHeadSelfAttention3D({ heads: 2, outputProjection: false, ...seeded(32) });
    const y = layer.apply(tensor(xa)) as tf.Tensor;
    expect(layer.weights.some((w) => w.originalName.includes('output_'))).toBe(false);
    expect(y.shape).toEqual(SHAPE);
    const w = weightArrays(layer);
    const ref = attention(xa, { wq: w.query_kernel, wk: w.key_kernel, wv: w.value_kernel, bq: w.query_bias, bv: w.value_bias }, 2, {
      relD: w.rel_d,
      relH: w.rel_h,
      relW: w.rel_w,
    });
    expectClose(y.dataSync(), ref.data, 1e-5, 1e-4);
    expect(() => multiHeadSelfAttention3D({ outputProjection: false, filters: 3 })).toThrow(/outputProjection/);
    checkConfigRoundTrip(layer);
  });

  it('changes its output when only the position code is permuted', () => {
    const x = tensor(randomArray(SHAPE, 3));
    const layer = multiHeadSelfAttention3D({ heads: 2, ...seeded(7) });
    const before = layer.apply(x) as tf.Tensor;
    const relH = weightByName(layer, 'rel_h');
    relH.write(tf.reverse(relH.read(), 2)); // permute positions along H; projections untouched
    const after = layer.apply(x) as tf.Tensor;
    expect(maxAbsDiff(before, after)).toBeGreaterThan(1e-3);
    relH.write(tf.reverse(relH.read(), 2)); // back: identical again
    expect(maxAbsDiff(before, layer.apply(x) as tf.Tensor)).toBe(0);
  });

  it('has gradients matching finite differences for the input, projections and position code', () => {
    const layer = multiHeadSelfAttention3D({ heads: 2, ...seeded(9) });
    checkLayerGradients(layer, tensor(randomArray([1, 2, 2, 2, 4], 4)), {}, { samples: 3 });
  });

  it('fixes its spatial size at build, stores it in the config and rejects other sizes', () => {
    const layer = multiHeadSelfAttention3D({ heads: 2 });
    const out = layer.apply(tf.input({ shape: [2, 3, 4, 6] })) as tf.SymbolicTensor;
    expect(out.shape).toEqual([null, 2, 3, 4, 6]);
    expect(layer.getConfig()).toMatchObject({ spatialShape: [2, 3, 4], heads: 2 });
    checkConfigRoundTrip(layer);
    expect(() => layer.apply(tf.zeros([1, 2, 3, 5, 6]))).toThrow(ShapeMismatchError);
    expect(() => layer.apply(tf.zeros([1, 2, 3, 5, 6]))).toThrow(/\[2,3,4\]/);
    expect(() => layer.computeOutputShape([null, 3, 3, 4, 6])).toThrow(ShapeMismatchError);
    expect(() => multiHeadSelfAttention3D().apply(tf.input({ shape: [null, 3, 4, 8] }))).toThrow(
      /spatial size/,
    );
    expect(() => multiHeadSelfAttention3D({ heads: 3 }).apply(tf.input({ shape: [2, 2, 2, 4] }))).toThrow(InvalidArgumentError);
    expect(() => multiHeadSelfAttention3D({ spatialShape: [2, 2, 2] }).apply(tf.input({ shape: [2, 2, 3, 4] }))).toThrow(ShapeMismatchError);
  });

  it('trains, saves/loads with identical predictions and does not leak', async () => {
    const model = oneLayerModel(multiHeadSelfAttention3D({ heads: 2 }), SHAPE.slice(1));
    await checkModelLevel(model, tensor(randomArray(SHAPE, 5)), tensor(randomArray(SHAPE, 6)));
  });
});
