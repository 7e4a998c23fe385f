import { createVolume, invertAffine, voxelToWorld } from '@raunet/core';
import type { Affine } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at, fromFunction, lcg, values } from './__fixtures__/helpers.js';
import { reorientToRAS } from './reorient.js';
import { resampleLike, resampleToGrid, resampleToSpacing, spacingGrid } from './resample.js';

const lps = (s: number[], o: number[]): Affine => [
  [-s[0], 0, 0, o[0]],
  [0, -s[1], 0, o[1]],
  [0, 0, s[2], o[2]],
  [0, 0, 0, 1],
];

/** A linear function of world position: trilinear interpolation must reproduce it exactly. */
const linear = (w: number[]) => 3 + 0.5 * w[0] - 1.25 * w[1] + 2 * w[2];

describe('spacingGrid / resampleToSpacing', () => {
  it('keeps voxel (0,0,0) in place and rescales the affine columns (SimpleITK convention)', () => {
    const g = spacingGrid({ dims: [512, 512, 301], affine: lps([0.7, 0.7, 5], [100, 50, -300]) }, [1, 1, 1.5]);
    expect(g.dims).toEqual([358, 358, 1003]); // round(512·0.7/1), round(301·5/1.5)
    expect(g.affine).toEqual(lps([1, 1, 1.5], [100, 50, -300]));
  });

  it('trilinear resampling reproduces a linear field at every output voxel inside the source (world coordinates kept)', () => {
    const affine = lps([0.8, 1.1, 2.5], [20, -10, 5]);
    const v = fromFunction([13, 11, 7], (i, j, k) => linear(voxelToWorld(affine, [i, j, k])), (n) => new Float64Array(n), affine);
    const r = resampleToSpacing(v, [0.5, 0.7, 1.3]);
    expect(r.data).toBeInstanceOf(Float32Array);
    expect(r.spacing.map((x) => Number(x.toFixed(12)))).toEqual([0.5, 0.7, 1.3]);
    const inv = invertAffine(affine);
    let checked = 0;
    for (let k = 0; k < r.dims[2]; k++)
      for (let j = 0; j < r.dims[1]; j++)
        for (let i = 0; i < r.dims[0]; i++) {
          const w = voxelToWorld(r.affine, [i, j, k]);
          const s = voxelToWorld(inv, w);
          if (s.some((x, a) => x > v.dims[a] - 1 + 1e-9)) continue; // beyond the last centre: clamped
          expect(at(r, i, j, k)).toBeCloseTo(linear(w), 3);
          checked++;
        }
    expect(checked).toBeGreaterThan(1000);
  });

  it('nearest keeps the label type; upsample by integer factors then back is the identity (property)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 6 })),
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })),
        fc.integer({ min: 0, max: 1000 }),
        (dims, f, seed) => {
          const r = lcg(seed);
          const s = [0.7, 0.9, 2.5];
          const label = fromFunction(dims, () => Math.floor(r() * 4), (n) => new Uint8Array(n), lps(s, [5, 6, 7]));
          const up = resampleToSpacing(label, [s[0] / f[0], s[1] / f[1], s[2] / f[2]], { interpolation: 'nearest' });
          expect(up.data).toBeInstanceOf(Uint8Array);
          expect(up.dims).toEqual([dims[0] * f[0], dims[1] * f[1], dims[2] * f[2]]);
          const back = resampleLike(up, label, { interpolation: 'nearest' });
          expect(back.dims).toEqual(label.dims);
          expect(values(back)).toEqual(values(label));
          const back2 = resampleToSpacing(up, [s[0], s[1], s[2]], { interpolation: 'nearest' });
          expect(values(back2)).toEqual(values(label));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('downsample by integer factors then inverse-resample is the identity at the voxels both grids share (property)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 8 })),
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        fc.integer({ min: 0, max: 1000 }),
        (dims, f, seed) => {
          const r = lcg(seed);
          const label = fromFunction(dims, () => Math.floor(r() * 3), (n) => new Uint8Array(n), lps([1, 1, 2], [0, 0, 0]));
          const down = resampleToSpacing(label, [f[0], f[1], 2 * f[2]], { interpolation: 'nearest' });
          const back = resampleLike(down, label, { interpolation: 'nearest' });
          for (let k = 0; k < dims[2]; k += f[2])
            for (let j = 0; j < dims[1]; j += f[1])
              for (let i = 0; i < dims[0]; i += f[0]) {
                if (i / f[0] >= down.dims[0] || j / f[1] >= down.dims[1] || k / f[2] >= down.dims[2]) continue;
                expect(at(back, i, j, k)).toBe(at(label, i, j, k));
              }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('nearest picks the closest source voxel, ties rounding up like ITK (hand example and plain-loop reference)', () => {
    const v = createVolume({ data: Uint8Array.from([10, 20, 30]), dims: [3, 1, 1] });
    // new centres at source indices 0, 0.5, 1, 1.5, 2, 2.5 (the last is half a voxel beyond: still inside)
    expect(values(resampleToSpacing(v, [0.5, 1, 1], { interpolation: 'nearest' }))).toEqual([10, 20, 20, 30, 30, 30]);
    const r = lcg(4);
    const label = fromFunction([17, 5, 4], () => Math.floor(r() * 5), (n) => new Uint8Array(n), lps([0.7, 0.9, 3], [1, 2, 3]));
    const out = resampleToSpacing(label, [1.1, 0.4, 1.7], { interpolation: 'nearest' });
    const ratio = [1.1 / 0.7, 0.4 / 0.9, 1.7 / 3];
    for (let k = 0; k < out.dims[2]; k++)
      for (let j = 0; j < out.dims[1]; j++)
        for (let i = 0; i < out.dims[0]; i++) {
          const src = [i * ratio[0], j * ratio[1], k * ratio[2]].map((x, a) => Math.min(Math.floor(x + 0.5), label.dims[a] - 1));
          expect(at(out, i, j, k)).toBe(at(label, src[0], src[1], src[2]));
        }
  });

  it('does not mutate the input and rounds integer output when asked to keep the type', () => {
    const v = createVolume({ data: Int16Array.from([0, 10, 20, 30]), dims: [4, 1, 1] });
    const r = resampleToSpacing(v, [0.5, 1, 1], { dtype: 'input' });
    expect(r.data).toBeInstanceOf(Int16Array);
    expect(values(r)).toEqual([0, 5, 10, 15, 20, 25, 30, 30]);
    expect(values(v)).toEqual([0, 10, 20, 30]);
  });
});

describe('resampleToSpacing antiAlias', () => {
  it('smooths before downsampling with sigma (f - 1) / 2: the values equal scipy.ndimage.gaussian_filter1d (mode nearest)', () => {
    // a Nyquist checkerboard along x: plain 2x downsampling sees only its zeros (aliasing)
    const board = fromFunction([16, 3, 2], (i) => i % 2, (n) => new Uint8Array(n));
    const plain = resampleToSpacing(board, [2, 1, 1]);
    const smooth = resampleToSpacing(board, [2, 1, 1], { antiAlias: true });
    expect(smooth.dims).toEqual([8, 3, 2]);
    expect(smooth.data).toBeInstanceOf(Float32Array);
    for (let i = 0; i < 8; i++) expect(at(plain, i, 1, 1)).toBe(0);
    // scipy: gaussian_filter1d(tile([0, 1], 8), 0.5, mode='nearest', truncate=3)[0::2]
    expect(at(smooth, 0, 1, 1)).toBeCloseTo(0.10645077, 6);
    for (let i = 1; i < 7; i++) expect(at(smooth, i, 2, 0)).toBeCloseTo(0.21290154, 6);
    expect(at(smooth, 7, 0, 1)).toBeCloseTo(0.21316541, 6); // the clamped border
    // along z with factor 3 (sigma 1): gaussian_filter1d(arange(12)**2, 1, mode='nearest', truncate=3)[0::3]
    const quad = fromFunction([1, 2, 12], (_i, _j, k) => k * k, (n) => new Float64Array(n));
    const q = resampleToSpacing(quad, [1, 1, 3], { antiAlias: true });
    expect(q.dims).toEqual([1, 2, 4]);
    [0.49795599, 9.99591199, 36.99591199, 81.89395188].forEach((want, k) => expect(at(q, 0, 1, k)).toBeCloseTo(want, 4));
  });

  it('leaves constants constant, and changes nothing where no axis gets coarser or for nearest-neighbour labels', () => {
    const c = fromFunction([9, 7, 5], () => 42, (n) => new Int16Array(n));
    const down = resampleToSpacing(c, [2.5, 1.7, 3], { antiAlias: true });
    for (const x of down.data) expect(x).toBeCloseTo(42, 4);
    const v = fromFunction([9, 7, 5], (i, j, k) => (i * 7 + j * 3 + k * 11) % 13, (n) => new Float32Array(n));
    expect(resampleToSpacing(v, [0.5, 1, 0.75], { antiAlias: true }).data).toEqual(resampleToSpacing(v, [0.5, 1, 0.75]).data);
    const label = fromFunction([8, 8, 2], (i) => i % 2, (n) => new Uint8Array(n));
    const near = resampleToSpacing(label, [2, 2, 1], { antiAlias: true, interpolation: 'nearest' });
    expect(near.data).toEqual(resampleToSpacing(label, [2, 2, 1], { interpolation: 'nearest' }).data);
  });
});

describe('resampleLike / resampleToGrid', () => {
  it('a translation-only target grid reproduces the matching crop exactly and fills outside', () => {
    const affine = lps([1.5, 1.5, 1.5], [10, 20, 30]);
    const v = fromFunction([10, 8, 6], (i, j, k) => 1 + i + 10 * j + 100 * k, (n) => new Int16Array(n), affine);
    const target = { dims: [4, 3, 2], affine: lps([1.5, 1.5, 1.5], voxelToWorld(affine, [7, 2, 5])) };
    const r = resampleLike(v, target, { interpolation: 'nearest', fillValue: -1 });
    for (let k = 0; k < 2; k++)
      for (let j = 0; j < 3; j++)
        for (let i = 0; i < 4; i++) {
          const [x, y, z] = [7 + i, 2 + j, 5 + k];
          expect(at(r, i, j, k)).toBe(x < 10 && z < 6 ? at(v, x, y, z) : -1);
        }
  });

  it('the general (permuted/oblique) path agrees with re-indexing and with a linear field', () => {
    const affine = lps([1, 2, 3], [0, 0, 0]);
    const v = fromFunction([5, 4, 3], (i, j, k) => i + 10 * j + 100 * k, (n) => new Int16Array(n), affine);
    const ras = reorientToRAS(v).volume;
    expect(values(resampleLike(v, ras, { interpolation: 'nearest' }))).toEqual(values(ras));
    // flipped axes through the separable trilinear path (slices visited backwards)
    expect(values(resampleLike(v, ras, { interpolation: 'linear', dtype: 'input' }))).toEqual(values(ras));
    const half = { dims: [5, 4, 5], affine: [[-1, 0, 0, 0], [0, -2, 0, 0], [0, 0, -1.5, 6], [0, 0, 0, 1]] };
    const h = resampleToGrid(v, half); // z runs downwards in half-voxel steps: source z = 2 - k/2
    for (let k = 0; k < 5; k++) {
      const z = 2 - k / 2;
      const expected = 100 * z + 10 * 0 + 0; // voxel (0, 0, z) of v holds 100·z
      expect(at(h, 0, 0, k)).toBeCloseTo(expected, 4);
    }

    const f = fromFunction([9, 9, 9], (i, j, k) => linear(voxelToWorld(affine, [i, j, k])), (n) => new Float32Array(n), affine);
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const oblique = { dims: [4, 4, 3], affine: [[-c, s, 0, -2], [-s, -c, 0, -4], [0, 0, 2, 3], [0, 0, 0, 1]] };
    const r = resampleToGrid(f, oblique);
    const inv = invertAffine(affine);
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 4; j++)
        for (let i = 0; i < 4; i++) {
          const w = voxelToWorld(oblique.affine, [i, j, k]);
          const src = voxelToWorld(inv, w);
          expect(src.every((x) => x >= 0 && x <= 8)).toBe(true);
          expect(at(r, i, j, k)).toBeCloseTo(linear(w), 3);
        }
  });
});
