import * as tf from '@tensorflow/tfjs';
import { BackendError } from '@raunet/core';
import { registerNativeKernels } from '@raunet/cpu-kernels';
import { dice } from '@raunet/metrics';
import { readNifti } from '@raunet/io';
import { shippedModels } from '@raunet/models';
import { shippedModelDir } from '@raunet/models/node';
import { getModelInfo, isPatchPredictor, loadModel, loadPredictor, predictVolume } from '@raunet/raunet';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOnnxPatchPredictor } from './onnx-runtime.js';
import { exportOnnx } from './export-onnx.js';
import { exportOnnxDir } from './write-onnx.js';
import { haveLesions, REAL_CASES, shippedNetworkDirs } from './__fixtures__/real-data.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerNativeKernels();
});

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe.skipIf(!haveLesions)('predictVolume through onnxruntime equals predictVolume through tfjs (real CT)', () => {
  for (const [name, path] of [
    ['lidc-nodules', REAL_CASES.lidc],
    ['covid-semiseg', REAL_CASES.covid],
  ] as const) {
    it(`${name}${shippedModels().find((m) => m.name === name)?.members ? ' (an ensemble, exported as one graph)' : ''}: the model's own settings (preprocessing, overlap, flip TTA, multi-scale TTA where it has one), on a real case`, async () => {
      const dir = shippedModelDir(name);
      // the tfjs side: the shipped folder as raunet predict loads it (an ensemble averaged in JS)
      const loaded = await loadPredictor(dir, { precision: 'fp32' });
      const ct = await readNifti(path);
      // parity is checked in float32 (whatever precision the model's settings may ask for)
      const tfjs = await predictVolume(loaded.model, ct, { batchSize: 3, precision: 'fp32' });
      const exported = await exportOnnxDir(dir);
      expect(exported.members).toBe(shippedModels().find((m) => m.name === name)?.members ?? 1);
      const predictor = await createOnnxPatchPredictor(exported.bytes, { executionProvider: 'cpu' });
      expect(predictor.executionProvider).toBe('cpu');
      expect(predictor.info).toEqual(JSON.parse(JSON.stringify(isPatchPredictor(loaded.model) ? loaded.model.info : getModelInfo(loaded.model))));
      let calls = 0;
      const ort = await predictVolume(predictor, ct, { batchSize: 3, precision: 'fp32', onProgress: () => calls++ });
      await predictor.release();
      expect(calls).toBeGreaterThan(0);
      expect(maxAbsDiff(ort.probability.data, tfjs.probability.data)).toBeLessThan(1e-4);
      const fg = tfjs.mask.data.reduce((s, v) => s + v, 0);
      expect(fg).toBeGreaterThan(0);
      expect(dice(ort.mask, tfjs.mask)).toBeGreaterThanOrEqual(0.999);
      expect(ort.mask.dims).toEqual(ct.dims);
      loaded.dispose();
    });
  }
});

describe('createOnnxPatchPredictor', () => {
  it('reports CUDA as unavailable here, falls back to the CPU with auto, and throws a BackendError with the install hint for cuda', async () => {
    const model = await loadModel((await shippedNetworkDirs('lidc-nodules-unet'))[0]);
    const { bytes } = exportOnnx(model);
    model.dispose();
    const auto = await createOnnxPatchPredictor(bytes, { logLevel: 'fatal' });
    expect(auto.executionProvider).toBe('cpu');
    expect(auto.tried.map((t) => [t.name, t.ok])).toEqual([
      ['onnxruntime-cuda', false],
      ['onnxruntime-cpu', true],
    ]);
    await auto.release();
    await expect(createOnnxPatchPredictor(bytes, { executionProvider: 'cuda' })).rejects.toThrow(/CUDA.*install onnxruntime-node with its CUDA 12 binaries/s);
    await expect(createOnnxPatchPredictor(bytes, { executionProvider: 'cuda' })).rejects.toBeInstanceOf(BackendError);
  });

  it('names a missing onnxruntime-node and an unreadable or non-ONNX file', async () => {
    const model = await loadModel((await shippedNetworkDirs('lidc-nodules-unet'))[0]);
    const { bytes } = exportOnnx(model);
    model.dispose();
    const missing = createOnnxPatchPredictor(bytes, { loadRuntime: () => Promise.reject(new Error("Cannot find package 'onnxruntime-node'")) });
    await expect(missing).rejects.toThrow(/onnxruntime-node could not be loaded.*npm i onnxruntime-node/);
    await expect(createOnnxPatchPredictor('/no/such/model.onnx')).rejects.toThrow(/cannot read \/no\/such\/model.onnx/);
    await expect(createOnnxPatchPredictor(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toThrow(/not an ONNX model/);
  });
});
