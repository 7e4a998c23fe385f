import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../__fixtures__/layer-checks.js';
import { randomArray } from '../__fixtures__/reference.js';
import { upsample3D } from './upsample-3d.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('upsample3D', () => {
  it('has as gradient the transpose of its matrix (built column by column from one-hot inputs)', () => {
    // sizes 1, 2 and 3 along the axes cover both clamped edges and the interior; factors 1, 2 and 3
    const cases: { shape: [number, number, number]; size: [number, number, number] }[] = [
      { shape: [1, 2, 3], size: [2, 3, 2] },
      { shape: [3, 1, 2], size: [3, 2, 1] },
      { shape: [2, 3, 1], size: [1, 2, 3] },
    ];
    for (const interpolation of ['trilinear', 'nearest'] as const) {
      for (const { shape, size } of cases) {
        const n = shape[0] * shape[1] * shape[2];
        const outShape = [1, shape[0] * size[0], shape[1] * size[1], shape[2] * size[2], 1];
        const g = randomArray(outShape, 5);
        const gt = tf.tensor(Float32Array.from(g.data), outShape);
        const x = tf.zeros([1, ...shape, 1]);
        const [dx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(upsample3D(t, size, interpolation), gt)))([x]);
        // column j of the matrix is the upsampling of the j-th one-hot volume; (A^T g)_j = <A e_j, g>
        const expected = Array.from({ length: n }, (_, j) =>
          tf.tidy(() => {
            const e = tf.oneHot(tf.tensor1d([j], 'int32'), n).toFloat().reshape([1, ...shape, 1]);
            const col = Array.from(upsample3D(e, size, interpolation).dataSync());
            return col.reduce((s, v, i) => s + v * g.data[i], 0);
          }),
        );
        expectClose(dx.dataSync(), expected, 1e-6, 1e-5);
        tf.dispose([gt, x, dx]);
      }
    }
  });

  it('computes the same values as before (the separable chain), saving nothing for its gradient', () => {
    const x = tf.tensor(Float32Array.from(randomArray([1, 2, 3, 4, 2], 9).data), [1, 2, 3, 4, 2]);
    const y = upsample3D(x, [2, 2, 2], 'trilinear');
    expect(y.shape).toEqual([1, 4, 6, 8, 2]);
    // corner voxel of a clamped linear upsampling is the corner input voxel
    expect(y.dataSync()[0]).toBeCloseTo(x.dataSync()[0], 6);
    const before = tf.memory().numTensors;
    const [dx] = tf.grads((t: tf.Tensor) => tf.sum(upsample3D(t, [2, 2, 2], 'trilinear')))([x]);
    // each input voxel spreads weights summing to 8 (2 x 2 x 2)
    expectClose(dx.dataSync(), new Array(24 * 2).fill(8), 1e-5, 0);
    dx.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});
