import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume, InvalidArgumentError, type Volume } from '@raunet/core';
import { readNifti } from '@raunet/io';
import { normalizeIntensity, reorientToRAS } from '@raunet/preprocess';
import { buildUNet3D } from './model.js';
import { setModelInfo, type RAUnetModelInfo } from './model-info.js';
import type { PatchPredictor } from './patch-predictor.js';
import type { PreprocessingOptions } from './preprocessing.js';
import { maskFromProbability, predictVolume } from './predict.js';

let model: tf.LayersModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = buildUNet3D({ patchSize: [16, 16, 8], levels: 2, baseFilters: 2, seed: 11 });
});
afterAll(() => model.dispose());

function ctVolume(dims: [number, number, number], affine?: number[][]): Volume<Int16Array> {
  const n = dims[0] * dims[1] * dims[2];
  const data = new Int16Array(n);
  for (let i = 0; i < n; i++) data[i] = -1000 + ((i * 7919) % 1600);
  return createVolume({ data, dims, spacing: [1.5, 0.8, 3], ...(affine ? { affine } : {}) });
}

const oblique = [
  [-0.7, 0.1, 0, 12.5],
  [0.05, 0.8, 0.2, -30],
  [0, -0.1, 2.9, 7],
  [0, 0, 0, 1],
];

describe('predictVolume and the event loop', () => {
  it('lets timers run between batches of patches (a job queue renews its locks on timers)', async () => {
    const ct = ctVolume([40, 40, 16]);
    const batches: number[] = [];
    let ticksAtBatch = 0;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await predictVolume(model, ct, {
        overlap: 0,
        batchSize: 1,
        onProgress: (done) => {
          batches.push(done);
          // Each batch after the first sees at least one timer tick since the previous batch.
          if (done > 1) expect(ticks).toBeGreaterThan(ticksAtBatch);
          ticksAtBatch = ticks;
        },
      });
    } finally {
      clearInterval(timer);
    }
    expect(batches.length).toBeGreaterThan(4);
  });
});

describe('predictVolume geometry', () => {
  it.each([
    [[21, 13, 7]],
    [[37, 29, 11]],
    [[5, 3, 2]],
  ] as [[number, number, number]][])('returns probability and mask on the input grid for dims %j', async (dims) => {
    const ct = ctVolume(dims, oblique);
    const { probability, mask } = await predictVolume(model, ct, { overlap: 0.5 });
    for (const v of [probability, mask]) {
      expect(v.dims).toEqual(ct.dims);
      expect(v.affine).toEqual(ct.affine);
      expect(v.spacing).toEqual(ct.spacing);
    }
    expect(probability.data).toBeInstanceOf(Float32Array);
    expect(mask.data).toBeInstanceOf(Uint8Array);
    for (let i = 0; i < probability.data.length; i++) {
      expect(probability.data[i]).toBeGreaterThanOrEqual(0);
      expect(probability.data[i]).toBeLessThanOrEqual(1);
      expect(mask.data[i]).toBe(probability.data[i] >= 0.5 ? 1 : 0);
    }
  });

  it('equals model.predict on the normalized volume when the volume is one patch (x fastest ↔ [z, y, x])', async () => {
    const ct = ctVolume([16, 16, 8]);
    const { probability } = await predictVolume(model, ct, { overlap: 0 });
    const norm = normalizeIntensity(ct, { mode: 'minmax', window: [-1000, 1000] });
    const x = tf.tensor5d(norm.data, [1, 8, 16, 16, 1]);
    const y = model.predict(x) as tf.Tensor;
    const expected = y.dataSync();
    for (let i = 0; i < expected.length; i++) expect(probability.data[i]).toBeCloseTo(expected[i], 5);
    tf.dispose([x, y]);
  });

  it('maps back exactly after reorientation and through world coordinates after resampling', async () => {
    const lps = [
      [-1.5, 0, 0, 20],
      [0, -0.8, 0, 10],
      [0, 0, 3, -5],
      [0, 0, 0, 1],
    ];
    const ct = ctVolume([19, 23, 9], lps);
    const r = await predictVolume(model, ct, { preprocessing: { reorient: true } });
    expect(r.probability.dims).toEqual(ct.dims);
    expect(r.probability.affine).toEqual(ct.affine);
    // Reorientation is an exact permutation/flip of voxels: the result equals predicting the RAS volume
    // and flipping the probabilities back by hand (LPS → RAS flips x and y).
    const ras = reorientToRAS(ct);
    const onRas = await predictVolume(model, ras.volume, { preprocessing: { reorient: false } });
    const [nx, ny, nz] = ct.dims;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const a = r.probability.data[i + nx * (j + ny * k)];
          const b = onRas.probability.data[nx - 1 - i + nx * (ny - 1 - j + ny * k)];
          expect(a).toBe(b);
        }
    const s = await predictVolume(model, ct, { preprocessing: { spacing: [3, 3, 3] } });
    expect(s.probability.dims).toEqual(ct.dims);
    expect(s.probability.affine).toEqual(ct.affine);
  });

  it('flip TTA, lung restriction and small-component removal', async () => {
    const ct = ctVolume([20, 18, 10]);
    const base = await predictVolume(model, ct, { threshold: 0.3 });
    const tta = await predictVolume(model, ct, { flipTta: true, threshold: 0.3 });
    expect(tta.probability.dims).toEqual(ct.dims);
    expect(Array.from(tta.probability.data)).not.toEqual(Array.from(base.probability.data));
    const lungData = new Uint8Array(ct.data.length);
    for (let i = 0; i < lungData.length; i++) lungData[i] = i % 20 < 10 ? 1 : 0; // left half (x < 10)
    const lung = createVolume({ data: lungData, dims: ct.dims, spacing: ct.spacing });
    const restricted = await predictVolume(model, ct, { threshold: 0.3, lungMask: lung });
    for (let i = 0; i < lungData.length; i++) {
      if (!lungData[i]) expect(restricted.probability.data[i]).toBe(0);
      else expect(restricted.probability.data[i]).toBeCloseTo(base.probability.data[i], 6);
    }
    const big = await predictVolume(model, ct, { threshold: 0, minComponentSize: ct.data.length + 1 });
    expect(big.mask.data.every((v) => v === 0)).toBe(true);
    const keep = await predictVolume(model, ct, { threshold: 0, minComponentSize: ct.data.length });
    expect(keep.mask.data.every((v) => v === 1)).toBe(true);
  });

  it("applies the model's stored inference settings by default, and options win over them", async () => {
    const ct = ctVolume([20, 18, 10]);
    const explicit = await predictVolume(model, ct, { flipTta: true, threshold: 0.3, overlap: 0.25 });
    const before = model.getUserDefinedMetadata();
    setModelInfo(model, { inference: { flipTta: true, threshold: 0.3, overlap: 0.25 } });
    try {
      const stored = await predictVolume(model, ct);
      expect(Array.from(stored.probability.data)).toEqual(Array.from(explicit.probability.data));
      expect(Array.from(stored.mask.data)).toEqual(Array.from(explicit.mask.data));
      const overridden = await predictVolume(model, ct, { threshold: 0.99 });
      expect(Array.from(overridden.probability.data)).toEqual(Array.from(explicit.probability.data));
      expect(overridden.mask.data.some((v, i) => v !== explicit.mask.data[i])).toBe(true);
    } finally {
      model.setUserDefinedMetadata(before ?? {});
    }
  });

  it('skips the windows of air outside the body by default: every voxel denser than -800 HU keeps its prediction', async () => {
    // 48 x 40 x 8 CT: air (-1000 +- 30 HU) around a "body" block of tissue and lung at x 20..43, y 4..23
    const dims: [number, number, number] = [48, 40, 8];
    const data = new Int16Array(48 * 40 * 8);
    for (let z = 0; z < 8; z++)
      for (let y = 0; y < 40; y++)
        for (let x = 0; x < 48; x++) {
          const i = x + 48 * (y + 40 * z);
          const body = x >= 20 && x < 44 && y >= 4 && y < 24;
          data[i] = body ? ((x + y) % 3 === 0 ? -850 : 40) : -1000 + ((i * 7919) % 61) - 30;
        }
    const ct = createVolume({ data, dims, spacing: [1, 1, 2] });
    const calls = (seen: number[]) => ({
      patchSize: [16, 16, 8] as [number, number, number],
      predictPatches: (patches: Float32Array, count: number) => {
        seen.push(count);
        return Promise.resolve(new Float32Array(patches.length).fill(0.9));
      },
    });
    const all: number[] = [];
    const some: number[] = [];
    const full = await predictVolume(calls(all), ct, { skipAirWindows: false, batchSize: 1 });
    const skipped = await predictVolume(calls(some), ct, { batchSize: 1 });
    expect(some.length).toBeLessThan(all.length);
    expect(some.length).toBeGreaterThan(0);
    let zeroed = 0;
    for (let i = 0; i < data.length; i++) {
      expect(full.probability.data[i]).toBeCloseTo(0.9, 5);
      if (data[i] >= -800) expect(skipped.probability.data[i]).toBeCloseTo(0.9, 5);
      else if (skipped.probability.data[i] === 0) zeroed++;
    }
    expect(zeroed).toBeGreaterThan(0);
    // a windowed 8-bit image (not HU) skips nothing
    const eight: number[] = [];
    const bytes = createVolume({ data: Uint8Array.from(data, (v) => (v < -900 ? 0 : 200)), dims, spacing: [1, 1, 2] });
    await predictVolume(calls(eight), bytes, { batchSize: 1, preprocessing: { intensityScale: 'windowed-0-255' } });
    expect(eight.length).toBe(all.length);
  });

  it('refuses a single slice given to a 3D model, naming the mismatch', async () => {
    const slice = ctVolume([20, 18, 1]);
    await expect(predictVolume(model, slice)).rejects.toThrow(/single slice \(2D, dims \[20, 18, 1\]\) but the model is 3D \(patch 16x16x8/);
  });

  it('rejects bad options and leaks no tensor', async () => {
    const ct = ctVolume([16, 16, 8]);
    await expect(predictVolume(model, ct, { overlap: 1 })).rejects.toThrow(InvalidArgumentError);
    await expect(predictVolume(model, ct, { batchSize: 0 })).rejects.toThrow(/batchSize/);
    await predictVolume(model, ct);
    const before = tf.memory().numTensors;
    await predictVolume(model, ct, { flipTta: true });
    await predictVolume(model, ct);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** A one-slice "model" that returns its input: its probability map is the normalized image, seen at each scale. */
function identity2d(calls: number[] = []): PatchPredictor {
  return {
    patchSize: [16, 16, 1],
    predictPatches: (patches: Float32Array, count: number) => {
      calls.push(count);
      return Promise.resolve(Float32Array.from(patches));
    },
  };
}

/** An 8-bit slice 40 x 30 (x fastest), spacing 0.7 x 0.9 mm, its values `f(x, y)`. */
function slice8(f: (x: number, y: number) => number): Volume<Uint8Array> {
  const data = new Uint8Array(40 * 30);
  for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) data[x + 40 * y] = f(x, y);
  return createVolume({ data, dims: [40, 30, 1], spacing: [0.7, 0.9, 1] });
}

const raw255: PreprocessingOptions = { intensityScale: 'raw', window: [0, 255], normalization: 'minmax' };

describe('predictVolume with multi-scale TTA (scaleTta)', () => {
  it('maps every zoomed view back to the input grid: a linear ramp comes back as itself inside the borders', async () => {
    // Linear interpolation reproduces a linear ramp exactly, so whatever the zoom, an identity model's map at a
    // voxel is the ramp at that voxel's world position: any shift, flip or wrong scale of a view would show.
    const ct = slice8((x, y) => 3 * x + 4 * y);
    for (const scaleTta of [[0.8], [1.25], [0.8, 1, 1.25], [0.5, 2]]) {
      const { probability } = await predictVolume(identity2d(), ct, { preprocessing: raw255, scaleTta, overlap: 0.5 });
      expect(probability.dims).toEqual(ct.dims);
      expect(probability.affine).toEqual(ct.affine);
      for (let y = 3; y < 27; y++)
        for (let x = 3; x < 37; x++) expect(probability.data[x + 40 * y], `${scaleTta.join(',')} at ${x},${y}`).toBeCloseTo((3 * x + 4 * y) / 255, 4);
    }
  });

  it('averages the views with equal weights; [1] is the plain prediction; progress counts the windows of every view', async () => {
    const ct = slice8((x, y) => ((x >> 1) + (y >> 1)) % 2 ? 220 : 20); // a 2-pixel checkerboard: each zoom blurs it its own way
    const single = await Promise.all([0.8, 1, 1.25].map((s) => predictVolume(identity2d(), ct, { preprocessing: raw255, scaleTta: [s] })));
    const plain = await predictVolume(identity2d(), ct, { preprocessing: raw255 });
    expect(Array.from(single[1].probability.data)).toEqual(Array.from(plain.probability.data));
    const calls: number[] = [];
    const progress: [number, number][] = [];
    const multi = await predictVolume(identity2d(calls), ct, {
      preprocessing: raw255,
      scaleTta: [0.8, 1, 1.25],
      batchSize: 1,
      onProgress: (done, total) => progress.push([done, total]),
    });
    let differs = 0;
    for (let i = 0; i < multi.probability.data.length; i++) {
      const mean = (single[0].probability.data[i] + single[1].probability.data[i] + single[2].probability.data[i]) / 3;
      expect(multi.probability.data[i]).toBeCloseTo(mean, 6);
      if (Math.abs(multi.probability.data[i] - plain.probability.data[i]) > 0.05) differs++;
    }
    expect(differs).toBeGreaterThan(100);
    // one model call per window here (batch 1, no flips)
    const total = calls.length;
    expect(total).toBeGreaterThan(0);
    expect(progress.every(([, t]) => t === total)).toBe(true);
    expect(progress.map(([d]) => d)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const perView = await Promise.all(
      [0.8, 1, 1.25].map(async (s) => {
        const c: number[] = [];
        await predictVolume(identity2d(c), ct, { preprocessing: raw255, scaleTta: [s], batchSize: 1 });
        return c.length;
      }),
    );
    expect(perView[0]).toBeLessThan(perView[1]);
    expect(perView[2]).toBeGreaterThan(perView[1]);
    expect(total).toBe(perView[0] + perView[1] + perView[2]);
  });

  it("uses the model's stored scaleTta; an option wins; bad factors are refused", async () => {
    const ct = slice8((x, y) => ((x >> 1) + (y >> 1)) % 2 ? 220 : 20);
    const explicit = await predictVolume(identity2d(), ct, { preprocessing: raw255, scaleTta: [0.8, 1.25] });
    const info = { format: 'raunet', architecture: 'unet', config: {}, preprocessing: raw255, inference: { scaleTta: [0.8, 1.25] } } as unknown as RAUnetModelInfo;
    const stored = await predictVolume({ ...identity2d(), info }, ct);
    expect(Array.from(stored.probability.data)).toEqual(Array.from(explicit.probability.data));
    const overridden = await predictVolume({ ...identity2d(), info }, ct, { scaleTta: [1] });
    const plain = await predictVolume(identity2d(), ct, { preprocessing: raw255 });
    expect(Array.from(overridden.probability.data)).toEqual(Array.from(plain.probability.data));
    for (const bad of [[], [0], [-1], [Number.NaN], [1, Number.POSITIVE_INFINITY]]) {
      await expect(predictVolume(identity2d(), ct, { preprocessing: raw255, scaleTta: bad })).rejects.toThrow(/scaleTta must be a non-empty list of positive zoom factors/);
    }
  });

  it('keeps tensors flat with a tfjs model', async () => {
    const ct = ctVolume([20, 18, 10]);
    await predictVolume(model, ct, { scaleTta: [0.8, 1.25] });
    const before = tf.memory().numTensors;
    await predictVolume(model, ct, { scaleTta: [0.8, 1, 1.25], flipTta: true });
    expect(tf.memory().numTensors).toBe(before);
  });
});

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI) throw new Error('shared data missing in CI: ' + DATA);
describe.skipIf(!have)('predictVolume on a real CT (needs ../shared/data/nifti)', () => {
  it('keeps the dims and affine of chest_ct_cip64_int16 and respects its lung mask', { timeout: 300_000 }, async () => {
    const ct = await readNifti(path.join(DATA, 'chest_ct_cip64_int16.nii.gz'));
    const lung = await readNifti(path.join(DATA, 'chest_cip64_wholelung_uint16.nii.gz'));
    expect(ct.dims.slice(0, 3)).toEqual([64, 64, 79]);
    const small = buildUNet3D({ patchSize: [64, 64, 40], levels: 2, baseFilters: 2, seed: 2 });
    const { probability, mask } = await predictVolume(small, ct, { overlap: 0.25, batchSize: 4, lungMask: lung });
    expect(probability.dims).toEqual(ct.dims);
    expect(probability.affine).toEqual(ct.affine);
    expect(mask.dims).toEqual(ct.dims);
    expect(mask.affine).toEqual(ct.affine);
    for (let i = 0; i < mask.data.length; i++) if (!lung.data[i]) expect(mask.data[i]).toBe(0);
    small.dispose();
  });
});

describe('maskFromProbability', () => {
  it('keeps p >= threshold, then removes 26-connected components below the minimum size; checks its arguments', () => {
    // a 5x5x3 map: a 2-voxel pair at 0.5 (diagonal neighbours, one component) and a lone voxel at 0.9
    const data = new Float32Array(75).fill(0.2);
    data[0] = 0.5;
    data[1 + 5 + 25] = 0.5;
    data[74] = 0.9;
    const p = createVolume({ data, dims: [5, 5, 3], spacing: [1, 2, 3] });
    const m = maskFromProbability(p, { threshold: 0.5 });
    expect(m.dims).toEqual([5, 5, 3]);
    expect(m.spacing).toEqual([1, 2, 3]);
    expect([...m.data.keys()].filter((i) => m.data[i] === 1)).toEqual([0, 31, 74]);
    const kept = maskFromProbability(p, { threshold: 0.5, minComponentSize: 2 }).data;
    expect([...kept.keys()].filter((i) => kept[i] === 1)).toEqual([0, 31]);
    expect(maskFromProbability(p, { threshold: 0.51 }).data.reduce((s, v) => s + v, 0)).toBe(1);
    expect(maskFromProbability(p).data.reduce((s, v) => s + v, 0)).toBe(3);
    expect(() => maskFromProbability(p, { threshold: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => maskFromProbability(p, { minComponentSize: 2.5 })).toThrow(/minComponentSize must be an integer >= 0/);
  });
});
