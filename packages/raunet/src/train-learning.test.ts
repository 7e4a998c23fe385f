import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume, Rng } from '@raunet/core';
import { train, type VolumeCase } from './train.js';

/**
 * Synthetic CTs the size of a small phantom (32x32x16 voxels of 2x2x4 mm): lung-like background at
 * -850 HU with 80 HU noise and three consolidation-like blobs at -100 HU, labelled exactly.
 */
function blobCase(seed: number): VolumeCase {
  const dims = [32, 32, 16];
  const rng = new Rng(seed);
  const n = dims[0] * dims[1] * dims[2];
  const ct = new Int16Array(n);
  const label = new Uint8Array(n);
  const blobs = Array.from({ length: 3 }, () => ({
    c: [rng.uniform(6, 26), rng.uniform(6, 26), rng.uniform(3, 13)],
    r: rng.uniform(2.5, 5),
  }));
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        const v = i + dims[0] * (j + dims[1] * k);
        const inside = blobs.some((b) => (i - b.c[0]) ** 2 + (j - b.c[1]) ** 2 + ((k - b.c[2]) * 2) ** 2 <= b.r * b.r);
        label[v] = inside ? 1 : 0;
        ct[v] = Math.round((inside ? -100 : -850) + rng.normal(0, 80));
      }
  const spacing = [2, 2, 4];
  return { name: `blob${seed}`, image: createVolume({ data: ct, dims, spacing }), label: createVolume({ data: label, dims, spacing }) };
}

let dir: string;
let cases: VolumeCase[];
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'raunet-learn-'));
  cases = Array.from({ length: 5 }, (_, i) => blobCase(10 + i));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// What this proves: the whole pipeline (HU detection → clip/normalize → patch sampling with foreground
// bias → augmentation → Adam on Dice + BCE → sliding-window validation of a whole held-out volume with
// Gaussian blending → DSC from @raunet/metrics) learns to segment: validation DSC rises from chance to
// above 0.8 within 30 steps, for RA-Unet and for the U-Net baseline. (Measured here: 0.21 → 0.985 for
// RA-Unet, 0.19 → 0.993 for U-Net after 3 epochs.) On the realistic phantoms of @raunet/phantom at this
// grid size the same budget does not reach 0.8 (see the package README). The third case trains a 4-level RA-Unet
// with deep supervision (its heads' losses in the sum): it must learn as well, through the heads' gradients too.
describe.each([
  { architecture: 'raunet', deepSupervision: false, levels: 3 },
  { architecture: 'unet', deepSupervision: false, levels: 3 },
  // Deep supervision needs 4 levels (it supervises decoder levels 1 .. levels - 3).
  { architecture: 'raunet', deepSupervision: true, levels: 4 },
] as const)('learning on 32x32x16 synthetic CTs ($architecture, deep supervision $deepSupervision)', ({ architecture, deepSupervision, levels }) => {
  it('reaches a validation DSC above 0.8 from an untrained start', { timeout: 600_000 }, async () => {
    const before = tf.memory().numTensors;
    const run = await train({
      train: cases.slice(0, 4),
      validation: cases.slice(4),
      outputDir: join(dir, `${architecture}-${deepSupervision}`),
      architecture,
      deepSupervision,
      model: { patchSize: [16, 16, 8], levels, baseFilters: 8, attentionHeads: 2 },
      epochs: 3,
      stepsPerEpoch: 10,
      batchSize: 4,
      learningRate: 1e-2,
      loss: 'dice-bce',
      foregroundFraction: 0.5,
      validationInterval: 1,
      validationOverlap: 0.25,
      validationBatchSize: 8,
      seed: 3,
    });
    const dsc = run.history.map((h) => h.validationDsc ?? NaN);
    expect(dsc[0]).toBeLessThan(0.6);
    expect(run.bestDsc).toBeGreaterThan(0.8);
    expect(run.history[2].loss).toBeLessThan(run.history[0].loss);
    run.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
