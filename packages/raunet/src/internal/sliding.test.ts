import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { flipPatches } from './sliding.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('flipPatches', () => {
  it('equals tf.reverse of the NDHWC batch along every axis set, and flipping twice restores the input', () => {
    const size: [number, number, number] = [5, 4, 3]; // x, y, z
    for (const channels of [1, 2]) {
      const n = 2 * 3 * 4 * 5 * channels;
      const src = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 100);
      const t = tf.tensor5d(src, [2, 3, 4, 5, channels]);
      for (const axes of [[1], [2], [3], [1, 2], [1, 3], [2, 3], [1, 2, 3]]) {
        const expected = tf.reverse(t, axes).dataSync();
        const got = flipPatches(src, 2, size, channels, axes);
        expect(Array.from(got)).toEqual(Array.from(expected));
        expect(Array.from(flipPatches(got, 2, size, channels, axes))).toEqual(Array.from(src));
      }
      t.dispose();
    }
  });
});
