import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@raunet/core';
import { segmentLungs } from '@raunet/lungs';
import { generatePhantom } from '@raunet/phantom';
import { buildUNet3D } from './model.js';
import { setModelInfo } from './model-info.js';
import { predictVolume } from './predict.js';

let model: tf.LayersModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = buildUNet3D({ patchSize: [16, 16, 8], levels: 2, baseFilters: 2, seed: 5 });
});
afterAll(() => model.dispose());

describe("predictVolume with lungMask 'auto'", () => {
  const ph = generatePhantom({ dims: [48, 48, 24], seed: 3, lesions: 3 });

  it('computes the lung mask, restricts infection to it and returns it; the model metadata can make it the default', async () => {
    const before = tf.memory().numTensors;
    const expected = segmentLungs(ph.ct).mask;
    const auto = await predictVolume(model, ph.ct, { threshold: 0.01, overlap: 0, lungMask: 'auto' });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(auto.lungs!.data as Uint8Array)).toEqual(Array.from(expected.data));
    let inside = 0;
    for (let p = 0; p < auto.mask.data.length; p++) {
      if (auto.mask.data[p]) {
        expect(expected.data[p]).not.toBe(0);
        inside++;
      }
      if (!expected.data[p]) expect(auto.probability.data[p]).toBe(0);
    }
    expect(inside).toBeGreaterThan(0);
    setModelInfo(model, { inference: { autoLungs: true } });
    try {
      const byDefault = await predictVolume(model, ph.ct, { threshold: 0.01, overlap: 0 });
      expect(Array.from(byDefault.mask.data)).toEqual(Array.from(auto.mask.data));
    } finally {
      setModelInfo(model, { inference: {} });
    }
  });

  it('refuses raw-intensity models and CTs without lungs', async () => {
    await expect(
      predictVolume(model, ph.ct, {
        lungMask: 'auto',
        preprocessing: { intensityScale: 'raw', window: [0, 255] },
      }),
    ).rejects.toThrow(/Hounsfield/);
    const noLungs = { ...ph.ct, data: new Int16Array(ph.ct.data.length).fill(40) };
    await expect(predictVolume(model, noLungs, { lungMask: 'auto' })).rejects.toThrow(InvalidArgumentError);
  });
});
