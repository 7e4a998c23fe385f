import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '@raunet/core';
import { buildUNet3D } from './model.js';
import { setModelInfo } from './model-info.js';
import { isPatchPredictor, tfjsPatchPredictor, type PatchPredictor } from './patch-predictor.js';
import { predictVolume } from './predict.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A predictor computing a known pointwise function of each voxel (no network): f(v) = v^2, two classes. */
function pointwise(patchSize: [number, number, number], classes = 1): PatchPredictor & { calls: number[] } {
  const calls: number[] = [];
  return {
    patchSize,
    calls,
    predictPatches(patches, count) {
      calls.push(count);
      const out = new Float32Array(patches.length * classes);
      for (let i = 0; i < patches.length; i++) for (let k = 0; k < classes; k++) out[i * classes + k] = patches[i] ** 2;
      return Promise.resolve(out);
    },
  };
}

describe('predictVolume with a PatchPredictor', () => {
  it('stitches any engine: a pointwise predictor gives f(normalized voxel) everywhere, with and without flip TTA', async () => {
    const dims: [number, number, number] = [23, 17, 9];
    const n = dims[0] * dims[1] * dims[2];
    const data = Int16Array.from({ length: n }, (_, i) => -1000 + ((i * 7919) % 2000));
    const ct = createVolume({ data, dims, spacing: [1, 1, 2] });
    for (const flipTta of [false, true]) {
      const predictor = pointwise([8, 8, 4]);
      const { probability, mask } = await predictVolume(predictor, ct, { overlap: 0.5, flipTta, batchSize: 3, preprocessing: { intensityScale: 'hu' } });
      for (let i = 0; i < n; i++) {
        const v = (data[i] + 1000) / 2000; // minmax of the default [-1000, 1000] window
        expect(probability.data[i]).toBeCloseTo(v * v, 5);
        expect(mask.data[i]).toBe(probability.data[i] >= 0.5 ? 1 : 0);
      }
      // never more than batchSize patches per call; every window once per view (4 views with TTA)
      expect(predictor.calls.every((c) => c >= 1 && c <= 3)).toBe(true);
      expect(predictor.calls.reduce((a, b) => a + b, 0) % (flipTta ? 4 : 1)).toBe(0);
    }
  });

  it("uses the predictor's stored settings (threshold) like a tfjs model's", async () => {
    const ct = createVolume({ data: Int16Array.from({ length: 8 * 8 * 4 }, () => 0), dims: [8, 8, 4], spacing: [1, 1, 1] });
    // normalized voxel 0.5, probability 0.25: foreground only under a threshold below 0.25
    const base = pointwise([8, 8, 4]);
    const low = { ...base, info: { format: 'raunet', architecture: 'unet', config: {}, inference: { threshold: 0.2 } } } as unknown as PatchPredictor;
    expect((await predictVolume(low, ct, { preprocessing: { intensityScale: 'hu' } })).mask.data.every((v) => v === 1)).toBe(true);
    expect((await predictVolume(base, ct, { preprocessing: { intensityScale: 'hu' } })).mask.data.every((v) => v === 0)).toBe(true);
  });

  it('tfjsPatchPredictor: the model settings and patch size, model.predict values, no tensor left', async () => {
    const model = buildUNet3D({ patchSize: [8, 8, 4], levels: 2, baseFilters: 2, seed: 3 });
    setModelInfo(model, { inference: { overlap: 0.25 } });
    const predictor = tfjsPatchPredictor(model);
    expect(isPatchPredictor(predictor)).toBe(true);
    expect(isPatchPredictor(model)).toBe(false);
    expect(predictor.patchSize).toEqual([8, 8, 4]);
    expect(predictor.info?.inference).toEqual({ overlap: 0.25 });
    const x = Float32Array.from({ length: 2 * 256 }, (_, i) => Math.sin(i));
    const before = tf.memory().numTensors;
    const got = await predictor.predictPatches(x, 2);
    expect(tf.memory().numTensors).toBe(before);
    const expected = tf.tidy(() => (model.predict(tf.tensor5d(x, [2, 4, 8, 8, 1])) as tf.Tensor).dataSync());
    expect(Array.from(got)).toEqual(Array.from(expected));
    model.dispose();
  });
});
