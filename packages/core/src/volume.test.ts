import { describe, expect, it } from 'vitest';
import {
  affineFromSpacing,
  assertSameGrid,
  createVolume,
  invertAffine,
  multiplyAffine,
  orientationCodes,
  sameGrid,
  spacingFromAffine,
  voxelToWorld,
} from './volume.js';
import { InvalidArgumentError, RaunetError, ShapeMismatchError } from './errors.js';

describe('createVolume', () => {
  it('fills spacing and a diagonal affine', () => {
    const v = createVolume({ data: new Int16Array(24), dims: [2, 3, 4], spacing: [0.5, 0.5, 2] });
    expect(v.spacing).toEqual([0.5, 0.5, 2]);
    expect(v.affine).toEqual(affineFromSpacing([0.5, 0.5, 2]));
    expect(structuredClone(v)).toEqual(v);
  });
  it('rejects data of the wrong length with a typed error naming both sizes', () => {
    const call = () => createVolume({ data: new Float32Array(5), dims: [2, 3] });
    expect(call).toThrow(ShapeMismatchError);
    expect(call).toThrow(/5 values.*need 6/);
  });
  it('rejects bad dims, spacing and affine', () => {
    expect(() => createVolume({ data: new Uint8Array(0), dims: [0] })).toThrow(InvalidArgumentError);
    expect(() => createVolume({ data: new Uint8Array(1), dims: [1], spacing: [-1] })).toThrow(/spacing/);
    expect(() => createVolume({ data: new Uint8Array(1), dims: [1], affine: [[1]] })).toThrow(/4x4/);
  });
  it('errors are recognised across copies through isInstance', () => {
    const e = new ShapeMismatchError('x', { file: 'a.nii', cause: new Error('inner') });
    expect(RaunetError.isInstance(e)).toBe(true);
    expect(ShapeMismatchError.isInstance(e)).toBe(true);
    expect(InvalidArgumentError.isInstance(e)).toBe(false);
    expect(e.message).toBe('a.nii: x');
    expect((e.cause as Error).message).toBe('inner');
    expect(e.code).toBe('ERR_SHAPE_MISMATCH');
  });
});

describe('affine helpers', () => {
  const a = [
    [-0.7, 0, 0, 90],
    [0, 0, 2.5, -120],
    [0, 0.7, 0, -60],
    [0, 0, 0, 1],
  ];
  it('inverts an affine', () => {
    const id = multiplyAffine(a, invertAffine(a));
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(id[r][c]).toBeCloseTo(r === c ? 1 : 0, 12);
    expect(() => invertAffine([[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])).toThrow(/singular/);
  });
  it('maps voxels to world and reads spacing and axis codes', () => {
    expect(voxelToWorld(a, [1, 2, 3])).toEqual([89.3, -112.5, -58.6].map((x) => expect.closeTo(x, 10)));
    expect(spacingFromAffine(a)).toEqual([0.7, 0.7, 2.5].map((x) => expect.closeTo(x, 12)));
    expect(orientationCodes(a)).toEqual(['L', 'S', 'A']);
    expect(orientationCodes(affineFromSpacing([1, 1, 1]))).toEqual(['R', 'A', 'S']);
  });
  it('compares grids', () => {
    const v = createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] });
    const w = createVolume({ data: new Uint8Array(8), dims: [2, 2, 2], spacing: [1, 1, 2] });
    expect(sameGrid(v, v)).toBe(true);
    expect(() => assertSameGrid(v, w, 'prediction and label')).toThrow(/prediction and label are on different grids/);
  });
});
