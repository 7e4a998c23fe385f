import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchNorm3D, raBlock3D, residualBlock3D } from '../index.js';
import { expectClose, tensor } from '../__fixtures__/layer-checks.js';
import { randomArray } from '../__fixtures__/reference.js';
import { batchNormTraining, setFusedOps } from './fused-batch-norm.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => setFusedOps(true));

/** Values with a per-channel offset and spread, as a convolution's output has. */
function activations(shape: number[], seed: number): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(tensor(randomArray(shape, seed, -2, 2)), 1.5), tensor(randomArray([shape[4]], seed + 1, -3, 3))));
}

interface Run {
  output: number[];
  grads: Float32Array[];
  moving: Float32Array[];
}

/**
 * Builds `make()` on `x`, gives every gamma/beta/bias non-trivial values, then runs one training-mode call
 * under tf.grads of sum(y * R) with the fused op on or off: output, gradients (input first, then every
 * trainable weight) and the moving statistics after the call.
 */
function runLayer(make: () => tf.layers.Layer, x: tf.Tensor, fused: boolean, seed: number): Run {
  setFusedOps(fused);
  const layer = make();
  layer.apply(tf.input({ shape: x.shape.slice(1) }));
  let s = seed;
  for (const v of layer.trainableWeights) {
    const n = v.originalName.split('/').pop()!;
    if (n.endsWith('gamma')) v.write(tensor(randomArray(v.shape as number[], s++, 0.5, 1.5)));
    else if (n.endsWith('beta') || n.endsWith('bias')) v.write(tensor(randomArray(v.shape as number[], s++, -0.3, 0.3)));
    else v.write(tensor(randomArray(v.shape as number[], s++, -0.5, 0.5)));
  }
  const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const r = tf.tidy(() => tensor(randomArray((layer.apply(x, { training: false }) as tf.Tensor).shape, 99)));
  let output: number[] = [];
  const grads = tf.tidy(() => {
    const f = (input: tf.Tensor, ...vars: tf.Tensor[]): tf.Scalar => {
      void vars;
      const y = layer.apply(input, { training: true }) as tf.Tensor;
      output = Array.from(y.dataSync());
      return tf.sum(tf.mul(y, r));
    };
    return tf.grads(f)([x, ...variables]);
  });
  const run: Run = {
    output,
    grads: grads.map((g) => g.dataSync() as Float32Array),
    moving: layer.nonTrainableWeights.map((w) => w.read().dataSync() as Float32Array),
  };
  tf.dispose([...grads, r]);
  layer.dispose();
  return run;
}

function expectSameRun(fused: Run, chain: Run): void {
  // the forward runs the chain's ops in the chain's order: the same float32 values
  expect(fused.output).toEqual(chain.output);
  expect(fused.moving.map((m) => Array.from(m))).toEqual(chain.moving.map((m) => Array.from(m)));
  expect(fused.grads.length).toBe(chain.grads.length);
  fused.grads.forEach((g, i) => expectClose(g, chain.grads[i], 1e-5, 1e-5));
}

describe('fused training-mode batch norm', () => {
  it('matches the chain of elementwise ops (forward, gradients of x, gamma, beta, residual) with and without ReLU', () => {
    const shape = [2, 3, 4, 5, 6];
    const x = activations(shape, 1);
    const residual = tensor(randomArray(shape, 3, -1, 1));
    const gamma = tensor(randomArray([6], 4, 0.5, 1.5));
    const beta = tensor(randomArray([6], 5, -0.5, 0.5));
    const r = tensor(randomArray(shape, 6));
    const chain = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor, res: tf.Tensor, relu: boolean): tf.Tensor => {
      const { mean, variance } = tf.moments(tf.reshape(xs, [-1, 6]), 0);
      const z = tf.add(tf.add(tf.mul(tf.sub(xs, mean), tf.div(g, tf.sqrt(tf.add(variance, 1e-5)))), b), res);
      return relu ? tf.relu(z) : z;
    };
    for (const relu of [true, false]) {
      const loss = (f: (...t: tf.Tensor[]) => tf.Tensor) => (...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), r));
      const fused = tf.grads(loss((xs, g, b, res) => batchNormTraining(xs, g, b, res, { epsilon: 1e-5, relu })))([x, gamma, beta, residual]);
      const reference = tf.grads(loss((xs, g, b, res) => chain(xs, g, b, res, relu)))([x, gamma, beta, residual]);
      fused.forEach((g, i) => expectClose(g.dataSync(), reference[i].dataSync(), 1e-5, 1e-5));
      const y = batchNormTraining(x, gamma, beta, residual, { epsilon: 1e-5, relu });
      expectClose(y.dataSync(), chain(x, gamma, beta, residual, relu).dataSync(), 1e-5, 1e-5);
      tf.dispose([...fused, ...reference, y]);
    }
    // without gamma, beta and residual: only dx
    const [dx] = tf.grads((xs: tf.Tensor) => tf.sum(tf.mul(batchNormTraining(xs, null, null, null, { epsilon: 1e-3, relu: false }), r)))([x]);
    const [dxChain] = tf.grads((xs: tf.Tensor) => {
      const { mean, variance } = tf.moments(tf.reshape(xs, [-1, 6]), 0);
      return tf.sum(tf.mul(tf.div(tf.sub(xs, mean), tf.sqrt(tf.add(variance, 1e-3))), r));
    })([x]);
    expectClose(dx.dataSync(), dxChain.dataSync(), 1e-5, 1e-5);
    tf.dispose([x, residual, gamma, beta, r, dx, dxChain]);
  });

  it('reports the batch mean and biased variance once per call', () => {
    const x = tensor({ data: Float64Array.from([1, 10, 3, 20, 5, 60, 7, 10]), shape: [1, 1, 2, 2, 2] });
    const seen: number[][] = [];
    tf.tidy(() =>
      batchNormTraining(x, null, null, null, {
        epsilon: 1e-5,
        relu: true,
        onStatistics: (mean, variance, count) => seen.push([...mean.dataSync(), ...variance.dataSync(), count]),
      }),
    );
    // channel 0: 1, 3, 5, 7 (mean 4, biased variance 5); channel 1: 10, 20, 60, 10 (mean 25, variance 425)
    expect(seen).toEqual([[4, 25, 5, 425, 4]]);
    x.dispose();
  });

  it('BatchNorm3D, ResidualBlock3D (projection, stride 2) and RABlock3D in training mode equal the chain', () => {
    const x = activations([2, 4, 4, 4, 8], 20);
    const makers: [string, () => tf.layers.Layer][] = [
      ['batch norm', () => batchNorm3D({ momentum: 0.9 })],
      ['residual block', () => residualBlock3D({ filters: 16, strides: 2, momentum: 0.8 })],
      ['residual block, identity shortcut', () => residualBlock3D({ filters: 8 })],
      ['RA block', () => raBlock3D({ heads: 2, bottleneckFilters: 4 })],
    ];
    for (const [name, make] of makers) {
      const fused = runLayer(make, x, true, 30);
      const chain = runLayer(make, x, false, 30);
      expect(fused.grads.length, name).toBeGreaterThan(1);
      expectSameRun(fused, chain);
    }
    x.dispose();
  });

  it('keeps the tensor count flat over training steps', () => {
    const layer = residualBlock3D({ filters: 8, strides: 2 });
    const x = activations([1, 4, 4, 4, 4], 40);
    layer.apply(x);
    const optimizer = tf.train.adam(1e-2);
    const step = (): void => tf.dispose(optimizer.minimize(() => tf.mean(layer.apply(x, { training: true }) as tf.Tensor), true) ?? []);
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x]);
    optimizer.dispose();
    layer.dispose();
  });
});
