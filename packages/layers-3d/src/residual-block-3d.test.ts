import { InvalidArgumentError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResidualBlock3D, residualBlock3D } from './index.js';
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
import { add, batchNormTrain, conv3dSame, groupNorm, instanceNorm, randomArray, relu } from './__fixtures__/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Plain-loop residual block: conv -> norm -> relu -> conv -> norm, + (projection -> norm | identity), relu. */
function referenceBlock(
  x: Arr,
  w: Record<string, Arr>,
  strides: number[],
  kind: 'batch' | 'instance' | 'group' | 'none',
  eps: number,
  padding: 'same' | 'symmetric',
): Arr {
  const norm = (t: Arr, prefix: string): Arr => {
    if (kind === 'none') return t;
    const g = Array.from(w[`${prefix}gamma`].data);
    const b = Array.from(w[`${prefix}beta`].data);
    if (kind === 'batch') return batchNormTrain(t, g, b, eps).y;
    if (kind === 'instance') return instanceNorm(t, g, b, eps);
    return groupNorm(t, 2, g, b, eps);
  };
  let y = relu(norm(conv3dSame(x, w.conv1_kernel, strides, w.conv1_bias, padding), 'norm1_'));
  y = norm(conv3dSame(y, w.conv2_kernel, [1, 1, 1], w.conv2_bias, padding), 'norm2_');
  const s = w.shortcut_kernel ? norm(conv3dSame(x, w.shortcut_kernel, strides, w.shortcut_bias), 'shortcut_norm_') : x;
  return relu(add(y, s));
}

/** Gives gamma/beta non-trivial values so the check sees them. */
function randomizeNorms(layer: tf.layers.Layer, seed: number): void {
  for (const v of layer.trainableWeights) {
    const n = v.originalName.split('/').pop()!;
    if (n.endsWith('gamma')) v.write(tensor(randomArray(v.shape as number[], seed++, 0.5, 1.5)));
    if (n.endsWith('beta') || n.endsWith('bias')) v.write(tensor(randomArray(v.shape as number[], seed++, -0.3, 0.3)));
  }
}

describe('ResidualBlock3D', () => {
  const cases = [
    { name: 'batch, projection (channels and stride 2)', args: { filters: 4, strides: 2 }, kind: 'batch', cin: 3 },
    { name: 'none with bias, identity shortcut', args: { filters: 3, normalization: 'none' }, kind: 'none', cin: 3 },
    { name: 'instance, anisotropic stride', args: { filters: 2, strides: [1, 2, 1], normalization: 'instance' }, kind: 'instance', cin: 2 },
    { name: 'group (2 groups), projection', args: { filters: 4, normalization: 'group', groups: 2 }, kind: 'group', cin: 2 },
    { name: "batch, stride 2, legacy padding 'same', epsilon 1e-3", args: { filters: 4, strides: 2, padding: 'same', epsilon: 1e-3 }, kind: 'batch', cin: 3 },
    { name: 'batch, 3x3x1 kernel (d = 1), stride [1, 2, 2]', args: { filters: 4, strides: [1, 2, 2], kernelSize: [1, 3, 3] }, kind: 'batch', cin: 3 },
  ] as const;

  for (const c of cases) {
    it(`matches a plain-loop reference: ${c.name}`, () => {
      const xa = randomArray([2, 3, 4, 3, c.cin], 1);
      const layer = new ResidualBlock3D({ ...(c.args as ConstructorParameters<typeof ResidualBlock3D>[0]), kernelInitializer: tf.initializers.heNormal({ seed: 3 }) });
      layer.apply(tensor(xa));
      randomizeNorms(layer, 20);
      const y = layer.apply(tensor(xa), { training: true }) as tf.Tensor;
      const strides = 'strides' in c.args ? (typeof c.args.strides === 'number' ? [2, 2, 2] : [...c.args.strides]) : [1, 1, 1];
      const padding = 'padding' in c.args ? c.args.padding : 'symmetric';
      const epsilon = 'epsilon' in c.args ? c.args.epsilon : 1e-5;
      const ref = referenceBlock(xa, weightArrays(layer), strides, c.kind, epsilon, padding);
      expect(y.shape).toEqual(ref.shape);
      expectClose(y.dataSync(), ref.data, 1e-4, 1e-4);
      expect(layer.weights.some((v) => v.originalName.endsWith('shortcut_kernel'))).toBe(c.cin !== c.args.filters || 'strides' in c.args);
      expect(layer.weights.some((v) => v.originalName.endsWith('conv1_bias'))).toBe(c.kind === 'none');
    });
  }

  it('has gradients matching finite differences for the input and every weight (batch norm, training)', () => {
    const layer = residualBlock3D({ filters: 3, kernelInitializer: tf.initializers.heNormal({ seed: 1 }) });
    const x = tensor(randomArray([2, 2, 3, 2, 2], 2));
    layer.apply(x);
    randomizeNorms(layer, 40);
    checkLayerGradients(layer, x, { training: true }, { samples: 3 });
  });

  it('has gradients matching finite differences without normalization, stride 2', () => {
    const layer = residualBlock3D({ filters: 2, strides: 2, normalization: 'none', kernelInitializer: tf.initializers.heNormal({ seed: 2 }) });
    checkLayerGradients(layer, tensor(randomArray([1, 2, 4, 3, 2], 3)), {}, { samples: 3 });
  });

  it('uses moving statistics in inference', () => {
    const layer = residualBlock3D({ filters: 2 });
    const x = tensor(randomArray([1, 2, 2, 2, 2], 4));
    layer.apply(x);
    weightByName(layer, 'norm1_moving_variance').write(tf.tensor([4, 9]));
    // identity shortcut: with moving stats the block is a fixed function, repeatable and training-independent
    const a = (layer.apply(x) as tf.Tensor).dataSync();
    const b = (layer.apply(x) as tf.Tensor).dataSync();
    expectClose(a, b, 0);
    const t = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(Array.from(t)).not.toEqual(Array.from(a));
  });

  it('has symbolic output shapes, round-trips its config and validates its arguments', () => {
    const input = tf.input({ shape: [5, 8, 7, 2] });
    const layer = residualBlock3D({ filters: 6, strides: [1, 2, 2], kernelInitializer: tf.initializers.heUniform({ seed: 1 }) });
    expect((layer.apply(input) as tf.SymbolicTensor).shape).toEqual([null, 5, 4, 4, 6]);
    expect(layer.computeOutputShape([3, 5, 8, 7, 2])).toEqual([3, 5, 4, 4, 6]);
    checkConfigRoundTrip(layer);
    expect(layer.getConfig()).toMatchObject({ filters: 6, strides: [1, 2, 2], normalization: 'batch', useBias: false });
    expect(() => residualBlock3D({ filters: 0 })).toThrow(InvalidArgumentError);
    expect(() => residualBlock3D({ filters: 4, normalization: 'layer' as 'batch' })).toThrow(/normalization/);
    expect(() => residualBlock3D({ filters: 6, normalization: 'group', groups: 4 })).toThrow(InvalidArgumentError);
    expect(() => residualBlock3D({ filters: 4, kernelInitializer: 'nope' as 'zeros' })).toThrow(/kernelInitializer/);
  });

  it("strided: symmetric padding centres the 3x3x3 convolution on the shortcut's voxel 2i (impulse, hand-computed)", () => {
    // 4x4x4 input, impulse at (2, 2, 2); conv1 = box of ones, conv2 = centre delta, shortcut = 1, no norm, no bias.
    // Output voxel i reads conv1 at input [2i - 1, 2i + 1] (symmetric) or [2i, 2i + 2] ('same', 0 before and
    // 1 after on the even size 4), and the shortcut reads voxel 2i: symmetric only output (1, 1, 1) sees the
    // impulse, twice (2); with 'same' all 8 outputs of {0, 1}^3 see it through conv1 and (1, 1, 1) also through
    // the shortcut.
    const x = tf.buffer([1, 4, 4, 4, 1]);
    x.set(1, 0, 2, 2, 2, 0);
    const expected = (padding: 'symmetric' | 'same'): number[] => {
      const out = new Array<number>(8).fill(0);
      if (padding === 'symmetric') out[7] = 2;
      else out.fill(1, 0, 7).fill(2, 7);
      return out;
    };
    for (const padding of ['symmetric', 'same'] as const) {
      const layer = residualBlock3D({ filters: 1, strides: 2, normalization: 'none', padding });
      layer.apply(x.toTensor());
      weightByName(layer, 'conv1_kernel').write(tf.ones([3, 3, 3, 1, 1]));
      const delta = tf.buffer([3, 3, 3, 1, 1]);
      delta.set(1, 1, 1, 1, 0, 0);
      weightByName(layer, 'conv2_kernel').write(delta.toTensor());
      weightByName(layer, 'shortcut_kernel').write(tf.ones([1, 1, 1, 1, 1]));
      const y = layer.apply(x.toTensor()) as tf.Tensor;
      expect(y.shape).toEqual([1, 2, 2, 2, 1]);
      expect(Array.from(y.dataSync())).toEqual(expected(padding));
    }
  });

  it("defaults to symmetric padding and epsilon 1e-5; a config saved without padding loads as 'same' with its epsilon", () => {
    const layer = residualBlock3D({ filters: 2 });
    expect(layer.getConfig()).toMatchObject({ padding: 'symmetric', epsilon: 1e-5 });
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap['raunet>ResidualBlock3D'];
    const { padding: _dropped, ...old } = layer.getConfig();
    const legacy = fromConfig(cls, { ...old, epsilon: 1e-3 }) as ResidualBlock3D;
    expect(legacy.padding).toBe('same');
    expect(legacy.epsilon).toBe(1e-3);
    expect(() => residualBlock3D({ filters: 2, kernelSize: [2, 3, 3] })).toThrow(/odd kernel sizes/);
    expect(() => residualBlock3D({ filters: 2, kernelSize: [2, 3, 3], padding: 'same' })).not.toThrow();
    expect(() => residualBlock3D({ filters: 2, padding: 'valid' as 'same' })).toThrow(InvalidArgumentError);
  });

  it('trains, saves/loads with identical predictions and does not leak', async () => {
    const model = oneLayerModel(residualBlock3D({ filters: 3, strides: [1, 2, 2] }), [2, 4, 4, 2]);
    await checkModelLevel(model, tensor(randomArray([2, 2, 4, 4, 2], 5)), tensor(randomArray([2, 2, 2, 2, 3], 6)));
  });
});
