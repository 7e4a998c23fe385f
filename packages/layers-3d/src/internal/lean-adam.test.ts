import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomArray } from '../__fixtures__/reference.js';
import { installLeanAdam, setLeanAdam } from './lean-adam.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  installLeanAdam();
});
afterEach(() => setLeanAdam(true));

/** Three Adam steps on 12 variables of a quadratic loss; the weights after, and the most tensors alive during a step. */
function train(lean: boolean): { weights: Float32Array[]; peakTensors: number } {
  setLeanAdam(lean);
  const vars = Array.from({ length: 12 }, (_, i) => tf.variable(tf.tensor(Float32Array.from(randomArray([50], i + 1).data))));
  const targets = vars.map((_, i) => tf.tensor(Float32Array.from(randomArray([50], i + 100).data)));
  const optimizer = tf.train.adam(0.05);
  let peakTensors = 0;
  // every variable's update takes one Sqrt: sample the live tensors there
  const sqrt = tf.getKernel('Sqrt', 'cpu');
  tf.unregisterKernel('Sqrt', 'cpu');
  tf.registerKernel({ ...sqrt, kernelFunc: (args) => ((peakTensors = Math.max(peakTensors, tf.memory().numTensors)), sqrt.kernelFunc(args)) });
  try {
    for (let step = 0; step < 3; step++) {
      const base = tf.memory().numTensors;
      peakTensors = 0;
      optimizer.minimize(() => tf.addN(vars.map((v, i) => tf.sum(tf.square(tf.sub(v, targets[i]))))) as tf.Scalar, false, vars);
      peakTensors -= base;
    }
  } finally {
    tf.unregisterKernel('Sqrt', 'cpu');
    tf.registerKernel(sqrt);
  }
  const weights = vars.map((v) => v.dataSync().slice() as Float32Array);
  optimizer.dispose();
  tf.dispose([...vars, ...targets]);
  return { weights, peakTensors };
}

describe('Adam one variable at a time', () => {
  it('gives bitwise the weights of tfjs’s own update and frees each variable’s temporaries before the next', () => {
    const own = train(false);
    const lean = train(true);
    lean.weights.forEach((w, i) => expect(new Uint32Array(w.buffer)).toEqual(new Uint32Array(own.weights[i].buffer)));
    // tfjs's own keeps about a dozen temporaries per variable until the last one is updated
    expect(own.peakTensors).toBeGreaterThan(12 * 8);
    expect(lean.peakTensors).toBeLessThan(own.peakTensors / 3);
  });

  it('leaves no tensors behind', () => {
    setLeanAdam(true);
    const v = tf.variable(tf.ones([10]));
    const optimizer = tf.train.adam(0.1);
    const step = () => optimizer.minimize(() => tf.sum(tf.square(v)), false, [v]);
    step();
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    v.dispose();
  });
});
