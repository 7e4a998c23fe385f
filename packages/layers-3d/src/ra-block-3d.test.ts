import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RABlock3D, raBlock3D } from './index.js';
import {
  checkConfigRoundTrip,
  checkLayerGradients,
  checkModelLevel,
  expectClose,
  oneLayerModel,
  tensor,
  weightArrays,
  weightByName,
} from './__fixtures__/layer-checks.js';
import type { Arr } from './__fixtures__/reference.js';
import { add, attention, batchNormTrain, groupNorm, pointwise, randomArray, relu } from './__fixtures__/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE = [2, 2, 2, 3, 8]; // 12 tokens, 8 channels -> bottleneck 2 (heads 2, width 1) by default

function referenceBlock(x: Arr, w: Record<string, Arr>, heads: number, kind: 'batch' | 'group' | 'none'): Arr {
  // absent weights (key bias by default, output projection when off) are undefined: the reference skips them
  const norm = (t: Arr, p: string): Arr => {
    if (kind === 'none') return t;
    const g = Array.from(w[`${p}gamma`].data);
    const b = Array.from(w[`${p}beta`].data);
    return kind === 'batch' ? batchNormTrain(t, g, b, 1e-5).y : groupNorm(t, 2, g, b, 1e-5);
  };
  let y = relu(norm(pointwise(x, w.reduce_kernel, w.reduce_bias), 'norm1_'));
  y = attention(
    y,
    { wq: w.query_kernel, wk: w.key_kernel, wv: w.value_kernel, wo: w.output_kernel, bq: w.query_bias, bk: w.key_bias, bv: w.value_bias, bo: w.output_bias },
    heads,
    { relD: w.rel_d, relH: w.rel_h, relW: w.rel_w },
  );
  y = relu(norm(y, 'norm2_'));
  y = norm(pointwise(y, w.expand_kernel, w.expand_bias), 'norm3_');
  return relu(add(y, x));
}

function randomizeNorms(layer: tf.layers.Layer, seed: number): void {
  for (const v of layer.trainableWeights) {
    const n = v.originalName.split('/').pop()!;
    if (n.endsWith('gamma')) v.write(tensor(randomArray(v.shape as number[], seed++, 0.5, 1.5)));
    if (n.endsWith('beta') || n.endsWith('bias')) v.write(tensor(randomArray(v.shape as number[], seed++, -0.3, 0.3)));
  }
}

const seeded = (seed: number): { kernelInitializer: ReturnType<typeof tf.initializers.heNormal>; attentionInitializer: ReturnType<typeof tf.initializers.glorotUniform> } => ({
  kernelInitializer: tf.initializers.heNormal({ seed }),
  attentionInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
});

describe('RABlock3D', () => {
  const cases = [
    { name: 'batch norm, default bottleneck (8 / 4 = 2), 2 heads', args: { heads: 2 }, kind: 'batch', heads: 2 },
    { name: 'group norm, bottleneck 4, 2 heads', args: { heads: 2, bottleneckFilters: 4, normalization: 'group', groups: 2 }, kind: 'group', heads: 2 },
    { name: 'no norm (biases on), bottleneck 4, 4 heads', args: { heads: 4, bottleneckFilters: 4, normalization: 'none' }, kind: 'none', heads: 4 },
    {
      name: 'no norm, legacy key bias, 2 heads',
      args: { heads: 2, bottleneckFilters: 4, normalization: 'none', keyBias: true },
      kind: 'none',
      heads: 2,
    },
    { name: 'batch norm, no output projection (the paper literal)', args: { heads: 2, outputProjection: false }, kind: 'batch', heads: 2 },
  ] as const;
  for (const c of cases) {
    it(`matches a plain-loop reference: ${c.name}`, () => {
      const xa = randomArray(SHAPE, 1);
      const layer = new RABlock3D({ ...(c.args as ConstructorParameters<typeof RABlock3D>[0]), ...seeded(3) });
      layer.apply(tensor(xa));
      randomizeNorms(layer, 30);
      const y = layer.apply(tensor(xa), { training: true }) as tf.Tensor;
      expect(y.shape).toEqual(SHAPE);
      expectClose(y.dataSync(), referenceBlock(xa, weightArrays(layer), c.heads, c.kind).data, 1e-4, 1e-4);
      const names = layer.weights.map((w) => w.originalName.split('/').pop());
      expect(names.includes('key_bias')).toBe('keyBias' in c.args);
      expect(names.includes('output_kernel')).toBe(!('outputProjection' in c.args));
    });
  }

  it('parameter counts: key bias gone by default, output projection optional (hand-computed)', () => {
    // 8 channels, bottleneck 4, 2x2x3 grid, 2 heads of width 2, no normalization (all biases on)
    const count = (args: Parameters<typeof raBlock3D>[0]): number => {
      const layer = raBlock3D({ heads: 2, bottleneckFilters: 4, normalization: 'none', ...args });
      layer.apply(tf.input({ shape: SHAPE.slice(1) }));
      return layer.countParams();
    };
    const reduceExpand = 8 * 4 + 4 + 4 * 8 + 8;
    const qv = 2 * (4 * 4 + 4);
    const k = 4 * 4;
    const position = 2 * (2 + 2 + 3) * 2;
    const output = 4 * 4 + 4;
    expect(count({})).toBe(reduceExpand + qv + k + position + output);
    expect(count({ keyBias: true })).toBe(reduceExpand + qv + k + 4 + position + output);
    expect(count({ outputProjection: false })).toBe(reduceExpand + qv + k + position);
    expect(() => raBlock3D({ keyBias: true })).toThrow(/keyBias needs useBias/);
  });

  it('loads a config saved before keyBias and outputProjection existed as it was (key bias with useBias, projection on)', () => {
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap['raunet>RABlock3D'];
    const { keyBias: _k, outputProjection: _o, ...old } = raBlock3D({ heads: 2, bottleneckFilters: 4, normalization: 'none' }).getConfig();
    const legacy = fromConfig(cls, old) as RABlock3D;
    expect(legacy.keyBias).toBe(true);
    expect(legacy.outputProjection).toBe(true);
    const { keyBias: _k2, ...oldBatch } = raBlock3D({ heads: 2 }).getConfig();
    expect((fromConfig(cls, oldBatch) as RABlock3D).keyBias).toBe(false); // useBias false under batch norm: no key bias either way
  });

  it('has gradients matching finite differences for the input and every weight (batch norm, training)', () => {
    const layer = raBlock3D({ heads: 2, bottleneckFilters: 2, ...seeded(5) });
    const x = tensor(randomArray([2, 2, 2, 1, 4], 2));
    layer.apply(x);
    randomizeNorms(layer, 50);
    // the position code's default initializer is unseeded: fix it so the check is repeatable
    ['rel_d', 'rel_h', 'rel_w'].forEach((n, i) => weightByName(layer, n).write(tensor(randomArray(weightByName(layer, n).shape as number[], 60 + i))));
    checkLayerGradients(layer, x, { training: true }, { samples: 2 });
  });

  it('has symbolic output shapes, stores its spatial size and bottleneck in the config, validates arguments', () => {
    const layer = raBlock3D();
    const out = layer.apply(tf.input({ shape: [4, 6, 6, 32] })) as tf.SymbolicTensor;
    expect(out.shape).toEqual([null, 4, 6, 6, 32]);
    expect(layer.getConfig()).toMatchObject({ bottleneckFilters: 8, heads: 4, spatialShape: [4, 6, 6], normalization: 'batch', useBias: false });
    expect(weightByName(layer, 'rel_d').shape).toEqual([4, 4, 1, 1, 2]);
    checkConfigRoundTrip(layer);
    expect(() => layer.apply(tf.zeros([1, 4, 6, 5, 32]))).toThrow(ShapeMismatchError);
    expect(() => raBlock3D({ heads: 3, bottleneckFilters: 4 })).toThrow(InvalidArgumentError);
    expect(() => raBlock3D({ heads: 4 }).apply(tf.input({ shape: [2, 2, 2, 8] }))).toThrow(/bottleneckFilters/);
    expect(() => raBlock3D({ normalization: 'group', groups: 3, bottleneckFilters: 8 }).apply(tf.input({ shape: [2, 2, 2, 16] }))).toThrow(
      InvalidArgumentError,
    );
  });

  it('trains, saves/loads with identical predictions and does not leak', async () => {
    const model = oneLayerModel(raBlock3D({ heads: 2 }), SHAPE.slice(1), true);
    await checkModelLevel(model, tensor(randomArray(SHAPE, 5)), tensor(randomArray(SHAPE, 6)));
  });
});
