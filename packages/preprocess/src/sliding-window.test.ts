import { createVolume } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromFunction, lcg } from './__fixtures__/helpers.js';
import { extractPatch } from './patches.js';
import { PatchStitcher, gaussianImportanceMap, slidingWindowGrid } from './sliding-window.js';

describe('slidingWindowGrid', () => {
  it("follows nnU-Net's step rule (hand-computed for a 512x512x301 CT and 192x192x32 patches)", () => {
    const g = slidingWindowGrid([512, 512, 301], [192, 192, 32], { overlap: 0.5 });
    // x, y: ceil((512-192)/96)+1 = 5 positions round(i·320/4); z: ceil(269/16)+1 = 18 positions round(i·269/17)
    expect(g.steps).toEqual([5, 5, 18]);
    expect(g.origins.slice(0, 5).map((o) => o[0])).toEqual([0, 80, 160, 240, 320]);
    const zs = [...new Set(g.origins.map((o) => o[2]))];
    expect(zs).toEqual(Array.from({ length: 18 }, (_, i) => Math.round((i * 269) / 17)));
    expect(g.origins).toHaveLength(5 * 5 * 18);
    expect(g.paddedDims).toEqual([512, 512, 301]);
  });

  it('centres volumes smaller than the patch (negative origins)', () => {
    const g = slidingWindowGrid([100, 192, 20], [192, 192, 32], { overlap: 0.25 });
    expect(g.paddedDims).toEqual([192, 192, 32]);
    expect(g.padBefore).toEqual([46, 0, 6]);
    expect(g.origins).toEqual([[-46, 0, -6]]);
  });
});

describe('gaussianImportanceMap', () => {
  it('is exp(-d²/2σ²) with σ = size/8, maximum 1 at floor(size/2)', () => {
    const size = [16, 12, 8];
    const w = gaussianImportanceMap(size);
    const idx = (i: number, j: number, k: number) => i + 16 * (j + 12 * k);
    expect(w[idx(8, 6, 4)]).toBe(1);
    expect(Math.max(...w)).toBe(1);
    const expected = Math.exp(-(3 * 3) / (2 * 2 * 2)) * Math.exp(-(2 * 2) / (2 * 1.5 * 1.5)) * Math.exp(-(1 * 1) / (2 * 1 * 1));
    expect(w[idx(5, 4, 5)]).toBeCloseTo(expected, 6);
  });

  it('replaces the zeros beyond the 4σ truncation by the smallest nonzero weight', () => {
    const w = gaussianImportanceMap([32, 1, 1], { sigmaScale: 1 / 32 }); // σ = 1, radius 4
    const minNonZero = Math.fround(Math.exp(-16 / 2));
    expect(w[16 + 4]).toBeCloseTo(minNonZero, 9);
    expect(w[0]).toBe(w[16 + 4]);
    expect(w[31]).toBe(w[16 + 4]);
    expect(w.every((x) => x > 0)).toBe(true);
  });
});

describe('PatchStitcher', () => {
  it('stitching the sliding-window patches of a volume gives the volume back (property)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 14 }), fc.integer({ min: 1, max: 9 })),
        fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 })),
        fc.constantFrom(0, 0.25, 0.5, 0.75),
        fc.constantFrom<'gaussian' | 'constant'>('gaussian', 'constant'),
        fc.constantFrom(1 / 8, 1 / 32),
        fc.integer({ min: 0, max: 1000 }),
        (dims, patch, overlap, mode, sigmaScale, seed) => {
          const r = lcg(seed);
          const v = fromFunction(dims, () => r() * 100 - 50, (n) => new Float32Array(n));
          const { origins } = slidingWindowGrid(dims, patch, { overlap });
          const s = new PatchStitcher(dims, patch, { mode, sigmaScale });
          for (const o of origins) s.add(o, extractPatch(v, o, patch, { padValue: 1e6 }));
          const out = s.result();
          expect(s.coverage().every((w) => w > 0)).toBe(true);
          for (let i = 0; i < out.length; i++) expect(Math.abs(out[i] - v.data[i])).toBeLessThanOrEqual(1e-4);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('gives the volume back when the only weights are far Gaussian tails (sigmaScale 1/32; found by the property)', () => {
    // dims [1,1,1] in a patch of 4: the voxel sits where the truncated Gaussian is 0, so its weight is the map's
    // smallest value, exp(-32)^3 ≈ 2e-42 as float32 is subnormal; the average of it lost 1.7e-4 of a value of ~40
    const w = gaussianImportanceMap([4, 4, 4], { sigmaScale: 1 / 32 });
    expect(Math.min(...w)).toBe(Math.fround(2 ** -126));
    const v = fromFunction([1, 1, 1], () => 43.21, (n) => new Float32Array(n));
    const { origins } = slidingWindowGrid([1, 1, 1], [4, 4, 4], { overlap: 0 });
    const s = new PatchStitcher([1, 1, 1], [4, 4, 4], { sigmaScale: 1 / 32 });
    for (const o of origins) s.add(o, extractPatch(v, o, [4, 4, 4], { padValue: 1e6 }));
    expect(s.result()[0]).toBe(Math.fround(43.21));
  });

  it('blends overlapping predictions as a weighted average (hand example, 1D)', () => {
    const s = new PatchStitcher([3, 1, 1], [2, 1, 1], { mode: 'constant' });
    s.add([0, 0, 0], Float32Array.from([1, 3]));
    s.add([1, 0, 0], Float32Array.from([5, 7]));
    expect(Array.from(s.result())).toEqual([1, 4, 7]);
    const g = new PatchStitcher([3, 1, 1], [2, 1, 1], { sigmaScale: 1 / 8 });
    const w = gaussianImportanceMap([2, 1, 1]); // centre 1 -> [w0, 1]
    g.add([0, 0, 0], Float32Array.from([1, 3]));
    g.add([1, 0, 0], Float32Array.from([5, 7]));
    expect(g.result()[1]).toBeCloseTo((3 * 1 + 5 * w[0]) / (1 + w[0]), 5);
  });

  it('separable and full-map Gaussian weighting agree', () => {
    const dims: [number, number, number] = [20, 18, 9];
    const patch: [number, number, number] = [12, 10, 6];
    const r = lcg(5);
    const a = new PatchStitcher(dims, patch); // separable (no truncation at sigma = size/8)
    const map = gaussianImportanceMap(patch);
    const sum = new Float64Array(20 * 18 * 9);
    const ws = new Float64Array(20 * 18 * 9);
    for (const o of slidingWindowGrid(dims, patch, { overlap: 0.5 }).origins) {
      const values = Float32Array.from({ length: 12 * 10 * 6 }, () => r());
      a.add(o, values);
      let q = 0;
      for (let k = 0; k < 6; k++)
        for (let j = 0; j < 10; j++)
          for (let i = 0; i < 12; i++, q++) {
            const p = o[0] + i + 20 * (o[1] + j + 18 * (o[2] + k));
            sum[p] += map[q] * values[q];
            ws[p] += map[q];
          }
    }
    const out = a.result();
    for (let p = 0; p < out.length; p++) expect(out[p]).toBeCloseTo(sum[p] / ws[p], 5);
  });

  it('rejects patches of the wrong length', () => {
    const s = new PatchStitcher(createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] }).dims, [2, 2, 2]);
    expect(() => s.add([0, 0, 0], new Float32Array(7))).toThrow(/expected 8 values/);
  });
});
