import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from './index.js';

await tf.setBackend('cpu');
const probe = registerNativeKernels();
unregisterNativeKernels();
if (!probe.loaded && process.env.CI) throw new Error(`native kernels must load in CI: ${probe.reason}`);
// @raunet/raunet loads this package optionally; depending on it would be a cycle, so it is read by path.
const RAUNET = fileURLToPath(new URL('../../raunet/src/index.ts', import.meta.url));
const haveRaunet = existsSync(RAUNET);
const why = !probe.loaded ? ` (SKIPPED: ${probe.reason})` : !haveRaunet ? ` (SKIPPED: ${RAUNET} not found)` : '';

interface RaunetModule {
  buildRAUnet(config: object): tf.LayersModel;
  diceBceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar;
}

describe.skipIf(!probe.loaded || !haveRaunet)(`one RA-Unet training step, native vs JS kernels${why}`, () => {
  it('gives the same loss and the same weight update', async () => {
    const raunet = (await import(RAUNET)) as RaunetModule;
    const run = () => {
      const model = raunet.buildRAUnet({ patchSize: [16, 16, 8], levels: 3, baseFilters: 4, attentionHeads: 2, seed: 1 });
      const x = tf.tidy(() => tf.sin(tf.range(0, 8 * 16 * 16).reshape([1, 8, 16, 16, 1]).mul(0.37)));
      const y = tf.tidy(() => tf.cast(tf.greater(tf.cos(tf.range(0, 8 * 16 * 16).mul(0.11)), 0.6), 'float32').reshape([1, 8, 16, 16, 1]));
      const optimizer = tf.train.sgd(0.1);
      const before = model.trainableWeights.map((w) => w.read().dataSync().slice());
      const loss = optimizer.minimize(() => raunet.diceBceLoss(y, model.apply(x, { training: true }) as tf.Tensor), true)!;
      const value = loss.dataSync()[0];
      const updates = model.trainableWeights.map((w, i) => {
        const after = w.read().dataSync();
        return Float32Array.from(after, (v, j) => v - before[i][j]);
      });
      tf.dispose([loss, x, y]);
      optimizer.dispose();
      model.dispose();
      return { value, updates, before };
    };
    const js = run();
    registerNativeKernels();
    const native = run();
    const { calls } = nativeKernelsStatus();
    unregisterNativeKernels();
    expect(calls.Conv3D.native).toBeGreaterThan(0);
    expect(calls.Conv3DBackpropFilterV2.native).toBeGreaterThan(0);
    expect(Math.abs(native.value - js.value) / Math.abs(js.value)).toBeLessThan(1e-5);
    expect(native.updates.length).toBe(js.updates.length);
    // SGD: the update is -lr * gradient, compared per weight tensor relative to its largest update (Adam's
    // first step, lr * g / (|g| + eps), would amplify rounding noise in near-zero gradients). An update is the
    // difference of two float32 weights: a tiny one (a few ulps of its weight) differs by the weight's rounding,
    // so one ulp of the weight is allowed besides.
    native.updates.forEach((u, i) => {
      const scale = Math.max(1e-12, ...Array.from(js.updates[i], Math.abs));
      let worst = 0;
      u.forEach((v, j) => {
        const ulp = Math.abs(js.before[i][j]) * 2 ** -23;
        worst = Math.max(worst, Math.max(0, Math.abs(v - js.updates[i][j]) - ulp));
      });
      expect(worst / scale, `weight ${i}`).toBeLessThan(1e-3);
    });
    expect(native.updates.some((u) => u.some((v) => v !== 0))).toBe(true);
  });
});
