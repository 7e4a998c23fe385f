import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrilinearUpSampling3D, trilinearUpSampling3D } from './index.js';
import { checkConfigRoundTrip, checkLayerGradients, checkModelLevel, expectClose, oneLayerModel, tensor } from './__fixtures__/layer-checks.js';
import { nearest, randomArray, trilinear } from './__fixtures__/reference.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TrilinearUpSampling3D', () => {
  it('matches hand-checked PyTorch interpolate(mode=linear, align_corners=False) values along one axis', () => {
    // torch: F.interpolate([[[0., 1.]]], scale_factor=2, mode='linear') -> [0, 0.25, 0.75, 1]
    const x2 = tf.tensor([0, 1], [1, 1, 1, 2, 1]);
    expectClose((trilinearUpSampling3D({ size: [1, 1, 2] }).apply(x2) as tf.Tensor).dataSync(), [0, 0.25, 0.75, 1]);
    // scale 3 of [0, 3]: sources -1/3 (clamped to 0), 0, 1/3, 2/3, 1, 4/3 (clamped to 1) -> [0, 0, 1, 2, 3, 3]
    const x3 = tf.tensor([0, 3], [1, 2, 1, 1, 1]);
    expectClose((trilinearUpSampling3D({ size: [3, 1, 1] }).apply(x3) as tf.Tensor).dataSync(), [0, 0, 1, 2, 3, 3]);
    // 2x2 in-plane corner: out[0,1] = 0.75*0.75*a + 0.75*0.25*b... with a=0,b=4,c=8,d=12 (H,W) = bilinear 1 + 2 = 3
    const x4 = tf.tensor([0, 4, 8, 12], [1, 1, 2, 2, 1]);
    const y4 = (trilinearUpSampling3D({ size: [1, 2, 2] }).apply(x4) as tf.Tensor).dataSync();
    expect(y4[0]).toBeCloseTo(0, 6);
    expect(y4[1]).toBeCloseTo(1, 6); // (h=-0.25->0, w=0.25): 0.75*0 + 0.25*4
    expect(y4[4 + 1]).toBeCloseTo(0.25 * 8 + 1, 6); // (h=0.25, w=0.25): 3
    expect(y4[15]).toBeCloseTo(12, 6);
  });

  it('equals a direct 8-tap trilinear reference on a random volume, several factors', () => {
    const x = randomArray([2, 2, 3, 4, 3], 1);
    for (const size of [[2, 2, 2], [2, 3, 1], [1, 1, 3], [3, 2, 2]]) {
      const y = trilinearUpSampling3D({ size: size as [number, number, number] }).apply(tensor(x)) as tf.Tensor;
      const ref = trilinear(x, size);
      expect(y.shape).toEqual(ref.shape);
      expectClose(y.dataSync(), ref.data, 1e-5);
    }
  });

  it('nearest repeats voxels like PyTorch mode=nearest', () => {
    const x = randomArray([1, 2, 2, 3, 2], 2);
    const y = trilinearUpSampling3D({ size: [2, 3, 2], interpolation: 'nearest' }).apply(tensor(x)) as tf.Tensor;
    expectClose(y.dataSync(), nearest(x, [2, 3, 2]).data, 0);
  });

  it('has a symbolic output shape through tf.input and computeOutputShape', () => {
    const input = tf.input({ shape: [2, 3, 4, 5] });
    const out = trilinearUpSampling3D({ size: [2, 1, 3] }).apply(input) as tf.SymbolicTensor;
    expect(out.shape).toEqual([null, 4, 3, 12, 5]);
    expect(new TrilinearUpSampling3D().computeOutputShape([null, null, 3, 4, 5])).toEqual([null, null, 6, 8, 5]);
  });

  it('has gradients matching central finite differences (trilinear and nearest)', () => {
    const x = tensor(randomArray([1, 2, 3, 2, 2], 3));
    checkLayerGradients(trilinearUpSampling3D({ size: [2, 3, 2] }), x, {}, { samples: 8 });
    checkLayerGradients(trilinearUpSampling3D({ size: 2, interpolation: 'nearest' }), x, {}, { samples: 8 });
  });

  it('round-trips its config and validates its arguments', () => {
    const layer = trilinearUpSampling3D({ size: [1, 2, 3], interpolation: 'nearest' });
    checkConfigRoundTrip(layer);
    expect(layer.getConfig()).toMatchObject({ size: [1, 2, 3], interpolation: 'nearest' });
    expect(() => trilinearUpSampling3D({ size: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => trilinearUpSampling3D({ size: [2, 2] as unknown as [number, number, number] })).toThrow(/size/);
    expect(() => trilinearUpSampling3D({ interpolation: 'cubic' as 'nearest' })).toThrow(InvalidArgumentError);
    expect(() => trilinearUpSampling3D().apply(tf.input({ shape: [4, 4, 4] }))).toThrow(ShapeMismatchError);
  });

  it('trains, saves/loads with identical predictions and does not leak', async () => {
    const model = oneLayerModel(trilinearUpSampling3D({ size: [1, 2, 2] }), [2, 3, 3, 2], true);
    await checkModelLevel(model, tensor(randomArray([2, 2, 3, 3, 2], 4)), tensor(randomArray([2, 2, 6, 6, 2], 5)));
  });
});
