import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradients, expectClose } from './layer-checks.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The checkers themselves must be able to fail.
describe('test helpers', () => {
  it('checkGradients rejects a wrong gradient and accepts a right one', () => {
    const v = tf.variable(tf.tensor([0.3, -0.7, 1.1]), true, 'helper_v');
    const wrong = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = args[0] as tf.Tensor;
      (args[1] as tf.GradSaveFunc)([x]);
      return { value: tf.square(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.mul(saved[0], 3)) };
    });
    expect(() => checkGradients(() => wrong(v), [v])).toThrow(/gradient of helper_v/);
    checkGradients(() => tf.square(v), [v]);
    v.dispose();
  });

  it('expectClose rejects a mismatch and NaN', () => {
    expect(() => expectClose([1, 2], [1, 2.1])).toThrow(/mismatch at 1/);
    expect(() => expectClose([NaN], [0])).toThrow(/mismatch at 0/);
  });
});
