import { Rng, ShapeMismatchError, createVolume, voxelToWorld } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at, fromFunction, lcg } from './__fixtures__/helpers.js';
import { extractPatch, samplePatches } from './patches.js';

const code = (i: number, j: number, k: number) => 1 + i + 10 * j + 100 * k;

describe('extractPatch', () => {
  it('matches a plain-loop reference for any origin, padding outside (property)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 })),
        fc.tuple(fc.integer({ min: -6, max: 7 }), fc.integer({ min: -6, max: 7 }), fc.integer({ min: -6, max: 5 })),
        fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })),
        (dims, origin, size) => {
          const v = fromFunction(dims, code, (n) => new Int16Array(n));
          const p = extractPatch(v, origin, size, { padValue: -7 });
          let o = 0;
          for (let k = 0; k < size[2]; k++)
            for (let j = 0; j < size[1]; j++)
              for (let i = 0; i < size[0]; i++, o++) {
                const [x, y, z] = [origin[0] + i, origin[1] + j, origin[2] + k];
                const inside = x >= 0 && y >= 0 && z >= 0 && x < dims[0] && y < dims[1] && z < dims[2];
                expect(p[o]).toBe(inside ? code(x, y, z) : -7);
              }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('samplePatches', () => {
  const dims: [number, number, number] = [20, 16, 10];
  const r = lcg(11);
  const image = fromFunction(dims, (i, j, k) => code(i, j, k) + r(), (n) => new Float32Array(n), [
    [1, 0, 0, -5],
    [0, 1, 0, 3],
    [0, 0, 2, 0],
    [0, 0, 0, 1],
  ]);
  // a small foreground blob near a corner
  const label = fromFunction(dims, (i, j, k) => (i >= 15 && j <= 2 && k >= 7 ? 1 : 0), (n) => new Uint8Array(n));

  it('cuts image and label together, with the requested share of foreground patches', () => {
    const pairs = samplePatches(image, label, { count: 10, size: [8, 6, 4], foregroundFraction: 0.3, rng: new Rng(5) });
    expect(pairs).toHaveLength(10);
    expect(pairs.filter((p) => p.foreground)).toHaveLength(3);
    for (const p of pairs) {
      expect(p.image.dims).toEqual([8, 6, 4]);
      expect(p.label.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(p.image.data)).toEqual(Array.from(extractPatch(image, p.origin, [8, 6, 4])));
      expect(Array.from(p.label.data)).toEqual(Array.from(extractPatch(label, p.origin, [8, 6, 4])));
      expect(voxelToWorld(p.image.affine, [0, 0, 0])).toEqual(voxelToWorld(image.affine, p.origin));
      for (let a = 0; a < 3; a++) expect(p.origin[a] >= 0 && p.origin[a] + [8, 6, 4][a] <= dims[a]).toBe(true);
      if (p.foreground) expect(p.label.data.some((x) => x !== 0)).toBe(true);
    }
  });

  it('is deterministic given the rng state', () => {
    const a = samplePatches(image, label, { count: 5, size: [4, 4, 4], rng: new Rng(2) });
    const b = samplePatches(image, label, { count: 5, size: [4, 4, 4], rng: new Rng(2) });
    expect(a.map((p) => p.origin)).toEqual(b.map((p) => p.origin));
  });

  it('pads with the image minimum and label 0 when the volume is smaller than the patch', () => {
    const small = createVolume({ data: Float32Array.from([5, 6, 7, 8]), dims: [2, 2, 1] });
    const lab = createVolume({ data: Uint8Array.from([0, 1, 0, 0]), dims: [2, 2, 1] });
    const [p] = samplePatches(small, lab, { count: 1, size: [4, 4, 2], foregroundFraction: 1, rng: new Rng(1) });
    expect(p.foreground).toBe(true);
    expect(p.origin.every((x) => x <= 0)).toBe(true);
    const values = Array.from(p.image.data);
    expect(values.filter((x) => x === 5).length).toBe(4 * 4 * 2 - 3); // 3 real voxels above the minimum
    expect(values.filter((x) => x > 5).sort()).toEqual([6, 7, 8]);
    expect(Array.from(p.label.data).filter((x) => x === 1)).toHaveLength(1);
    expect(at(p.label, 1 - p.origin[0], 0 - p.origin[1], 0 - p.origin[2])).toBe(1);
  });

  it('rejects mismatched image and label, and labels that do not fit Uint8', () => {
    const big = createVolume({ data: Uint16Array.from([0, 512, 1, 0]), dims: [2, 2, 1] });
    expect(() => samplePatches(createVolume({ data: new Float32Array(4), dims: [2, 2, 1] }), big, { count: 1, size: [2, 2, 1], rng: new Rng(1) })).toThrow(/integers in 0\.\.255/);
    expect(() => samplePatches(image, createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] }), { count: 1, size: [2, 2, 2], rng: new Rng(1) })).toThrow(ShapeMismatchError);
  });
});
