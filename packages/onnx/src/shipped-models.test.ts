import * as tf from '@tensorflow/tfjs';
import { registerNativeKernels } from '@raunet/cpu-kernels';
import { shippedModels } from '@raunet/models';
import { buildRAUnet, getModelInfo, loadModel, recalibrateBatchNorm } from '@raunet/raunet';
import { beforeAll, describe, expect, it } from 'vitest';
import { readOnnxMetadata } from './onnx-metadata.js';
import { randomValues, runBoth } from './__fixtures__/compare.js';
import { haveLesions, REAL_CASES, realPatch, shippedNetworkDirs } from './__fixtures__/real-data.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerNativeKernels();
});

const unsaturated = (p: Float32Array): number => p.filter((v) => v > 0.02 && v < 0.98).length;

/** One network of a shipped model: tfjs and onnxruntime agree on random and real patches, and the ONNX metadata is the model's. */
async function checkNetwork(name: string, dir: string): Promise<void> {
  const model = await loadModel(dir);
  const info = getModelInfo(model)!;
  const [px, py, pz] = info.config.patchSize;
  const n = px * py * pz;
  const random = await runBoth(model, randomValues(2 * n, 3), 2);
  expect(random.maxAbs).toBeLessThan(1e-4);
  const meta = readOnnxMetadata(random.bytes);
  expect(meta.patchSize).toEqual([px, py, pz]);
  expect(meta.inputDims).toEqual(['batch', 1, pz, py, px]);
  expect(meta.info).toEqual(JSON.parse(JSON.stringify(info)));
  expect(meta.opset).toBe(17);
  expect(JSON.parse(meta.metadata['raunet.preprocessing'])).toMatchObject(info.preprocessing!);
  if (haveLesions) {
    const real = new Float32Array(2 * n);
    real.set(await realPatch(REAL_CASES.lidc, info.preprocessing!, [px, py, pz]), 0);
    real.set(await realPatch(REAL_CASES.covid, info.preprocessing!, [px, py, pz]), n);
    const got = await runBoth(model, real, 2);
    expect(got.maxAbs).toBeLessThan(1e-4);
    console.log(`${name} (${dir}): max |tfjs - onnxruntime| random ${random.maxAbs.toExponential(2)}, real ${got.maxAbs.toExponential(2)}`);
  }
  model.dispose();
}

describe('the shipped models run in onnxruntime with the probabilities of tfjs', () => {
  for (const { name, members } of shippedModels()) {
    it(`${name}${members ? ` (each of its ${members} networks)` : ''}: random and real patches, batch 2 (dynamic batch), metadata`, async () => {
      const dirs = await shippedNetworkDirs(name);
      expect(dirs.length).toBe(members ?? 1);
      for (const dir of dirs) await checkNetwork(name, dir);
    });
  }
});

describe('the paper-size RA-Unet (192x192x32, 5 levels, 16..256 channels, default config)', () => {
  it('runs in onnxruntime with the probabilities of tfjs on a random and a real patch (batch 2)', async () => {
    const model = buildRAUnet({ seed: 1 });
    const n = 192 * 192 * 32;
    const input = new Float32Array(2 * n);
    input.set(randomValues(n, 4), 0);
    input.set(haveLesions ? await realPatch(REAL_CASES.lidc, {}, [192, 192, 32]) : randomValues(n, 5), n);
    // Batch-norm statistics of the data predicted, as a trained model has them: with the initial ones (mean 0,
    // variance 1) the activations grow through the residual stack and every probability saturates to 0 or 1.
    const calibration = tf.tensor(input, [2, 32, 192, 192, 1]);
    recalibrateBatchNorm(model, [calibration]);
    calibration.dispose();
    const got = await runBoth(model, input, 2);
    expect(got.maxAbs).toBeLessThan(1e-4);
    expect(unsaturated(got.tfjs)).toBeGreaterThan(n); // most of the 2n probabilities are informative
    console.log(`paper-size RA-Unet: max |tfjs - onnxruntime| ${got.maxAbs.toExponential(2)}, ${(got.bytes.length / 2 ** 20).toFixed(1)} MiB`);
    model.dispose();
  }, 900_000);
});
