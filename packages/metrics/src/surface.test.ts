import { InvalidArgumentError, ShapeMismatchError, createVolume } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ballMask, boxMask, bruteSurface, idx, padMask, pairArb, vol, type Dims, type Spacing } from './__fixtures__/reference.js';
import { euclideanDistanceTransform } from './distance-transform.js';
import {
  assd,
  hausdorff,
  hausdorff95,
  normalizedSurfaceDice,
  percentileHausdorff,
  surfaceDistances,
  SURFACE_DEFINITIONS,
} from './surface.js';

function single(dims: Dims, at: Dims, spacing: Spacing) {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  m[idx(dims, ...at)] = 1;
  return vol(m, dims, spacing);
}

describe('surface metrics, hand-known', () => {
  it('single voxels with anisotropic spacing: every metric is the centre distance', () => {
    const dims: Dims = [6, 7, 3];
    const s: Spacing = [1, 2, 3];
    const a = single(dims, [1, 1, 1], s);
    const b = single(dims, [4, 5, 1], s);
    const d = Math.sqrt(3 * 3 + 8 * 8); // (3 voxels * 1 mm, 4 voxels * 2 mm)
    expect(hausdorff(a, b)).toBeCloseTo(d, 12);
    expect(hausdorff95(a, b)).toBeCloseTo(d, 12);
    expect(assd(a, b)).toBeCloseTo(d, 12);
    expect(normalizedSurfaceDice(a, b, { toleranceMm: d - 1e-9 })).toBe(0);
    expect(normalizedSurfaceDice(a, b, { toleranceMm: d + 1e-9 })).toBe(1);
    expect(hausdorff(a, a)).toBe(0);
  });

  it('a cube shifted one voxel along z with 5 mm slices: HD 5 mm (1 mm with 1 mm slices)', () => {
    const dims: Dims = [8, 8, 8];
    const t = boxMask(dims, [2, 2, 2], [5, 5, 5]);
    const p = boxMask(dims, [2, 2, 3], [5, 5, 6]);
    expect(hausdorff(vol(p, dims, [1, 1, 5]), vol(t, dims, [1, 1, 5]))).toBeCloseTo(5, 12);
    expect(hausdorff(vol(p, dims, [1, 1, 1]), vol(t, dims, [1, 1, 1]))).toBeCloseTo(1, 12);
    expect(hausdorff(vol(p, dims, [0.7, 0.7, 2.5]), vol(t, dims, [0.7, 0.7, 2.5]))).toBeCloseTo(2.5, 12);
  });

  it('4x4x4 cubes shifted by 2 along x: HD = 2 voxels, in mm by the x spacing', () => {
    const dims: Dims = [10, 6, 6];
    const a = boxMask(dims, [1, 1, 1], [4, 4, 4]);
    const b = boxMask(dims, [3, 1, 1], [6, 4, 4]);
    expect(hausdorff(vol(a, dims), vol(b, dims))).toBeCloseTo(2, 12);
    expect(hausdorff(vol(a, dims, [3, 1, 1]), vol(b, dims, [3, 1, 1]))).toBeCloseTo(6, 12);
    // The same shift along y with 3 mm in x: the y spacing of 1 mm decides.
    const c = boxMask([6, 10, 6], [1, 1, 1], [4, 4, 4]);
    const e = boxMask([6, 10, 6], [1, 3, 1], [4, 6, 4]);
    expect(hausdorff(vol(c, [6, 10, 6], [3, 1, 1]), vol(e, [6, 10, 6], [3, 1, 1]))).toBeCloseTo(2, 12);
  });

  it('concentric balls of radius 8 and 5 voxels: HD ≈ 3 voxels, equal to brute force', () => {
    const dims: Dims = [21, 21, 21];
    const big = ballMask(dims, [10, 10, 10], 8);
    const small = ballMask(dims, [10, 10, 10], 5);
    const s: Spacing = [0.8, 0.8, 0.8];
    const hd = hausdorff(vol(big, dims, s), vol(small, dims, s));
    expect(Math.abs(hd / 0.8 - 3)).toBeLessThanOrEqual(1);
    const ref = bruteSurface(big, small, dims, s, 2);
    expect(hd).toBeCloseTo(ref.hausdorff, 12);
    expect(assd(vol(big, dims, s), vol(small, dims, s))).toBeCloseTo(ref.assd, 12);
    expect(hausdorff95(vol(big, dims, s), vol(small, dims, s))).toBeCloseTo(ref.hausdorff95, 12);
    expect(normalizedSurfaceDice(vol(big, dims, s), vol(small, dims, s), { toleranceMm: 2 })).toBeCloseTo(ref.nsd, 12);
  });

  it('balls offset by 3 voxels along z with 2.5 mm slices equal brute force', () => {
    const dims: Dims = [16, 16, 16];
    const a = ballMask(dims, [7, 7, 6], 4.5);
    const b = ballMask(dims, [7, 7, 9], 4.5);
    const s: Spacing = [0.7, 0.9, 2.5];
    const ref = bruteSurface(a, b, dims, s, 3);
    const A = vol(a, dims, s);
    const B = vol(b, dims, s);
    expect(hausdorff(A, B)).toBeCloseTo(ref.hausdorff, 12);
    expect(hausdorff(A, B)).toBeCloseTo(3 * 2.5, 12);
    expect(hausdorff95(A, B)).toBeCloseTo(ref.hausdorff95, 12);
    expect(assd(A, B)).toBeCloseTo(ref.assd, 12);
    expect(normalizedSurfaceDice(A, B, { toleranceMm: 3 })).toBeCloseTo(ref.nsd, 12);
  });

  it('HD95 is the max of the directed 95th percentiles (MONAI), not of the pooled set', () => {
    // Truth: a 1-voxel-thick 20-voxel line; prediction: the same line plus one far voxel.
    const dims: Dims = [20, 12, 1];
    const t = boxMask(dims, [0, 0, 0], [19, 0, 0]);
    const p = Uint8Array.from(t);
    p[idx(dims, 0, 11, 0)] = 1;
    const d = surfaceDistances(vol(p, dims), vol(t, dims));
    expect([...d.predictionToTruth].sort((x, y) => x - y)).toEqual([...new Array(20).fill(0), 11]);
    expect([...d.truthToPrediction]).toEqual(new Array(20).fill(0));
    // directed P95 of 21 values [0 x20, 11]: rank 19 → 0 ... rank 0.95*20 = 19 → value 0
    expect(hausdorff95(vol(p, dims), vol(t, dims))).toBe(0);
    expect(percentileHausdorff(vol(p, dims), vol(t, dims), { percentile: 99 })).toBeCloseTo(0.8 * 11, 12);
    expect(percentileHausdorff(vol(p, dims), vol(t, dims), { percentile: 100 })).toBe(11);
    expect(hausdorff(vol(p, dims), vol(t, dims))).toBe(11);
  });

  it('works on 2D masks (dims [nx, ny]) with the in-plane spacing', () => {
    const a = createVolume({ data: Uint8Array.from([1, 0, 0, 0, 0, 0]), dims: [3, 2], spacing: [0.5, 4] });
    const b = createVolume({ data: Uint8Array.from([0, 0, 0, 0, 0, 1]), dims: [3, 2], spacing: [0.5, 4] });
    expect(hausdorff(a, b)).toBeCloseTo(Math.hypot(1, 4), 12);
  });

  it('border voxels: the volume edge counts as background', () => {
    // A full 3x3x3 volume: every voxel except the centre is a border voxel.
    const full = vol(new Uint8Array(27).fill(1), [3, 3, 3]);
    const d = surfaceDistances(full, full);
    expect(d.predictionToTruth.length).toBe(26);
  });
});

describe('surface edge cases (MONAI conventions)', () => {
  const dims: Dims = [4, 4, 4];
  const empty = vol(new Uint8Array(64), dims);
  const some = vol(boxMask(dims, [1, 1, 1], [2, 2, 2]), dims);

  it('both empty: HD, HD95, ASSD, NSD are NaN', () => {
    expect(hausdorff(empty, empty)).toBeNaN();
    expect(hausdorff95(empty, empty)).toBeNaN();
    expect(assd(empty, empty)).toBeNaN();
    expect(normalizedSurfaceDice(empty, empty, { toleranceMm: 1 })).toBeNaN();
  });

  it('one empty: distances Infinity, NSD 0', () => {
    for (const [a, b] of [
      [empty, some],
      [some, empty],
    ]) {
      expect(hausdorff(a, b)).toBe(Infinity);
      expect(hausdorff95(a, b)).toBe(Infinity);
      expect(assd(a, b)).toBe(Infinity);
      expect(normalizedSurfaceDice(a, b, { toleranceMm: 100 })).toBe(0);
    }
  });

  it('rejects different grids, bad tolerance and percentile', () => {
    expect(() => hausdorff(some, vol(new Uint8Array(64), [4, 4, 4], [1, 1, 2]))).toThrow(ShapeMismatchError);
    expect(() => normalizedSurfaceDice(some, some, { toleranceMm: -1 })).toThrow(InvalidArgumentError);
    expect(() => normalizedSurfaceDice(some, some, { toleranceMm: Number.NaN })).toThrow(InvalidArgumentError);
    expect(() => percentileHausdorff(some, some, { percentile: 101 })).toThrow(InvalidArgumentError);
  });

  it('uses the label option', () => {
    const labels = createVolume({ data: new Uint8Array(64), dims });
    (labels.data as Uint8Array)[idx(dims, 0, 0, 0)] = 2;
    (labels.data as Uint8Array)[idx(dims, 3, 0, 0)] = 1;
    const other = createVolume({ data: new Uint8Array(64), dims });
    (other.data as Uint8Array)[idx(dims, 0, 2, 0)] = 2;
    expect(hausdorff(labels, other, { label: 2 })).toBe(2);
    expect(hausdorff(labels, other)).toBeCloseTo(Math.hypot(3, 2), 12);
  });
});

describe('surface properties (fast-check)', () => {
  it('match a brute-force border + nearest-neighbour reference', () => {
    fc.assert(
      fc.property(pairArb, fc.double({ min: 0, max: 8, noNaN: true }), ({ dims, spacing, a, b }, tol) => {
        const A = vol(a, dims, spacing);
        const B = vol(b, dims, spacing);
        const ref = bruteSurface(a, b, dims, spacing, tol);
        const d = surfaceDistances(A, B);
        expect([...d.predictionToTruth].sort((x, y) => x - y)).toEqual(
          ref.pt.sort((x, y) => x - y).map((x) => expect.closeTo(x, 9)),
        );
        expect(hausdorff(A, B)).toBeCloseTo(ref.hausdorff, 9);
        expect(hausdorff95(A, B)).toBeCloseTo(ref.hausdorff95, 9);
        expect(assd(A, B)).toBeCloseTo(ref.assd, 9);
        expect(normalizedSurfaceDice(A, B, { toleranceMm: tol })).toBeCloseTo(
          // the brute reference uses the same <= rule; guard ties against rounding with a tiny tolerance
          bruteSurface(a, b, dims, spacing, tol).nsd,
          9,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('HD95 <= HD, HD symmetric, NSD in [0, 1] and non-decreasing in the tolerance', () => {
    fc.assert(
      fc.property(pairArb, fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), ({ dims, spacing, a, b }, t1, t2) => {
        const A = vol(a, dims, spacing);
        const B = vol(b, dims, spacing);
        const hd = hausdorff(A, B);
        expect(hausdorff95(A, B)).toBeLessThanOrEqual(hd + 1e-12);
        expect(hausdorff(B, A)).toBe(hd);
        expect(assd(A, B)).toBeLessThanOrEqual(hd + 1e-12);
        const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
        const nLo = normalizedSurfaceDice(A, B, { toleranceMm: lo });
        const nHi = normalizedSurfaceDice(A, B, { toleranceMm: hi });
        expect(nLo).toBeGreaterThanOrEqual(0);
        expect(nHi).toBeLessThanOrEqual(1);
        expect(nLo).toBeLessThanOrEqual(nHi);
        expect(normalizedSurfaceDice(A, B, { toleranceMm: hd })).toBe(1);
        expect(hausdorff(A, A)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('is invariant to padding both masks with background (both surface definitions)', () => {
    fc.assert(
      fc.property(pairArb, fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)), ({ dims, spacing, a, b }, p) => {
        const pad: [Dims, Dims] = [
          [p[0], p[1], p[2]],
          [p[3], p[4], p[5]],
        ];
        const pa = padMask(a, dims, pad);
        const pb = padMask(b, dims, pad);
        const A = vol(a, dims, spacing);
        const B = vol(b, dims, spacing);
        const PA = vol(pa.data, pa.dims, spacing);
        const PB = vol(pb.data, pb.dims, spacing);
        for (const surface of SURFACE_DEFINITIONS) {
          expect(hausdorff(PA, PB, { surface })).toBe(hausdorff(A, B, { surface }));
          expect(hausdorff95(PA, PB, { surface })).toBe(hausdorff95(A, B, { surface }));
          expect(assd(PA, PB, { surface })).toBeCloseTo(assd(A, B, { surface }), 12);
          expect(normalizedSurfaceDice(PA, PB, { toleranceMm: 1, surface })).toBe(normalizedSurfaceDice(A, B, { toleranceMm: 1, surface }));
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('euclideanDistanceTransform', () => {
  it('gives mm distances to the foreground on the mask grid', () => {
    const dims: Dims = [5, 1, 3];
    const m = single(dims, [0, 0, 0], [0.5, 1, 2]);
    const d = euclideanDistanceTransform(m);
    expect(d.dims).toEqual([5, 1, 3]);
    expect(d.data[4]).toBeCloseTo(2, 12);
    expect(d.data[idx(dims, 3, 0, 2)]).toBeCloseTo(Math.hypot(1.5, 4), 12);
    expect(euclideanDistanceTransform(m, { squared: true }).data[4]).toBeCloseTo(4, 12);
  });
});
