import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { usePad5dWorkaround } from './pad-5d-workaround.js';

describe('usePad5dWorkaround', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('pads 5-D tensors exactly as the original kernel, without leaking tensors, and restores it', () => {
    // The decomposition is backend-independent: check it on the cpu backend against cpu's own 5-D pad.
    const x = tf.randomUniform([2, 3, 4, 5, 2], -1, 1, 'float32', 7);
    const cases: [number, number][][] = [
      [[0, 0], [1, 2], [0, 3], [2, 1], [0, 0]],
      [[0, 0], [0, 0], [1, 1], [0, 0], [0, 0]],
      [[1, 0], [1, 1], [1, 1], [1, 1], [0, 0]], // batch padded: handed to the original
    ];
    const expected = cases.map((p) => tf.pad(x, p, 0.5).arraySync());
    const before = tf.getKernel('PadV2', 'cpu').kernelFunc;
    const restore = usePad5dWorkaround('cpu');
    expect(tf.getKernel('PadV2', 'cpu').kernelFunc).not.toBe(before);
    expect(usePad5dWorkaround('cpu')).toBeTypeOf('function'); // a second call changes nothing
    const n = tf.memory().numTensors;
    cases.forEach((p, i) => {
      const y = tf.pad(x, p, 0.5);
      expect(y.arraySync()).toEqual(expected[i]);
      y.dispose();
    });
    const [shape, sum] = tf.tidy(() => {
      const g = tf.pad(tf.ones([1, 2, 2, 2, 1]), [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]);
      return [g.shape, g.sum().arraySync()];
    });
    expect([shape, sum]).toEqual([[1, 4, 4, 4, 1], 8]);
    expect(tf.memory().numTensors).toBe(n);
    restore();
    expect(tf.getKernel('PadV2', 'cpu').kernelFunc).toBe(before);
    x.dispose();
  });
});
