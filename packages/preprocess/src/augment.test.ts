import { InvalidArgumentError, Rng, ShapeMismatchError, createVolume } from '@raunet/core';
import type { Affine, Volume } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at, fromFunction, lcg, mapIndex, values } from './__fixtures__/helpers.js';
import { augmentPair, augmentPatch } from './augment.js';
import { extractPatch } from './patches.js';

const affine: Affine = [
  [-0.7, 0, 0, 10],
  [0, -0.9, 0, 20],
  [0, 0, 2.5, -5],
  [0, 0, 0, 1],
];
const code = (i: number, j: number, k: number) => 1 + i + 10 * j + 100 * k;
const noIntensity = { scaleProbability: 0, shiftProbability: 0, noiseProbability: 0 };

describe('augmentPair', () => {
  it('flips and rotates image and label identically, keeping every voxel at its world position (property)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 })),
        fc.integer({ min: 0, max: 10_000 }),
        fc.boolean(),
        (dims, seed, allowShapeChange) => {
          const image = fromFunction(dims, code, (n) => new Int16Array(n), affine);
          const label = fromFunction(dims, (i, j, k) => (i + j + k) % 3, (n) => new Uint8Array(n), affine);
          const { image: im, label: lb, applied } = augmentPair(image, label, { ...noIntensity, flipProbability: 0.5, rotateProbability: 0.8, allowShapeChange }, new Rng(seed));
          expect(im.data).toBeInstanceOf(Float32Array);
          expect(lb.data).toBeInstanceOf(Uint8Array);
          expect(im.affine).toEqual(lb.affine);
          if (!allowShapeChange || dims[0] === dims[1]) expect(im.dims).toEqual(dims);
          if (applied.quarterTurns % 2 === 1) {
            expect(im.dims).toEqual([dims[1], dims[0], dims[2]]);
            expect(im.spacing[0]).toBeCloseTo(0.9, 12);
            expect(im.spacing[1]).toBeCloseTo(0.7, 12);
          }
          const [nx, ny, nz] = im.dims;
          for (let k = 0; k < nz; k++)
            for (let j = 0; j < ny; j++)
              for (let i = 0; i < nx; i++) {
                const s = mapIndex(im.affine, affine, [i, j, k]).map((x) => Math.round(x));
                expect(at(im, i, j, k)).toBe(at(image, s[0], s[1], s[2]));
                expect(at(lb, i, j, k)).toBe(at(label, s[0], s[1], s[2]));
              }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('a quarter turn is a counter-clockwise rotation in the x-y plane (hand example)', () => {
    // 2x3 slice: x fastest
    const image = createVolume({ data: Float32Array.from([1, 2, 3, 4, 5, 6]), dims: [2, 3, 1] });
    const label = createVolume({ data: new Uint8Array(6), dims: [2, 3, 1] });
    for (let seed = 0; seed < 200; seed++) {
      const r = augmentPair(image, label, { ...noIntensity, flipProbability: 0, rotateProbability: 1, allowShapeChange: true }, new Rng(seed));
      if (r.applied.quarterTurns !== 1) continue;
      // out(i', j') = in(x = nx-1-j', y = i'): rows of the output are the input's columns reversed
      expect(r.image.dims).toEqual([3, 2, 1]);
      expect(Array.from(r.image.data)).toEqual([2, 4, 6, 1, 3, 5]);
      return;
    }
    throw new Error('no quarter turn drawn');
  });

  it('applies intensity scale and shift to the image only, and nothing at probability 0', () => {
    const image = fromFunction([4, 4, 2], code, (n) => new Float32Array(n), affine);
    const label = fromFunction([4, 4, 2], (i) => i % 2, (n) => new Uint8Array(n), affine);
    const none = augmentPair(image, label, { ...noIntensity, flipProbability: 0, rotateProbability: 0 }, new Rng(3));
    expect(values(none.image)).toEqual(values(image));
    expect(values(none.label)).toEqual(values(label));
    expect(none.image.affine).toEqual(affine);
    const r = augmentPair(image, label, { flipProbability: 0, rotateProbability: 0, scaleProbability: 1, shiftProbability: 1, noiseProbability: 0, scaleRange: [2, 2], shiftRange: [-1, -1] }, new Rng(3));
    expect(values(r.image)).toEqual(values(image).map((x) => 2 * x - 1));
    expect(values(r.label)).toEqual(values(label));
    const n = augmentPair(image, label, { flipProbability: 0, rotateProbability: 0, scaleProbability: 0, shiftProbability: 0, noiseProbability: 1, noiseStdRange: [0.5, 0.5] }, new Rng(3));
    const diff = values(n.image).map((x, i) => x - image.data[i]);
    const mean = diff.reduce((a, b) => a + b) / diff.length;
    const std = Math.sqrt(diff.reduce((a, b) => a + (b - mean) ** 2, 0) / diff.length);
    expect(std).toBeGreaterThan(0.3);
    expect(std).toBeLessThan(0.7);
    expect(n.applied.noiseStd).toBe(0.5);
  });

  it('is deterministic given the rng and rejects mismatched pairs', () => {
    const image = fromFunction([6, 6, 3], code, (n) => new Float32Array(n), affine);
    const label = fromFunction([6, 6, 3], (i) => i % 2, (n) => new Uint8Array(n), affine);
    const opts = { scaleProbability: 1, shiftProbability: 1, noiseProbability: 1 };
    const a = augmentPair(image, label, opts, new Rng(42));
    const b = augmentPair(image, label, opts, new Rng(42));
    expect(values(a.image)).toEqual(values(b.image));
    expect(a.applied).toEqual(b.applied);
    expect(() => augmentPair(image, createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] }), {}, new Rng(1))).toThrow(ShapeMismatchError);
  });
});

// Everything new is off: the first release's transforms only, at their own settings.
const newOff = { rotationProbability: 0, zoomProbability: 0, blurProbability: 0, contrastProbability: 0, gammaProbability: 0 };
const allOff = { ...noIntensity, flipProbability: 0, rotateProbability: 0 };

/** FNV-1a of the bytes of a typed array (independent of the code under test). */
function fnv(a: ArrayBufferView): number {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** A 2D (nz = 1) label disk of `radius` mm centred at (cx, cy) voxels, on a grid of spacing (sx, sy). */
function disk(n: number, cx: number, cy: number, radius: number, spacing: [number, number] = [1, 1]) {
  const affine: Affine = [
    [spacing[0], 0, 0, 0],
    [0, spacing[1], 0, 0],
    [0, 0, 3, 0],
    [0, 0, 0, 1],
  ];
  const inside = (i: number, j: number) => (((i - cx) * spacing[0]) ** 2 + ((j - cy) * spacing[1]) ** 2 <= radius * radius ? 1 : 0);
  return {
    image: fromFunction([n, n, 1], inside, (m) => new Float32Array(m), affine),
    label: fromFunction([n, n, 1], inside, (m) => new Uint8Array(m), affine),
  };
}

function maskStats(v: { dims: readonly number[]; data: ArrayLike<number | bigint> }) {
  let area = 0;
  let sx = 0;
  let sy = 0;
  for (let j = 0; j < v.dims[1]; j++)
    for (let i = 0; i < v.dims[0]; i++)
      if (Number(v.data[i + v.dims[0] * j]) > 0) {
        area++;
        sx += i;
        sy += j;
      }
  return { area, cx: sx / area, cy: sy / area };
}

describe('augmentPair: rotation, zoom, blur, contrast, gamma', () => {
  // Computed with the first release of augmentPair (before these transforms existed): seed, FNV-1a of the
  // image and label bytes, rng state after the call, flips, quarter turns, scale, shift, noise std.
  const golden: [number, number, number, number, boolean[], number, number, number, number][] = [
    [0, 2673873138, 2258601536, 1958658902, [true, true, false], 0, 0.9602005847729743, -0.0067230703309178325, 0],
    [1, 598741314, 2258601536, 2590494571, [true, true, false], 0, 1, 0, 0],
    [2, 3502256399, 1432272216, 615893767, [false, false, false], 0, 1, 0, 0.03518277327530086],
    [3, 4271317381, 3602858492, 1958658903, [false, true, true], 2, 1, -0.037049316661432394, 0],
    [4, 3791975466, 2653568232, 127093093, [true, true, true], 2, 1, 0, 0],
    [5, 1559742097, 2570057388, 127093092, [true, false, false], 0, 1.0214624368119987, 0, 0],
    [6, 431988472, 844363992, 3790224721, [false, true, true], 1, 1.0984733517747374, 0.0864827461540699, 0],
    [7, 1915312974, 1864306120, 3790224720, [false, true, false], 1, 1.0752577542327346, -0.0420464534778148, 0],
    [8, 466130126, 3991800372, 2590494564, [false, true, true], 0, 1, 0, 0],
    [9, 466130126, 3991800372, 2590494563, [false, true, true], 0, 1, 0, 0],
    [10, 830107230, 3176696612, 1958658896, [false, true, false], 0, 0.9376501631457359, -0.04202681337483227, 0],
    [11, 4147520718, 3176696612, 127093082, [true, false, false], 2, 1, 0, 0],
  ];

  it('gives the first release\'s samples and rng stream with the default options, and with the new probabilities at 0', () => {
    const r = lcg(11);
    const dims: [number, number, number] = [7, 7, 3];
    const image = createVolume({ data: Float32Array.from({ length: 147 }, () => r()), dims, spacing: [0.8, 0.8, 2] });
    const label = createVolume({ data: Uint8Array.from({ length: 147 }, () => (r() < 0.3 ? 1 : 0)), dims, spacing: [0.8, 0.8, 2] });
    const odd = { ...newOff, rotationRangeDeg: [-180, 180] as const, zoomRange: [0.5, 2] as const, gammaRange: [0.5, 2] as const, padValue: -3 };
    for (const options of [{}, odd]) {
      for (const [seed, imageHash, labelHash, state, flips, quarterTurns, scale, shift, noiseStd] of golden) {
        const rng = new Rng(seed);
        const a = augmentPair(image, label, options, rng);
        expect([fnv(a.image.data), fnv(a.label.data), rng.state]).toEqual([imageHash, labelHash, state]);
        expect(a.applied).toEqual({ flips, quarterTurns, scale, shift, noiseStd, rotationDeg: 0, zoom: 1, zoomZ: 1, blurSigma: 0, contrast: 1, gamma: 1 });
      }
    }
  });

  it('a rotation by 90°, 180° or -90° through the resampling path equals the exact quarter turns', () => {
    const iso: Affine = [
      [-0.7, 0, 0, 10],
      [0, -0.7, 0, 20],
      [0, 0, 2.5, -5],
      [0, 0, 0, 1],
    ];
    const image = fromFunction([8, 8, 3], code, (n) => new Int16Array(n), iso);
    const label = fromFunction([8, 8, 3], (i, j, k) => (i * j + k) % 4, (n) => new Uint8Array(n), iso);
    const found = new Set<number>();
    for (let seed = 0; seed < 60 && found.size < 3; seed++) {
      const exact = augmentPair(image, label, { ...allOff, rotateProbability: 1 }, new Rng(seed));
      const q = exact.applied.quarterTurns;
      if (found.has(q)) continue;
      found.add(q);
      const angle = [0, 90, 180, -90][q];
      const r = augmentPair(image, label, { ...allOff, rotationProbability: 1, rotationRangeDeg: [angle, angle] }, new Rng(seed));
      expect(r.applied.rotationDeg).toBe(angle);
      expect(r.applied.quarterTurns).toBe(0);
      expect(values(r.image)).toEqual(values(exact.image));
      expect(values(r.label)).toEqual(values(exact.label));
      expect(r.label.data).toBeInstanceOf(Uint8Array);
      for (let row = 0; row < 4; row++) for (let c = 0; c < 4; c++) expect(r.image.affine[row][c]).toBeCloseTo(exact.image.affine[row][c], 9);
      r.image.spacing.forEach((s, a) => expect(s).toBeCloseTo(exact.image.spacing[a], 9));
    }
    expect(found.size).toBe(3);
  });

  it('a rotation by 360° and zoom 1 is the identity (resampling path, exact at voxel centres)', () => {
    const image = fromFunction([9, 6, 4], code, (n) => new Float32Array(n), affine);
    const label = fromFunction([9, 6, 4], (i, j) => (i + j) % 3, (n) => new Uint8Array(n), affine);
    const r = augmentPair(image, label, { ...allOff, rotationProbability: 1, rotationRangeDeg: [360, 360], zoomProbability: 1, zoomRange: [1, 1] }, new Rng(1));
    expect(r.applied.rotationDeg).toBe(360);
    expect(values(r.image)).toEqual(values(image));
    expect(values(r.label)).toEqual(values(label));
    expect(r.image.dims).toEqual([9, 6, 4]);
  });

  it('rotates and zooms linear images exactly where the source is covered, keeping every voxel at its world position', () => {
    // trilinear interpolation reproduces a linear function exactly; where it samples is read from the affine
    const f = (x: number, y: number, z: number) => 2 * x - 3 * y + 5 * z;
    const image = fromFunction([20, 16, 5], f, (n) => new Float32Array(n), affine);
    const label = fromFunction([20, 16, 5], () => 1, (n) => new Uint8Array(n), affine);
    const r = augmentPair(image, label, { ...allOff, rotationProbability: 1, rotationRangeDeg: [30, 30], zoomProbability: 1, zoomRange: [1.3, 1.3], zoomAlongZ: true, padValue: -99 }, new Rng(2));
    expect(r.applied).toMatchObject({ rotationDeg: 30, zoom: 1.3, zoomZ: 1.3 });
    expect(r.image.dims).toEqual([20, 16, 5]);
    r.image.spacing.forEach((s, a) => expect(s).toBeCloseTo([0.7, 0.9, 2.5][a] / 1.3, 9));
    let checked = 0;
    let padded = 0;
    for (let k = 0; k < 5; k++)
      for (let j = 0; j < 16; j++)
        for (let i = 0; i < 20; i++) {
          const s = mapIndex(r.image.affine, affine, [i, j, k]);
          const inside = s[0] >= 0 && s[0] <= 19 && s[1] >= 0 && s[1] <= 15 && s[2] >= 0 && s[2] <= 4;
          const outside = s[0] < -0.5 || s[0] > 19.5 || s[1] < -0.5 || s[1] > 15.5 || s[2] < -0.5 || s[2] > 4.5;
          if (inside) {
            expect(at(r.image, i, j, k)).toBeCloseTo(f(s[0], s[1], s[2]), 3);
            expect(at(r.label, i, j, k)).toBe(1);
            checked++;
          } else if (outside) {
            expect(at(r.image, i, j, k)).toBe(-99);
            expect(at(r.label, i, j, k)).toBe(0);
            padded++;
          }
        }
    expect(checked).toBeGreaterThan(500);
    expect(padded).toBeGreaterThan(0);
    // in mm the rotation is by 30° about z: the in-plane columns of the affine turn by 30° (up to the axis signs)
    const cosine = (r.image.affine[0][0] * affine[0][0] + r.image.affine[1][0] * affine[1][0]) / ((0.7 / 1.3) * 0.7);
    expect(cosine).toBeCloseTo(Math.cos(Math.PI / 6), 9);
  });

  it('a rotated label disk stays a disk of the same area, turned about the patch centre (2D, nz = 1)', () => {
    const n = 161;
    const c = 80;
    const { image, label } = disk(n, c + 40, c, 20);
    const before = maskStats(label);
    for (const angle of [37, -115]) {
      const r = augmentPair(image, label, { ...allOff, rotationProbability: 1, rotationRangeDeg: [angle, angle] }, new Rng(3));
      expect(r.image.dims).toEqual([n, n, 1]);
      const after = maskStats(r.label);
      expect(Math.abs(after.area / before.area - 1)).toBeLessThan(0.02);
      // the sampling grid turns by +angle, so the content turns by -angle in the array
      const t = (-angle * Math.PI) / 180;
      expect(after.cx).toBeCloseTo(c + 40 * Math.cos(t), 0);
      expect(after.cy).toBeCloseTo(c + 40 * Math.sin(t), 0);
      const img = maskStats({ dims: r.image.dims, data: Array.from(r.image.data, (x) => (x >= 0.5 ? 1 : 0)) });
      expect(Math.abs(img.area / before.area - 1)).toBeLessThan(0.02);
    }
  });

  it('rotates in mm when the x and y spacings differ, and zoom scales areas by zoom²', () => {
    // a disk of 25 mm radius on 0.5 x 1 mm voxels is an ellipse in voxels; turned in mm it maps onto itself
    const { image, label } = disk(121, 60, 60, 25, [0.5, 1]);
    const before = maskStats(label);
    const r = augmentPair(image, label, { ...allOff, rotationProbability: 1, rotationRangeDeg: [50, 50] }, new Rng(4));
    let same = 0;
    for (let i = 0; i < label.data.length; i++) if (r.label.data[i] === label.data[i] && label.data[i] === 1) same++;
    expect((2 * same) / (before.area + maskStats(r.label).area)).toBeGreaterThan(0.97);
    const z = augmentPair(image, label, { ...allOff, zoomProbability: 1, zoomRange: [1.25, 1.25] }, new Rng(4));
    expect(Math.abs(maskStats(z.label).area / (before.area * 1.25 ** 2) - 1)).toBeLessThan(0.02);
    expect(z.label.spacing[0]).toBeCloseTo(0.4, 12);
    expect(z.label.spacing[1]).toBeCloseTo(0.8, 12);
    expect(z.label.spacing[2]).toBeCloseTo(3, 12);
  });

  it('pads with the image minimum by default, and with padValue and label 0 when given; z is untouched for nz = 1', () => {
    const image = fromFunction([16, 16, 1], (i, j) => 10 + i + j, (n) => new Float32Array(n));
    const label = fromFunction([16, 16, 1], () => 2, (n) => new Uint8Array(n));
    const out = augmentPair(image, label, { ...allOff, zoomProbability: 1, zoomRange: [0.5, 0.5], zoomAlongZ: true }, new Rng(1));
    expect(out.applied.zoomZ).toBe(0.5);
    expect(out.image.dims).toEqual([16, 16, 1]);
    expect(at(out.image, 0, 0, 0)).toBe(10);
    expect(at(out.label, 0, 0, 0)).toBe(0);
    // the centre keeps its value; z stays at the one slice
    expect(at(out.label, 8, 8, 0)).toBe(2);
    const given = augmentPair(image, label, { ...allOff, zoomProbability: 1, zoomRange: [0.5, 0.5], padValue: -7 }, new Rng(1));
    expect(at(given.image, 0, 15, 0)).toBe(-7);
  });

  it('gamma follows the nnU-Net formula, keeps min, max and order, and gamma 1 is the identity', () => {
    const r = lcg(5);
    const image = fromFunction([10, 8, 2], () => r() * 4 - 1, (n) => new Float32Array(n));
    const label = fromFunction([10, 8, 2], () => 0, (n) => new Uint8Array(n));
    const x = values(image);
    const lo = Math.min(...x);
    const hi = Math.max(...x);
    const g = augmentPair(image, label, { ...allOff, gammaProbability: 1, gammaRange: [2, 2] }, new Rng(1));
    expect(g.applied.gamma).toBe(2);
    values(g.image).forEach((y, i) => expect(y).toBeCloseTo(lo + (hi - lo) * ((x[i] - lo) / (hi - lo)) ** 2, 5));
    const one = augmentPair(image, label, { ...allOff, gammaProbability: 1, gammaRange: [1, 1] }, new Rng(1));
    expect(values(one.image)).toEqual(x);
    const s = augmentPair(image, label, { ...allOff, gammaProbability: 1 }, new Rng(9));
    const y = values(s.image);
    expect(Math.min(...y)).toBeCloseTo(lo, 5);
    expect(Math.max(...y)).toBeCloseTo(hi, 5);
    const order = (v: number[]) => v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
    expect(order(y)).toEqual(order(x));
  });

  it('contrast scales about the mean within the previous range; blur is an in-plane normalized Gaussian', () => {
    const r = lcg(6);
    const image = fromFunction([10, 8, 2], () => r(), (n) => new Float32Array(n));
    const label = fromFunction([10, 8, 2], () => 0, (n) => new Uint8Array(n));
    const x = values(image);
    const m = x.reduce((a, b) => a + b) / x.length;
    const lo = Math.min(...x);
    const hi = Math.max(...x);
    const c = augmentPair(image, label, { ...allOff, contrastProbability: 1, contrastRange: [2, 2] }, new Rng(1));
    values(c.image).forEach((y, i) => expect(y).toBeCloseTo(Math.min(hi, Math.max(lo, m + 2 * (x[i] - m))), 5));
    // an impulse in slice 1 of 15 x 15 x 3: blurred in-plane into g(dx)·g(dy), nothing leaks along z
    const impulse = fromFunction([15, 15, 3], (i, j, k) => (i === 7 && j === 7 && k === 1 ? 1 : 0), (n) => new Float32Array(n));
    const b = augmentPair(impulse, createVolume({ data: new Uint8Array(675), dims: [15, 15, 3] }), { ...allOff, blurProbability: 1, blurSigmaRange: [1.2, 1.2] }, new Rng(1));
    expect(b.applied.blurSigma).toBe(1.2);
    const g = (t: number) => Math.exp(-(t * t) / (2 * 1.2 * 1.2));
    let norm = 0;
    for (let t = -4; t <= 4; t++) norm += g(t);
    let total = 0;
    for (let j = 0; j < 15; j++)
      for (let i = 0; i < 15; i++) {
        expect(at(b.image, i, j, 0)).toBe(0);
        expect(at(b.image, i, j, 2)).toBe(0);
        const v = at(b.image, i, j, 1);
        total += v;
        if (Math.abs(i - 7) <= 4 && Math.abs(j - 7) <= 4) expect(v).toBeCloseTo((g(i - 7) * g(j - 7)) / norm ** 2, 6);
        else expect(v).toBe(0);
      }
    expect(total).toBeCloseTo(1, 6);
  });

  it('records draws within their ranges, zooms in and out about equally often, and never modifies its inputs', () => {
    const image = fromFunction([12, 12, 3], code, (n) => new Float32Array(n), affine);
    const label = fromFunction([12, 12, 3], (i) => i % 2, (n) => new Uint8Array(n), affine);
    const imageCopy = image.data.slice();
    const labelCopy = label.data.slice();
    const affineCopy = structuredClone(image.affine);
    const options = { rotationProbability: 1, rotationRangeDeg: [-20, 40] as const, zoomProbability: 1, blurProbability: 0.5, contrastProbability: 0.5, gammaProbability: 0.5, noiseProbability: 0.5 };
    let below = 0;
    const rng = new Rng(8);
    for (let s = 0; s < 200; s++) {
      const { applied } = augmentPair(image, label, options, rng);
      expect(applied.rotationDeg).toBeGreaterThanOrEqual(-20);
      expect(applied.rotationDeg).toBeLessThan(40);
      expect(applied.zoom).toBeGreaterThanOrEqual(0.7);
      expect(applied.zoom).toBeLessThanOrEqual(1.4);
      expect(applied.zoomZ).toBe(1);
      expect(applied.gamma === 1 || (applied.gamma >= 0.7 && applied.gamma <= 1.5)).toBe(true);
      expect(applied.blurSigma === 0 || (applied.blurSigma >= 0.5 && applied.blurSigma <= 1)).toBe(true);
      if (applied.zoom < 1) below++;
    }
    expect(below).toBeGreaterThan(70);
    expect(below).toBeLessThan(130);
    expect(image.data).toEqual(imageCopy);
    expect(label.data).toEqual(labelCopy);
    expect(image.affine).toEqual(affineCopy);
  });

  it('rejects bad ranges and probabilities', () => {
    const image = fromFunction([4, 4, 1], code, (n) => new Float32Array(n));
    const label = fromFunction([4, 4, 1], () => 0, (n) => new Uint8Array(n));
    expect(() => augmentPair(image, label, { zoomRange: [0, 1] }, new Rng(1))).toThrow(InvalidArgumentError);
    expect(() => augmentPair(image, label, { gammaRange: [-1, 2] }, new Rng(1))).toThrow(/gammaRange/);
    expect(() => augmentPair(image, label, { rotationProbability: 2 }, new Rng(1))).toThrow(/rotationProbability/);
    expect(() => augmentPair(image, label, { blurSigmaRange: [1, 0.5] }, new Rng(1))).toThrow(/blurSigmaRange/);
  });
});

describe('augmentPatch', () => {
  const f = (i: number, j: number, k: number) => 100 + i + 2 * j + 50 * k;

  it('without transforms cuts the patch exactly, padding outside the volume with its minimum and label 0', () => {
    const image = fromFunction([12, 10, 3], f, (n) => new Int16Array(n), affine);
    const label = fromFunction([12, 10, 3], (i, j) => (i + j) % 3, (n) => new Uint16Array(n), affine);
    const r = augmentPatch(image, label, [-2, 4, 1], [6, 8, 3], allOff, new Rng(1));
    expect(r.image.dims).toEqual([6, 8, 3]);
    expect(r.label.data).toBeInstanceOf(Uint16Array);
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 8; j++)
        for (let i = 0; i < 6; i++) {
          const [x, y, z] = [i - 2, j + 4, k + 1];
          const inside = x >= 0 && y < 10 && z < 3;
          expect(at(r.image, i, j, k)).toBe(inside ? f(x, y, z) : 100);
          expect(at(r.label, i, j, k)).toBe(inside ? (x + y) % 3 : 0);
          const s = mapIndex(r.image.affine, affine, [i, j, k]);
          expect(s[0]).toBeCloseTo(x, 9);
          expect(s[1]).toBeCloseTo(y, 9);
          expect(s[2]).toBeCloseTo(z, 9);
        }
  });

  it('equals augmentPair on the cut patch (same draws), but reads the corners from the volume instead of padding', () => {
    const image = fromFunction([64, 64, 1], (i, j) => Math.sin(i / 5) + Math.cos(j / 7), (n) => new Float32Array(n));
    const label = fromFunction([64, 64, 1], (i, j) => ((i - 32) ** 2 + (j - 30) ** 2 < 100 ? 1 : 0), (n) => new Uint8Array(n));
    const origin: [number, number, number] = [16, 16, 0];
    const size: [number, number, number] = [32, 32, 1];
    const cut = (v: Volume) => createVolume({ data: extractPatch(v, origin, size), dims: size });
    const options = { rotationProbability: 1, rotationRangeDeg: [-180, 180] as const, zoomProbability: 1, noiseProbability: 0, padValue: -1000 };
    let paddedTotal = 0;
    for (let seed = 0; seed < 5; seed++) {
      const a = new Rng(seed);
      const b = new Rng(seed);
      const whole = augmentPatch(image, label, origin, size, options, a);
      const cropped = augmentPair(cut(image), cut(label), options, b);
      expect(whole.applied).toEqual(cropped.applied);
      expect(a.state).toBe(b.state);
      let padded = 0;
      for (let j = 0; j < 32; j++)
        for (let i = 0; i < 32; i++) {
          const o = i + 32 * j;
          expect(whole.image.data[o]).not.toBe(-1000);
          if (cropped.image.data[o] === -1000) padded++;
          // inside the cut patch (not in its half-voxel rim, where augmentPair repeats the edge) both agree
          const s = mapIndex(cropped.image.affine, cut(image).affine, [i, j, 0]);
          if (s[0] >= 0 && s[0] <= 31 && s[1] >= 0 && s[1] <= 31) {
            expect(whole.image.data[o]).toBeCloseTo(cropped.image.data[o], 4);
            expect(whole.label.data[o]).toBe(cropped.label.data[o]);
          }
        }
      paddedTotal += padded;
    }
    expect(paddedTotal).toBeGreaterThan(100);
  });

  it('rejects a bad origin or size and mismatched pairs', () => {
    const image = fromFunction([4, 4, 2], code, (n) => new Float32Array(n));
    const label = fromFunction([4, 4, 2], () => 0, (n) => new Uint8Array(n));
    expect(() => augmentPatch(image, label, [0.5, 0, 0], [2, 2, 2], {}, new Rng(1))).toThrow(InvalidArgumentError);
    expect(() => augmentPatch(image, label, [0, 0, 0], [2, 0, 2], {}, new Rng(1))).toThrow(/size/);
    expect(() => augmentPatch(image, fromFunction([4, 4, 1], () => 0, (n) => new Uint8Array(n)), [0, 0, 0], [2, 2, 1], {}, new Rng(1))).toThrow(ShapeMismatchError);
  });
});
