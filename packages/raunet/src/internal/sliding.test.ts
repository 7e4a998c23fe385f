import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '@raunet/core';
import { extractPatch, PatchStitcher, slidingWindowGrid } from '@raunet/preprocess';
import { tfjsPatchPredictor } from '../patch-predictor.js';
import { autoBatchSize, flipPatches, slidingWindowProbability, ttaFlips } from './sliding.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('flipPatches', () => {
  it('equals tf.reverse of the NDHWC batch along every axis set, and flipping twice restores the input', () => {
    const size: [number, number, number] = [5, 4, 3]; // x, y, z
    for (const channels of [1, 2]) {
      const n = 2 * 3 * 4 * 5 * channels;
      const src = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 100);
      const t = tf.tensor5d(src, [2, 3, 4, 5, channels]);
      for (const axes of [[1], [2], [3], [1, 2], [1, 3], [2, 3], [1, 2, 3]]) {
        const expected = tf.reverse(t, axes).dataSync();
        const got = flipPatches(src, 2, size, channels, axes);
        expect(Array.from(got)).toEqual(Array.from(expected));
        expect(Array.from(flipPatches(got, 2, size, channels, axes))).toEqual(Array.from(src));
      }
      t.dispose();
    }
  });
});

describe('slidingWindowProbability', () => {
  // A small fully convolutional net whose output is not symmetric under flips, so flip TTA changes values.
  const model = (): tf.LayersModel => {
    const input = tf.input({ shape: [6, 8, 8, 1] });
    const h = tf.layers.conv3d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', seed: 3 } as never).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.conv3d({ filters: 1, kernelSize: [1, 2, 3], padding: 'same', activation: 'sigmoid', seed: 4 } as never).apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  };

  it('equals a window-by-window reference with tf.reverse flips, whatever the patches per call', async () => {
    const net = model();
    const dims: [number, number, number] = [13, 11, 9];
    const data = Float32Array.from({ length: 13 * 11 * 9 }, (_, i) => Math.cos(i * 0.37) + (i % 7) / 7);
    const image = createVolume({ data, dims });
    const size: [number, number, number] = [8, 8, 6];
    const base = { patchSize: size, overlap: 0.5, sigmaScale: 0.125, blending: 'gaussian' as const };
    // reference: each window alone, each flip with tf.reverse, averaged, then stitched
    const { origins } = slidingWindowGrid(dims, size, { overlap: 0.5 });
    const stitcher = new PatchStitcher(dims, size, { sigmaScale: 0.125, mode: 'gaussian' });
    const padValue = Math.min(...data);
    for (const origin of origins) {
      const patch = tf.tensor5d(extractPatch(image, origin, size, { padValue }), [1, 6, 8, 8, 1]);
      const sum = tf.tidy(() =>
        [[], [1], [2], [3]]
          .map((axes) => {
            const x = axes.length ? tf.reverse(patch, axes) : patch;
            const y = net.predict(x) as tf.Tensor;
            return axes.length ? tf.reverse(y, axes) : y;
          })
          .reduce((a, b) => a.add(b))
          .div(4),
      );
      stitcher.add(origin, sum.dataSync() as Float32Array);
      patch.dispose();
      sum.dispose();
    }
    const expected = stitcher.result();
    const before = tf.memory().numTensors;
    for (const batchSize of [1, 2, 3, 4, 8, 'auto'] as const) {
      const got = await slidingWindowProbability(tfjsPatchPredictor(net), image, { ...base, batchSize, flipTta: true });
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
      expect(maxDiff, `batchSize ${batchSize}`).toBeLessThan(1e-6);
    }
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('flips a 2D patch along y and x only: three distinct views, each weighted 1/3', async () => {
    expect(ttaFlips([8, 8, 6])).toEqual([[], [1], [2], [3]]);
    expect(ttaFlips([8, 8, 1])).toEqual([[], [2], [3]]);
    expect(ttaFlips([8, 1, 1])).toEqual([[], [3]]);
    const input = tf.input({ shape: [1, 8, 8, 1] });
    const out = tf.layers.conv3d({ filters: 1, kernelSize: [1, 3, 2], padding: 'same', activation: 'sigmoid', seed: 5 } as never).apply(input) as tf.SymbolicTensor;
    const net = tf.model({ inputs: input, outputs: out });
    const data = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.9));
    const image = createVolume({ data, dims: [8, 8, 1] });
    const opts = { patchSize: [8, 8, 1] as [number, number, number], overlap: 0, sigmaScale: 0.125, blending: 'constant' as const, batchSize: 'auto' as const };
    const got = await slidingWindowProbability(tfjsPatchPredictor(net), image, { ...opts, flipTta: true });
    const x = tf.tensor5d(data, [1, 1, 8, 8, 1]);
    const expected = tf.tidy(() => {
      const views = [[], [2], [3]].map((axes) => {
        const y = net.predict(axes.length ? tf.reverse(x, axes) : x) as tf.Tensor;
        return axes.length ? tf.reverse(y, axes) : y;
      });
      return views.reduce((a, b) => a.add(b)).div(3).dataSync();
    });
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i], 6);
    x.dispose();
    net.dispose();
  });

  it('fits two paper-size patches per call, at most 8', () => {
    expect(autoBatchSize([192, 192, 32])).toBe(2);
    expect(autoBatchSize([96, 96, 32])).toBe(8);
    expect(autoBatchSize([48, 48, 16])).toBe(16);
    expect(autoBatchSize([192, 192, 1])).toBe(16);
    expect(autoBatchSize([256, 256, 64])).toBe(1);
  });
});

describe('windows of air (skipBelow)', () => {
  // A counting predictor: probability = the patch's own values (so blends are checkable), calls recorded.
  const counting = (size: [number, number, number]) => {
    const seen: number[] = [];
    const predictor = {
      patchSize: size,
      predictPatches: (data: Float32Array, count: number) => {
        seen.push(count);
        return Promise.resolve(Float32Array.from(data));
      },
    };
    return { predictor, seen };
  };

  it('covers every voxel that reaches the value with fewer windows, and gives 0 where no window ran', async () => {
    // 40 x 16 x 6: "air" (0.05) everywhere but a dense block (0.5-0.9) at x 14..25, y 9..13
    const dims: [number, number, number] = [40, 16, 6];
    const data = new Float32Array(40 * 16 * 6).fill(0.05);
    const dense = (x: number, y: number) => x >= 14 && x < 26 && y >= 9 && y < 14;
    for (let z = 0; z < 6; z++) for (let y = 0; y < 16; y++) for (let x = 0; x < 40; x++) if (dense(x, y)) data[x + 40 * (y + 16 * z)] = 0.5 + 0.1 * ((x + y + z) % 5);
    const image = createVolume({ data, dims });
    const size: [number, number, number] = [8, 8, 6];
    const base = { patchSize: size, overlap: 0.5, batchSize: 1, flipTta: false, sigmaScale: 0.125, blending: 'gaussian' as const };
    const all = counting(size);
    await slidingWindowProbability(all.predictor, image, base);
    const some = counting(size);
    // the identity predictor: any blend of windows gives back the voxel's own value
    const skipped = await slidingWindowProbability(some.predictor, image, { ...base, skipBelow: 0.1 });
    expect(all.seen.length).toBe(slidingWindowGrid(dims, size, { overlap: 0.5 }).origins.length);
    // x: 2 windows over the 12 voxels of the block instead of 9 over 40; y: 1 over its 5 instead of 3
    expect(some.seen.length).toBe(2);
    let zeros = 0;
    for (let z = 0; z < 6; z++)
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 40; x++) {
          const i = x + 40 * (y + 16 * z);
          if (dense(x, y)) expect(skipped[i]).toBeCloseTo(data[i], 6);
          else if (skipped[i] === 0) zeros++;
          else expect(skipped[i]).toBeCloseTo(0.05, 6);
        }
    expect(zeros).toBeGreaterThan(0);
    // nothing reaches the value: no window runs, all 0
    const none = counting(size);
    const empty = await slidingWindowProbability(none.predictor, image, { ...base, skipBelow: 2 });
    expect(none.seen.length).toBe(0);
    expect(empty.every((v) => v === 0)).toBe(true);
  });

  it('runs every window when skipBelow is not given or every window reaches it', async () => {
    const dims: [number, number, number] = [16, 16, 6];
    const image = createVolume({ data: Float32Array.from({ length: 16 * 16 * 6 }, (_, i) => 0.2 + 0.001 * (i % 100)), dims });
    const size: [number, number, number] = [8, 8, 6];
    const base = { patchSize: size, overlap: 0.5, batchSize: 1, flipTta: false, sigmaScale: 0.125, blending: 'gaussian' as const };
    const a = counting(size);
    const b = counting(size);
    expect(Array.from(await slidingWindowProbability(b.predictor, image, { ...base, skipBelow: 0.1 }))).toEqual(Array.from(await slidingWindowProbability(a.predictor, image, base)));
    expect(b.seen.length).toBe(a.seen.length);
  });
});
