import { InvalidArgumentError, createVolume } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ballMask,
  boxMask,
  bruteSurfels,
  cumulativeAreaPercentile,
  pairArb,
  vol,
  type Dims,
  type Spacing,
} from './__fixtures__/reference.js';
import { evaluateCase, evaluateSet } from './evaluate.js';
import { surfelAreaTable } from './internal/surfel-table.js';
import {
  assd,
  hausdorff,
  hausdorff95,
  normalizedSurfaceDice,
  percentileHausdorff,
  surfaceDistances,
} from './surface.js';

const surfel = { surface: 'surfel' } as const;
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0);

/**
 * Surfel area of an a × b × c voxel box: the marching-cubes surface through the voxel centres, i.e. the
 * box's faces (between the outer voxel centres), its edges cut at 45° in voxel units, its corners cut by
 * triangles. Not 2(ab·sx·sy + …): the surfel surface passes through the voxel-face centres at the rim.
 */
function boxArea([a, b, c]: Dims, [sx, sy, sz]: Spacing): number {
  const faces = 2 * ((a - 1) * (b - 1) * sx * sy + (b - 1) * (c - 1) * sy * sz + (a - 1) * (c - 1) * sx * sz);
  const edges =
    (4 *
      ((a - 1) * sx * Math.hypot(sy, sz) +
        (b - 1) * sy * Math.hypot(sx, sz) +
        (c - 1) * sz * Math.hypot(sx, sy))) /
    2;
  const corners = Math.hypot(sy * sz, sx * sz, sx * sy);
  return faces + edges + corners;
}

describe('surfel surface metrics, hand-known shapes', () => {
  it('a cube: area of the chamfered cube, one surfel per corner point on its boundary, 0 / 1 against itself', () => {
    const dims: Dims = [8, 8, 8];
    const cube = vol(boxMask(dims, [2, 2, 2], [5, 5, 5]), dims);
    const d = surfaceDistances(cube, cube, surfel);
    expect(d.predictionToTruth.length).toBe(5 ** 3 - 3 ** 3);
    // 6 faces of 3 x 3, 12 edges of 3 x √2/2, 8 corners of √3/8: 54 + 18√2 + √3.
    expect(sum(d.predictionAreas!)).toBeCloseTo(54 + 18 * Math.SQRT2 + Math.sqrt(3), 10);
    expect(sum(d.truthAreas!)).toBeCloseTo(sum(d.predictionAreas!), 12);
    expect(Math.max(...d.predictionToTruth, ...d.truthToPrediction)).toBe(0);
    expect(hausdorff(cube, cube, surfel)).toBe(0);
    expect(hausdorff95(cube, cube, surfel)).toBe(0);
    expect(assd(cube, cube, surfel)).toBe(0);
    expect(normalizedSurfaceDice(cube, cube, { toleranceMm: 0, surface: 'surfel' })).toBe(1);
  });

  it('an anisotropic box: faces, edges and corners each by the spacings of their orientation', () => {
    const dims: Dims = [9, 7, 6];
    const s: Spacing = [0.6, 0.8, 2.5];
    const box = vol(boxMask(dims, [1, 2, 1], [6, 4, 3]), dims, s);
    const d = surfaceDistances(box, box, surfel);
    expect(sum(d.truthAreas!)).toBeCloseTo(boxArea([6, 3, 3], s), 10);
    // A face point inside the top face carries sx·sy, one inside a side face sy·sz or sx·sz.
    const table = surfelAreaTable(...s);
    expect(table[0b1111]).toBeCloseTo(s[0] * s[1], 14);
    const areas = new Set(Array.from(d.truthAreas!, (a) => a.toFixed(10)));
    for (const face of [s[0] * s[1], s[1] * s[2], s[0] * s[2]])
      expect(areas.has(face.toFixed(10))).toBe(true);
    // A one-voxel box is the octahedron through its face centres.
    const one = vol(boxMask(dims, [4, 4, 4], [4, 4, 4]), dims, s);
    expect(sum(surfaceDistances(one, one, surfel).truthAreas!)).toBeCloseTo(boxArea([1, 1, 1], s), 12);
  });

  it('two slabs offset along z by k slices: HD95 = HD = k·sz, and the distances on the large faces are k·sz', () => {
    // Wide and thin (60 x 60 voxels, 5 slices) so the top and bottom faces hold most of the area.
    const dims: Dims = [60, 60, 12];
    const s: Spacing = [0.8, 0.7, 1.2];
    const truth = vol(boxMask(dims, [0, 0, 2], [59, 59, 6]), dims, s);
    for (const k of [1, 2]) {
      const prediction = vol(boxMask(dims, [0, 0, 2 + k], [59, 59, 6 + k]), dims, s);
      expect(hausdorff95(prediction, truth, surfel)).toBeCloseTo(k * s[2], 12);
      expect(hausdorff(prediction, truth, surfel)).toBeCloseTo(k * s[2], 12);
      const d = surfaceDistances(prediction, truth, surfel);
      // The flat parts of the top and bottom faces (about 4/5 of the area) lie k slices apart.
      const atOffset = sum(
        Array.from(d.predictionAreas!).filter((_, i) => Math.abs(d.predictionToTruth[i] - k * s[2]) < 1e-9),
      );
      expect(atOffset / sum(d.predictionAreas!)).toBeGreaterThan(0.7);
      expect(
        normalizedSurfaceDice(prediction, truth, { toleranceMm: k * s[2] + 1e-9, surface: 'surfel' }),
      ).toBe(1);
      const below = normalizedSurfaceDice(prediction, truth, { toleranceMm: s[2] / 2, surface: 'surfel' });
      expect(below).toBeGreaterThan(0);
      expect(below).toBeLessThan(0.25);
      // Voxel borders weigh each voxel alike: the same offset, another NSD.
      expect(hausdorff95(prediction, truth)).toBeCloseTo(k * s[2], 12);
    }
  });

  it('HD95 is the distance at which the cumulative surfel area reaches 95 %, per direction (DeepMind)', () => {
    const dims: Dims = [16, 16, 16];
    const s: Spacing = [0.7, 0.9, 2.5];
    const a = ballMask(dims, [7, 7, 6], 4.5);
    const b = ballMask(dims, [8, 7, 9], 4);
    const ref = bruteSurfels(a, b, dims, s, (c) => surfelAreaTable(...s)[c]);
    const A = vol(a, dims, s);
    const B = vol(b, dims, s);
    for (const p of [0, 50, 90, 95, 100]) {
      const expected = Math.max(
        cumulativeAreaPercentile(ref.pt, ref.ap, p),
        cumulativeAreaPercentile(ref.tp, ref.at, p),
      );
      expect(percentileHausdorff(A, B, { percentile: p, surface: 'surfel' })).toBeCloseTo(expected, 12);
    }
  });

  it('empty masks: NaN when both are empty, Infinity / 0 when one is (as the voxel definition)', () => {
    const dims: Dims = [4, 4, 4];
    const empty = vol(new Uint8Array(64), dims);
    const some = vol(boxMask(dims, [1, 1, 1], [2, 2, 2]), dims);
    expect(hausdorff95(empty, empty, surfel)).toBeNaN();
    expect(normalizedSurfaceDice(empty, empty, { toleranceMm: 1, surface: 'surfel' })).toBeNaN();
    expect(assd(empty, empty, surfel)).toBeNaN();
    for (const [p, t] of [
      [empty, some],
      [some, empty],
    ]) {
      expect(hausdorff(p, t, surfel)).toBe(Infinity);
      expect(hausdorff95(p, t, surfel)).toBe(Infinity);
      expect(assd(p, t, surfel)).toBe(Infinity);
      expect(normalizedSurfaceDice(p, t, { toleranceMm: 100, surface: 'surfel' })).toBe(0);
    }
  });

  it('rejects an unknown surface definition with a typed error', () => {
    const m = vol(boxMask([4, 4, 4], [1, 1, 1], [2, 2, 2]), [4, 4, 4]);
    const bad = { surface: 'mesh' } as unknown as { surface: 'voxel' };
    expect(() => hausdorff95(m, m, bad)).toThrow(InvalidArgumentError);
    expect(() => evaluateCase(m, m, bad)).toThrow(/surface must be one of 'voxel', 'surfel'/);
    expect(() => evaluateSet([], bad)).toThrow(InvalidArgumentError);
  });

  it('evaluateCase and evaluateSet take the definition and report it', () => {
    const dims: Dims = [14, 14, 10];
    const s: Spacing = [0.8, 0.8, 2];
    const truth = vol(ballMask(dims, [7, 7, 5], 4), dims, s);
    const pred = vol(ballMask(dims, [8, 7, 5], 4.4), dims, s);
    const m = evaluateCase(pred, truth, { toleranceMm: 1.5, surface: 'surfel' });
    expect(m.nsd).toBe(normalizedSurfaceDice(pred, truth, { toleranceMm: 1.5, surface: 'surfel' }));
    expect(m.hausdorff95).toBe(hausdorff95(pred, truth, surfel));
    expect(m.assd).toBe(assd(pred, truth, surfel));
    expect(m.hausdorff).toBe(hausdorff(pred, truth, surfel));
    expect(m.nsd).not.toBe(evaluateCase(pred, truth, { toleranceMm: 1.5 }).nsd);
    expect(evaluateCase(pred, truth, { surface: true }).nsd).toBe(evaluateCase(pred, truth).nsd);
    expect(evaluateSet([{ name: 'a', prediction: pred, truth }], surfel).surface).toBe('surfel');
    expect(evaluateSet([{ name: 'a', prediction: pred, truth }]).surface).toBe('voxel');
    expect(evaluateSet([{ name: 'a', prediction: pred, truth }], { surface: false }).surface).toBeUndefined();
  });

  it('works on float masks (NaN is background) and label maps as on bytes', () => {
    const dims: Dims = [10, 9, 8];
    const a = ballMask(dims, [4, 4, 4], 3);
    const floats = createVolume({
      data: Float32Array.from(a, (x, i) => (x ? 2 : i % 7 === 0 ? Number.NaN : 0)),
      dims,
    });
    const bytes = vol(a, dims);
    const b = ballMask(dims, [5, 4, 4], 3);
    const other = vol(b, dims);
    const expected = normalizedSurfaceDice(bytes, other, { toleranceMm: 0.5, surface: 'surfel' });
    expect(expected).toBeGreaterThan(0);
    expect(normalizedSurfaceDice(floats, other, { toleranceMm: 0.5, surface: 'surfel' })).toBe(expected);
    const labels = createVolume({ data: Uint8Array.from(b, (x, i) => (x ? 3 : i % 2)), dims });
    expect(normalizedSurfaceDice(floats, labels, { toleranceMm: 0.5, surface: 'surfel', label: 2 })).toBe(0);
    const relabelled = createVolume({ data: Uint8Array.from(b, (x, i) => (x ? 2 : i % 2)), dims });
    expect(normalizedSurfaceDice(floats, relabelled, { toleranceMm: 0.5, surface: 'surfel', label: 2 })).toBe(
      expected,
    );
  });
});

describe('surfel properties (fast-check)', () => {
  it('match a brute-force reference: surfels, their areas and nearest-corner distances', () => {
    fc.assert(
      fc.property(pairArb, fc.double({ min: 0, max: 8, noNaN: true }), ({ dims, spacing, a, b }, tol) => {
        const table = surfelAreaTable(...spacing);
        const ref = bruteSurfels(a, b, dims, spacing, (c) => table[c]);
        const d = surfaceDistances(vol(a, dims, spacing), vol(b, dims, spacing), surfel);
        // Both list surfels in corner order (x fastest), so the arrays compare element by element.
        expect(Array.from(d.predictionToTruth)).toEqual(ref.pt.map((x) => expect.closeTo(x, 9)));
        expect(Array.from(d.truthToPrediction)).toEqual(ref.tp.map((x) => expect.closeTo(x, 9)));
        expect(Array.from(d.predictionAreas!)).toEqual(ref.ap);
        expect(Array.from(d.truthAreas!)).toEqual(ref.at);
        const within = (ds: number[], as: number[]) => ds.reduce((s, x, i) => s + (x <= tol ? as[i] : 0), 0);
        const nsd = (within(ref.pt, ref.ap) + within(ref.tp, ref.at)) / (sum(ref.ap) + sum(ref.at));
        expect(
          normalizedSurfaceDice(vol(a, dims, spacing), vol(b, dims, spacing), {
            toleranceMm: tol,
            surface: 'surfel',
          }),
        ).toBeCloseTo(nsd, 12);
      }),
      { numRuns: 150 },
    );
  });

  it('NSD symmetric and in [0, 1], non-decreasing in τ; 0 <= HD95 <= HD; identical masks give 0 and 1', () => {
    fc.assert(
      fc.property(
        pairArb,
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        ({ dims, spacing, a, b }, t1, t2) => {
          const A = vol(a, dims, spacing);
          const B = vol(b, dims, spacing);
          const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
          const nLo = normalizedSurfaceDice(A, B, { toleranceMm: lo, surface: 'surfel' });
          const nHi = normalizedSurfaceDice(A, B, { toleranceMm: hi, surface: 'surfel' });
          expect(normalizedSurfaceDice(B, A, { toleranceMm: lo, surface: 'surfel' })).toBeCloseTo(nLo, 12);
          expect(nLo).toBeGreaterThanOrEqual(0);
          expect(nHi).toBeLessThanOrEqual(1);
          expect(nLo).toBeLessThanOrEqual(nHi);
          const hd = hausdorff(A, B, surfel);
          const hd95 = hausdorff95(A, B, surfel);
          expect(hd95).toBeGreaterThanOrEqual(0);
          expect(hd95).toBeLessThanOrEqual(hd);
          expect(hausdorff95(B, A, surfel)).toBe(hd95);
          expect(assd(A, B, surfel)).toBeLessThanOrEqual(hd + 1e-12);
          expect(normalizedSurfaceDice(A, B, { toleranceMm: hd, surface: 'surfel' })).toBe(1);
          expect(hausdorff95(A, A, surfel)).toBe(0);
          expect(normalizedSurfaceDice(A, A, { toleranceMm: 0, surface: 'surfel' })).toBe(1);
        },
      ),
      { numRuns: 150 },
    );
  });
});
