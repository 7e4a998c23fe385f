import { describe, expect, it } from 'vitest';
import {
  affineFromSpacing,
  assertFinite,
  countNonFinite,
  assertSameGrid,
  createVolume,
  invertAffine,
  multiplyAffine,
  orientationCodes,
  sameGrid,
  spacingFromAffine,
  voxelToWorld,
} from './volume.js';
import { errorWithFile, InvalidArgumentError, RaunetError, ShapeMismatchError } from './errors.js';

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

  it('says in one short line what differs between two grids, not two full affines', () => {
    const v = createVolume({ data: new Uint8Array(24), dims: [2, 3, 4], spacing: [1, 1, 2] });
    const moved = createVolume({ data: new Uint8Array(24), dims: [2, 3, 4], affine: [[1, 0, 0, 5], [0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]] });
    const flipped = createVolume({ data: new Uint8Array(24), dims: [2, 3, 4], affine: [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]] });
    const other = createVolume({ data: new Uint8Array(24), dims: [4, 3, 2], spacing: [0.5, 1, 2] });
    const message = (a: typeof v, b: typeof v) => {
      try {
        assertSameGrid(a, b, 'a.nii and b.nii');
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(message(v, moved)).toBe('a.nii and b.nii are on different grids: origin (0, 0, 0) vs (5, 0, 0) mm');
    expect(message(v, flipped)).toBe('a.nii and b.nii are on different grids: orientation RAS vs LPS');
    expect(message(v, other)).toBe('a.nii and b.nii are on different grids: dims 2 x 3 x 4 vs 4 x 3 x 2, voxel size 1 x 1 x 2 vs 0.5 x 1 x 2 mm');
    expect(message(v, other)).not.toContain('\n');
  });

  it('counts NaN and infinite values and refuses them naming the file and the count', () => {
    const v = createVolume({ data: Float32Array.of(0, NaN, Infinity, -Infinity, 1, 2, 3, 4), dims: [2, 2, 2] });
    expect(countNonFinite(v)).toBe(3);
    expect(countNonFinite(createVolume({ data: new Int16Array(8), dims: [2, 2, 2] }))).toBe(0);
    expect(() => assertFinite(v, { what: 'CT', file: 'ct.nii' })).toThrow('ct.nii: CT has 3 NaN or infinite voxel values (of 8)');
    try {
      assertFinite(v, { file: 'ct.nii' });
    } catch (e) {
      expect(InvalidArgumentError.isInstance(e)).toBe(true);
      expect((e as InvalidArgumentError).file).toBe('ct.nii');
    }
    expect(() => assertFinite(createVolume({ data: Float32Array.of(1, 2), dims: [2] }))).not.toThrow();
  });

  it('attaches a file to a file-less error, keeping its type', () => {
    const e = errorWithFile(new ShapeMismatchError('grids differ'), 'x/y.nii') as ShapeMismatchError;
    expect(ShapeMismatchError.isInstance(e)).toBe(true);
    expect(e.file).toBe('x/y.nii');
    expect(e.code).toBe('ERR_SHAPE_MISMATCH');
    expect(e.message).toBe('x/y.nii: grids differ');
    const named = new InvalidArgumentError('bad', { file: 'a.nii' });
    expect(errorWithFile(named, 'b.nii')).toBe(named);
    const plain = new Error('x');
    expect(errorWithFile(plain, 'b.nii')).toBe(plain);
  });
});
