import { Rng, ShapeMismatchError, createVolume } from '@raunet/core';
import type { Affine } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at, fromFunction, mapIndex, values } from './__fixtures__/helpers.js';
import { augmentPair } from './augment.js';

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
