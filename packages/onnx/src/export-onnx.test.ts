import * as tf from '@tensorflow/tfjs';
import { buildRAUnet, buildUNet3D, type RAUnetConfig } from '@raunet/raunet';
import { beforeAll, describe, expect, it } from 'vitest';
import { perturbNormalization, randomValues, runBoth } from './__fixtures__/compare.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const small: Partial<RAUnetConfig> = { patchSize: [16, 16, 8], levels: 3, baseFilters: 8, seed: 3 };

const configs: [string, Partial<RAUnetConfig>, boolean][] = [
  ['RA-Unet, batch norm, symmetric conv downsampling', small, true],
  ['U-Net, batch norm', small, false],
  ['RA-Unet, instance norm, strided blocks, TF same padding, no output projection', { ...small, normalization: 'instance', downsample: 'strided-block', downsamplePadding: 'same', attentionOutputProjection: false, seed: 4 }, true],
  [
    'RA-Unet, group norm, anisotropic strides and kernels, no up-projection',
    { ...small, patchSize: [16, 16, 4], normalization: 'group', groups: 4, poolStrides: [[2, 2, 1], [2, 2, 2]], kernelSizes: [[3, 3, 1], [3, 3, 3], [3, 3, 3]], upsampleProjection: false, seed: 5 },
    true,
  ],
  ['U-Net, no normalization (biases), epsilon 1e-3', { ...small, normalization: 'none', normEpsilon: 1e-3, seed: 6 }, false],
];

describe('exportOnnx: onnxruntime equals tfjs', () => {
  for (const [title, config, attention] of configs) {
    it(title, async () => {
      const model = attention ? buildRAUnet(config) : buildUNet3D(config);
      const shape = model.inputs[0].shape.slice(1) as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const calibration = tf.tensor(randomValues(4 * n, 8), [4, ...shape]);
      perturbNormalization(model, 11, calibration);
      calibration.dispose();
      const { maxAbs, opCounts, tfjs } = await runBoth(model, randomValues(2 * n, 7), 2);
      expect(maxAbs).toBeLessThan(1e-4);
      // the probabilities are not saturated, so the comparison means something
      const mid = tfjs.filter((p) => p > 0.02 && p < 0.98).length / tfjs.length;
      expect(mid).toBeGreaterThan(0.5);
      if (attention) expect(opCounts).toMatchObject({ MatMul: 2, Softmax: 1 });
      model.dispose();
    });
  }
});
