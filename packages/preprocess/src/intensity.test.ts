import { InvalidArgumentError, ShapeMismatchError, createVolume } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipIntensity, normalizeIntensity } from './intensity.js';

const vol = (values: number[], dims = [values.length, 1, 1]) => createVolume({ data: Int16Array.from(values), dims });

describe('clipIntensity', () => {
  it('clips to the default [-1000, 1000] window into a new Float32 volume', () => {
    const v = vol([-3024, -1000, -999, 0, 1000, 1001, 3000]);
    const c = clipIntensity(v);
    expect(c.data).toBeInstanceOf(Float32Array);
    expect(Array.from(c.data)).toEqual([-1000, -1000, -999, 0, 1000, 1000, 1000]);
    expect(Array.from(v.data)).toEqual([-3024, -1000, -999, 0, 1000, 1001, 3000]); // not mutated
    expect(c.affine).toEqual(v.affine);
  });

  it('is idempotent and stays inside the window (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, min: -5000, max: 5000 }), { minLength: 1, maxLength: 64 }),
        fc.integer({ min: -2000, max: 0 }),
        fc.integer({ min: 1, max: 2000 }),
        (values, min, max) => {
          const v = createVolume({ data: Float32Array.from(values), dims: [values.length, 1, 1] });
          const once = clipIntensity(v, { min, max });
          const twice = clipIntensity(once, { min, max });
          expect(Array.from(twice.data)).toEqual(Array.from(once.data));
          for (const x of once.data) expect(x >= min && x <= max).toBe(true);
        },
      ),
    );
  });

  it('rejects an empty window', () => {
    expect(() => clipIntensity(vol([1]), { min: 5, max: 5 })).toThrow(InvalidArgumentError);
  });
});

describe('normalizeIntensity', () => {
  it('min-max maps the window onto [0, 1] (hand values)', () => {
    const n = normalizeIntensity(vol([-2000, -1000, -500, 0, 500, 1000, 2000]));
    expect(Array.from(n.data)).toEqual([0, 0, 0.25, 0.5, 0.75, 1, 1]);
    const w = normalizeIntensity(vol([-1250, 250, -500]), { window: [-1250, 250] });
    expect(Array.from(w.data)).toEqual([0, 1, 0.5]);
  });

  it('min-max values lie in [0, 1] (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 1, maxLength: 64 }), fc.integer({ min: -3000, max: 0 }), fc.integer({ min: 1, max: 3000 }), (values, lo, hi) => {
        const n = normalizeIntensity(vol(values), { window: [lo, hi] });
        for (let i = 0; i < values.length; i++) {
          const x = n.data[i];
          expect(x >= 0 && x <= 1).toBe(true);
          const expected = (Math.min(Math.max(values[i], lo), hi) - lo) / (hi - lo);
          expect(x).toBeCloseTo(expected, 6);
        }
      }),
    );
  });

  it('z-score over the whole volume and inside a mask (hand-computed mean and std)', () => {
    const v = vol([1, 2, 3, 4, 100, -5000]);
    // whole volume after clipping to [-1000, 1000]: 1,2,3,4,100,-1000
    const all = [1, 2, 3, 4, 100, -1000];
    const mean = all.reduce((a, b) => a + b) / 6;
    const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / 6);
    const z = normalizeIntensity(v, { mode: 'zscore' });
    all.forEach((x, i) => expect(z.data[i]).toBeCloseTo((x - mean) / std, 5));
    const mask = createVolume({ data: Uint8Array.from([1, 1, 1, 1, 0, 0]), dims: [6, 1, 1] });
    const zm = normalizeIntensity(v, { mode: 'zscore', mask });
    // inside: 1,2,3,4 -> mean 2.5, std sqrt(1.25)
    const s = Math.sqrt(1.25);
    [1, 2, 3, 4, 100, -1000].forEach((x, i) => expect(zm.data[i]).toBeCloseTo((x - 2.5) / s, 3));
  });

  it('rejects an empty mask, a mask on another grid and a constant volume', () => {
    const v = vol([1, 2, 3]);
    expect(() => normalizeIntensity(v, { mode: 'zscore', mask: createVolume({ data: new Uint8Array(3), dims: [3, 1, 1] }) })).toThrow(/no nonzero voxel/);
    expect(() => normalizeIntensity(v, { mode: 'zscore', mask: createVolume({ data: new Uint8Array(4), dims: [4, 1, 1] }) })).toThrow(ShapeMismatchError);
    expect(() => normalizeIntensity(vol([7, 7]), { mode: 'zscore' })).toThrow(/constant/);
    expect(() => normalizeIntensity(v, { window: [-Infinity, 5] })).toThrow(/finite window/);
  });
});
