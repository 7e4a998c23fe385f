import * as tf from '@tensorflow/tfjs';
import { Rng } from '@raunet/core';
import { recalibrateBatchNorm } from '@raunet/raunet';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../export-onnx.js';
import { readOnnxMetadata } from '../onnx-metadata.js';

/**
 * Gives a model's normalization layers non-trivial, realistic statistics (seeded): gamma around 1, beta and
 * biases around 0, then batch-norm moving statistics from the given batch (`recalibrateBatchNorm`), each then
 * perturbed (variance x [0.7, 1.4], mean +- 0.1 std), as a trained model has: activations stay of order 1
 * and the statistics differ from any one batch's.
 */
export function perturbNormalization(model: tf.LayersModel, seed: number, calibration: tf.Tensor): void {
  const rng = new Rng(seed);
  const set = (pattern: RegExp, value: (old: Float32Array, i: number) => number): void => {
    for (const layer of model.layers) {
      if (!layer.weights.some((w) => pattern.test(w.originalName))) continue;
      const values = layer.weights.map((w) => {
        const v = w.read();
        if (!pattern.test(w.originalName)) return v.clone();
        const old = v.dataSync() as Float32Array;
        return tf.tensor(Float32Array.from(old, (_, i) => value(old, i)), v.shape);
      });
      layer.setWeights(values);
      tf.dispose(values);
    }
  };
  set(/gamma$/, () => rng.normal(1, 0.1));
  set(/(beta|bias)$/, () => rng.normal(0, 0.1));
  if (model.weights.some((w) => /moving_mean$/.test(w.originalName))) {
    recalibrateBatchNorm(model, [calibration], { momentum: 0.9 });
    set(/moving_variance$/, (old, i) => old[i] * rng.uniform(0.7, 1.4));
    set(/moving_mean$/, (old, i) => old[i] + rng.normal(0, 0.1));
  }
}

/** Seeded values uniform in [lo, hi). */
export function randomValues(n: number, seed: number, lo = 0, hi = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

/** ONNX Runtime's (CPU) output of an exported model on an NDHWC batch of `shape` `[z, y, x, channels]`, as NDHWC. */
export async function runOnnx(bytes: Uint8Array, input: Float32Array, batch: number, shape: readonly number[]): Promise<Float32Array> {
  const { inputName, outputName } = readOnnxMetadata(bytes);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  const [d, h, w, c] = shape;
  // NDHWC -> NCDHW
  const nc = new Float32Array(input.length);
  for (let b = 0; b < batch; b++)
    for (let v = 0; v < d * h * w; v++) for (let k = 0; k < c; k++) nc[(b * c + k) * d * h * w + v] = input[(b * d * h * w + v) * c + k];
  const out = await session.run({ [inputName]: new ort.Tensor('float32', nc, [batch, c, d, h, w]) });
  const y = out[outputName];
  const [, k, od, oh, ow] = y.dims as number[];
  const data = y.data as Float32Array;
  const nd = new Float32Array(data.length);
  for (let b = 0; b < batch; b++)
    for (let v = 0; v < od * oh * ow; v++) for (let j = 0; j < k; j++) nd[(b * od * oh * ow + v) * k + j] = data[(b * k + j) * od * oh * ow + v];
  await session.release();
  return nd;
}

/** Output of tfjs and of ONNX Runtime (CPU) on the same NDHWC batch, both NDHWC, plus the export. */
export async function runBoth(
  model: tf.LayersModel,
  input: Float32Array,
  batch: number,
): Promise<{ tfjs: Float32Array; onnx: Float32Array; maxAbs: number; opCounts: Record<string, number>; bytes: Uint8Array }> {
  const shape = model.inputs[0].shape.slice(1) as number[];
  const tfjs = tf.tidy(() => (model.predict(tf.tensor(input, [batch, ...shape])) as tf.Tensor).dataSync() as Float32Array);
  const { bytes, opCounts } = exportOnnx(model);
  const onnx = await runOnnx(bytes, input, batch, shape);
  let maxAbs = 0;
  for (let i = 0; i < tfjs.length; i++) maxAbs = Math.max(maxAbs, Math.abs(tfjs[i] - onnx[i]));
  if (tfjs.length !== onnx.length) maxAbs = Infinity;
  return { tfjs, onnx, maxAbs, opCounts, bytes };
}
