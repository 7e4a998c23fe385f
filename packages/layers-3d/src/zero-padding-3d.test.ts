import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ZeroPadding3D, zeroPadding3D } from './index.js';
import { checkConfigRoundTrip, checkLayerGradients, checkModelLevel, oneLayerModel, tensor } from './__fixtures__/layer-checks.js';
import { randomArray } from './__fixtures__/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ZeroPadding3D', () => {
  it('pads each spatial axis by the given amounts (hand-computed)', () => {
    const x = tf.tensor([1, 2, 3, 4], [1, 1, 2, 2, 1]);
    const y = zeroPadding3D({ padding: [[0, 0], [1, 0], [0, 1]] }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 1, 3, 3, 1]);
    expect(Array.from(y.dataSync())).toEqual([0, 0, 0, 1, 2, 0, 3, 4, 0]);
    const z = zeroPadding3D({ padding: [1, 0, 0] }).apply(x) as tf.Tensor;
    expect(Array.from(z.dataSync())).toEqual([0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0]);
    expect(new ZeroPadding3D().padding).toEqual([[1, 1], [1, 1], [1, 1]]);
  });

  it("then a 'valid' stride-2 convolution centres output voxel i on input voxel 2i (impulse, hand-computed)", () => {
    // 4x4x4 input, impulse at (d, h, w) = (2, 1, 3), 3x3x3 box kernel, stride 2.
    // Symmetric (pad 1 | 1): output i sees input [2i - 1, 2i + 1]: d -> {1}, h -> {0, 1}, w -> {1}.
    // TF 'same' (pad 0 | 1 on size 4): output i sees [2i, 2i + 2]: d -> {0, 1}, h -> {0}, w -> {1}.
    const b = tf.buffer([1, 4, 4, 4, 1]);
    b.set(1, 0, 2, 1, 3, 0);
    const x = b.toTensor() as tf.Tensor5D;
    const k = tf.ones<tf.Rank.R5>([3, 3, 3, 1, 1]);
    const at = (d: number, h: number, w: number): number => (d * 2 + h) * 2 + w;
    const symmetric = tf.conv3d(zeroPadding3D({ padding: 1 }).apply(x) as tf.Tensor5D, k, 2, 'valid');
    const expectedSymmetric = new Array<number>(8).fill(0);
    expectedSymmetric[at(1, 0, 1)] = 1;
    expectedSymmetric[at(1, 1, 1)] = 1;
    expect(Array.from(symmetric.dataSync())).toEqual(expectedSymmetric);
    const same = tf.conv3d(x, k, 2, 'same');
    const expectedSame = new Array<number>(8).fill(0);
    expectedSame[at(0, 0, 1)] = 1;
    expectedSame[at(1, 0, 1)] = 1;
    expect(Array.from(same.dataSync())).toEqual(expectedSame);
  });

  it('has symbolic output shapes, round-trips its config and validates its arguments', () => {
    const layer = zeroPadding3D({ padding: [0, 1, 2] });
    expect((layer.apply(tf.input({ shape: [1, 5, 6, 3] })) as tf.SymbolicTensor).shape).toEqual([null, 1, 7, 10, 3]);
    expect(layer.computeOutputShape([2, null, 5, 6, 3])).toEqual([2, null, 7, 10, 3]);
    expect(layer.getConfig().padding).toEqual([[0, 0], [1, 1], [2, 2]]);
    checkConfigRoundTrip(layer);
    expect(() => zeroPadding3D({ padding: -1 })).toThrow(InvalidArgumentError);
    expect(() => zeroPadding3D({ padding: [1, 1] as unknown as [number, number, number] })).toThrow(/padding must be/);
    expect(() => zeroPadding3D({ padding: [[1, 1], [1], [0, 0]] as unknown as [[number, number], [number, number], [number, number]] })).toThrow(
      /padding\[1\] \(h\) must be \[before, after\]/,
    );
    expect(() => zeroPadding3D({ padding: [0, 1.5, 0] })).toThrow(/padding\[1\] \(h\)/);
    expect(() => zeroPadding3D().apply(tf.input({ shape: [4, 4, 4] }))).toThrow(ShapeMismatchError);
  });

  it('has input gradients matching finite differences', () => {
    checkLayerGradients(zeroPadding3D({ padding: [[1, 0], [0, 2], [1, 1]] }), tensor(randomArray([1, 2, 2, 3, 2], 1)), {}, { samples: 4 });
  });

  it('trains, saves/loads with identical predictions and does not leak', async () => {
    const model = oneLayerModel(zeroPadding3D({ padding: [0, 1, 1] }), [2, 3, 3, 2], true);
    await checkModelLevel(model, tensor(randomArray([2, 2, 3, 3, 2], 2)), tensor(randomArray([2, 2, 5, 5, 2], 3)));
  });
});
