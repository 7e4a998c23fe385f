import { ShapeMismatchError, createVolume, orientationCodes, voxelToWorld } from '@raunet/core';
import type { Affine } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at, fromFunction, mapIndex, values } from './__fixtures__/helpers.js';
import { reorientToRAS, undoReorient } from './reorient.js';

/** An affine whose voxel axis c points along world axis perm[c] with sign signs[c]. */
function axisAffine(perm: number[], signs: number[], spacing: number[], origin: number[]): Affine {
  const a = [
    [0, 0, 0, origin[0]],
    [0, 0, 0, origin[1]],
    [0, 0, 0, origin[2]],
    [0, 0, 0, 1],
  ];
  for (let c = 0; c < 3; c++) a[perm[c]][c] = signs[c] * spacing[c];
  return a;
}

describe('reorientToRAS', () => {
  it('flips an LPS volume to RAS (hand example) and keeps world positions', () => {
    const affine = axisAffine([0, 1, 2], [-1, -1, 1], [0.5, 0.7, 2], [10, 20, -30]);
    const v = fromFunction([2, 3, 4], (i, j, k) => i + 10 * j + 100 * k, (n) => new Int16Array(n), affine);
    const { volume, orientation } = reorientToRAS(v);
    expect(orientation.fromCodes).toEqual(['L', 'P', 'S']);
    expect(orientationCodes(volume.affine)).toEqual(['R', 'A', 'S']);
    expect(volume.dims).toEqual([2, 3, 4]);
    expect(volume.data).toBeInstanceOf(Int16Array);
    for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) expect(at(volume, i, j, k)).toBe(1 - i + 10 * (2 - j) + 100 * k);
    expect(voxelToWorld(volume.affine, [0, 0, 0])).toEqual(voxelToWorld(affine, [1, 2, 0]));
  });

  it('permutes a PIR volume and swaps the spacing', () => {
    // voxel x -> posterior, y -> inferior, z -> right
    const affine = axisAffine([1, 2, 0], [-1, -1, 1], [2, 3, 4], [0, 0, 0]);
    const v = fromFunction([3, 4, 5], (i, j, k) => i + 10 * j + 100 * k, (n) => new Uint16Array(n), affine);
    const { volume } = reorientToRAS(v);
    expect(volume.dims).toEqual([5, 3, 4]);
    expect(volume.spacing).toEqual([4, 2, 3]);
    expect(orientationCodes(volume.affine)).toEqual(['R', 'A', 'S']);
  });

  it('keeps every voxel at its world position and undo is the identity (property over all 48 axis layouts)', () => {
    const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    fc.assert(
      fc.property(
        fc.constantFrom(...perms),
        fc.tuple(fc.constantFrom(-1, 1), fc.constantFrom(-1, 1), fc.constantFrom(-1, 1)),
        fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
        fc.tuple(fc.double({ min: 0.3, max: 5, noNaN: true }), fc.double({ min: 0.3, max: 5, noNaN: true }), fc.double({ min: 0.3, max: 5, noNaN: true })),
        (perm, signs, dims, spacing) => {
          const affine = axisAffine(perm, signs, spacing, [-7, 3, 11]);
          const v = fromFunction(dims, (i, j, k) => i + 7 * j + 49 * k, (n) => new Float32Array(n), affine);
          const { volume, orientation } = reorientToRAS(v);
          expect(orientationCodes(volume.affine)).toEqual(['R', 'A', 'S']);
          const [nx, ny, nz] = volume.dims;
          for (let k = 0; k < nz; k++)
            for (let j = 0; j < ny; j++)
              for (let i = 0; i < nx; i++) {
                const src = mapIndex(volume.affine, v.affine, [i, j, k]).map((x) => Math.round(x));
                expect(at(volume, i, j, k)).toBe(at(v, src[0], src[1], src[2]));
              }
          const back = undoReorient(volume, orientation);
          expect(back.dims).toEqual(v.dims);
          expect(back.affine).toEqual(v.affine);
          expect(values(back)).toEqual(values(v));
          for (let a = 0; a < 3; a++) expect(back.spacing[a]).toBeCloseTo(v.spacing[a], 12);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('does not mutate its input and rejects a wrong grid in undo', () => {
    const v = createVolume({ data: Int16Array.from([1, 2, 3, 4, 5, 6]), dims: [3, 2, 1], affine: axisAffine([0, 1, 2], [-1, 1, 1], [1, 1, 1], [0, 0, 0]) });
    const { volume, orientation } = reorientToRAS(v);
    expect(values(v)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(values(volume)).toEqual([3, 2, 1, 6, 5, 4]);
    expect(() => undoReorient(createVolume({ data: new Int16Array(6), dims: [2, 3, 1] }), orientation)).toThrow(ShapeMismatchError);
  });
});
