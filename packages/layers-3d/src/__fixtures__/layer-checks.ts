// Checks shared by every layer's tests: numeric comparison, finite-difference gradients, config and
// model save/load round trips, tensor leaks, one trainOnBatch step.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { Arr } from './reference.js';
import { randomArray } from './reference.js';

/** A tf tensor from a reference array. */
export function tensor(a: Arr): tf.Tensor {
  return tf.tensor(Float32Array.from(a.data), a.shape);
}

/** A reference array from a tensor (e.g. a layer's weight). */
export function arr(t: tf.Tensor): Arr {
  return { data: Float64Array.from(t.dataSync()), shape: t.shape.slice() };
}

/** |a - e| <= atol + rtol * |e| elementwise, with the worst index in the message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let excess = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(e <= excess)) {
      excess = Number.isNaN(e) ? Infinity : e;
      worst = i;
    }
  }
  if (worst >= 0) expect.fail(`mismatch at ${worst}: actual ${actual[worst]}, expected ${expected[worst]}`);
}

/** Sets a layer weight by name suffix (e.g. 'rel_h'). */
export function weightByName(layer: tf.layers.Layer, suffix: string): tf.LayerVariable {
  const w = layer.weights.find((v) => v.originalName.endsWith(`/${suffix}`) || v.name.endsWith(`/${suffix}`));
  if (!w) throw new Error(`no weight ${suffix} in ${layer.weights.map((v) => v.originalName).join(', ')}`);
  return w;
}

/** Layer weights as reference arrays keyed by their short name. */
export function weightArrays(layer: tf.layers.Layer): Record<string, Arr> {
  const out: Record<string, Arr> = {};
  for (const w of layer.weights) out[w.originalName.split('/').pop()!] = arr(w.read());
  return out;
}

/**
 * Central finite differences of L = sum(f() * R) (R fixed random) for `samples` entries of each variable,
 * against the gradient from tf.variableGrads. Variables are restored afterwards.
 */
export function checkGradients(
  f: () => tf.Tensor,
  variables: tf.Variable[],
  options: { samples?: number; eps?: number; atol?: number; rtol?: number; seed?: number } = {},
): void {
  const { samples = 4, eps = 2e-3, atol = 2e-3, rtol = 2e-2, seed = 7 } = options;
  const outShape = tf.tidy(() => f().shape);
  const r = tensor(randomArray(outShape, seed));
  const loss = (): tf.Scalar => tf.sum(tf.mul(f(), r));
  const { grads } = tf.variableGrads(loss, variables);
  try {
    for (const v of variables) {
      const g = grads[v.name].dataSync();
      const base = v.dataSync().slice();
      const picks = randomArray([samples], seed + 1, 0, base.length).data.map(Math.floor);
      for (const i of picks) {
        const eval1 = (delta: number): number => {
          const next = base.slice();
          next[i] += delta;
          v.assign(tf.tensor(next, v.shape));
          return tf.tidy(() => loss().dataSync()[0]);
        };
        const numeric = (eval1(eps) - eval1(-eps)) / (2 * eps);
        v.assign(tf.tensor(base, v.shape));
        if (!(Math.abs(g[i] - numeric) <= atol + rtol * Math.abs(numeric))) {
          expect.fail(`gradient of ${v.name}[${i}]: analytic ${g[i]}, finite difference ${numeric}`);
        }
      }
    }
  } finally {
    tf.dispose([r, ...Object.values(grads)]);
  }
}

/** The gradient check of a layer: with respect to the input and every trainable weight. */
export function checkLayerGradients(layer: tf.layers.Layer, x: tf.Tensor, kwargs: Record<string, unknown> = {}, options = {}): void {
  const xv = tf.variable(x.clone(), true, `input_${Math.random().toString(36).slice(2)}`);
  try {
    const f = (): tf.Tensor => layer.apply(xv, kwargs) as tf.Tensor;
    tf.tidy(() => f()); // builds the layer
    checkGradients(f, [xv, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)], options);
  } finally {
    xv.dispose();
  }
}

/** Config round trip: `fromConfig(getConfig())` gives the same config. */
export function checkConfigRoundTrip(layer: tf.layers.Layer): void {
  const config = layer.getConfig();
  const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  expect(cls).toBe(layer.constructor);
  const copy = fromConfig(cls, config) as tf.layers.Layer;
  expect(copy.getClassName()).toBe(layer.getClassName());
  expect(copy.getConfig()).toEqual(config);
  expect(JSON.parse(JSON.stringify(config))).toEqual(config);
}

/** A one-layer model (plus a trainable 1x1x1 conv before it when `withConv`) for the model-level checks. */
export function oneLayerModel(layer: tf.layers.Layer, inputShape: number[], withConv = false): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  let h: tf.SymbolicTensor = input;
  if (withConv) h = tf.layers.conv3d({ filters: inputShape[3], kernelSize: 1 }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: layer.apply(h) as tf.SymbolicTensor });
}

/** Saves with an in-memory handler, loads with tf.loadLayersModel; returns the loaded model and the artifacts. */
export async function saveAndLoad(model: tf.LayersModel): Promise<{ loaded: tf.LayersModel; artifacts: tf.io.ModelArtifacts }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  // Through JSON like a file would be.
  const topology = JSON.parse(JSON.stringify(artifacts!.modelTopology)) as object;
  const loaded = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts!, modelTopology: topology }));
  return { loaded, artifacts: artifacts! };
}

/** Max |a - b| of two predictions. */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/**
 * Model-level checks: trainOnBatch gives a finite loss (and moves the weights), save/load gives identical
 * predictions, tensors do not leak across a forward pass and a custom training step.
 */
export async function checkModelLevel(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
  const loss = (await model.trainOnBatch(x, y)) as number;
  expect(Number.isFinite(loss)).toBe(true);

  const { loaded, artifacts } = await saveAndLoad(model);
  expect(JSON.stringify(artifacts.modelTopology)).toContain('raunet>');
  const p1 = model.predict(x) as tf.Tensor;
  const p2 = loaded.predict(x) as tf.Tensor;
  expect(p2.shape).toEqual(p1.shape);
  expect(maxAbsDiff(p1, p2)).toBe(0);
  tf.dispose([p1, p2]);
  expect(loaded.weights.length).toBe(model.weights.length);
  loaded.dispose();

  // Leaks: a forward pass and a custom training step (optimizer.minimize with training: true).
  const optimizer = tf.train.sgd(0.01);
  const step = (): void => {
    const cost = optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor), true);
    cost?.dispose();
  };
  step(); // warm-up
  const before = tf.memory().numTensors;
  tf.dispose(model.predict(x));
  expect(tf.memory().numTensors).toBe(before);
  step();
  expect(tf.memory().numTensors).toBe(before);
}

/**
 * `make()` built on inputs of `inputShape` (without the batch axis), every weight set to seeded values in
 * [-0.5, 1.5] ([0.5, 1.5] for variances and gammas): non-trivial statistics and affine parameters.
 */
export function layerWithWeights(make: () => tf.layers.Layer, inputShape: number[], seed = 20): tf.layers.Layer {
  const layer = make();
  layer.apply(tf.input({ shape: inputShape }));
  let next = seed;
  for (const v of layer.weights) {
    const name = v.originalName.split('/').pop()!;
    const lo = name.endsWith('variance') || name.endsWith('gamma') ? 0.5 : -0.5;
    v.write(tensor(randomArray(v.shape as number[], next++, lo, 1.5)));
  }
  return layer;
}

