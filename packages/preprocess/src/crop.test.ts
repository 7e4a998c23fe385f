import { InvalidArgumentError, Rng, ShapeMismatchError, createVolume, voxelToWorld } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at, fromFunction, values } from './__fixtures__/helpers.js';
import { centerBox, cropBox, cropOrPad, cropToMask, maskBoundingBox, randomBox, randomCrop, uncrop } from './crop.js';

const affine = [
  [-0.7, 0, 0, 100],
  [0, -0.8, 0, 50],
  [0, 0, 2, -20],
  [0, 0, 0, 1],
];
const code = (i: number, j: number, k: number) => 1 + i + 10 * j + 100 * k;

describe('cropOrPad / cropBox / uncrop', () => {
  it('centre-crops long axes and pads short ones (hand example), keeping world positions', () => {
    const v = fromFunction([5, 4, 3], code, (n) => new Int16Array(n), affine);
    const c = cropOrPad(v, [3, 6, 3], { value: -1 });
    expect(c.dims).toEqual([3, 6, 3]);
    expect(c.data).toBeInstanceOf(Int16Array);
    // start = [floor(2/2), floor(-2/2), 0] = [1, -1, 0]
    expect(centerBox(v.dims, [3, 6, 3])).toEqual({ start: [1, -1, 0], size: [3, 6, 3] });
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 6; j++)
        for (let i = 0; i < 3; i++) {
          const [x, y, z] = [i + 1, j - 1, k];
          expect(at(c, i, j, k)).toBe(y >= 0 && y < 4 ? code(x, y, z) : -1);
        }
    expect(voxelToWorld(c.affine, [0, 0, 0])).toEqual(voxelToWorld(affine, [1, -1, 0]));
  });

  it('uncrop(crop(v)) restores v inside the box and the fill value outside (property)', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 6 })),
        fc.tuple(fc.integer({ min: -4, max: 6 }), fc.integer({ min: -4, max: 6 }), fc.integer({ min: -4, max: 5 })),
        fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 })),
        (dims, start, size) => {
          const v = fromFunction(dims, code, (n) => new Float32Array(n), affine);
          const box = { start, size };
          const c = cropBox(v, box, { value: -5 });
          const u = uncrop(c, box, v.dims, { value: -9 });
          expect(u.affine.map((r) => r.map((x) => Number(x.toFixed(9))))).toEqual(affine.map((r) => r.map((x) => Number(x.toFixed(9)))));
          for (let k = 0; k < dims[2]; k++)
            for (let j = 0; j < dims[1]; j++)
              for (let i = 0; i < dims[0]; i++) {
                const inside = i >= start[0] && i < start[0] + size[0] && j >= start[1] && j < start[1] + size[1] && k >= start[2] && k < start[2] + size[2];
                expect(at(u, i, j, k)).toBe(inside ? code(i, j, k) : -9);
              }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects a volume whose dims are not the box size', () => {
    expect(() => uncrop(createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] }), { start: [0, 0, 0], size: [2, 2, 3] }, [4, 4, 4])).toThrow(ShapeMismatchError);
    expect(() => cropOrPad(createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] }), [0, 2, 2] as [number, number, number])).toThrow(InvalidArgumentError);
  });
});

describe('cropToMask', () => {
  it('crops to the bounding box plus margin, clamped to the volume, and uncrop undoes it', () => {
    const v = fromFunction([10, 9, 8], code, (n) => new Int16Array(n), affine);
    const mask = fromFunction([10, 9, 8], (i, j, k) => (i >= 3 && i <= 5 && j === 7 && k >= 1 && k <= 2 ? 1 : 0), (n) => new Uint8Array(n));
    expect(maskBoundingBox(mask)).toEqual({ start: [3, 7, 1], size: [3, 1, 2] });
    const { volume, box } = cropToMask(v, mask, { margin: [1, 2, 3] });
    expect(box).toEqual({ start: [2, 5, 0], size: [5, 4, 6] }); // y: 5..8 (clamped), z: 0..5 (clamped)
    expect(at(volume, 0, 0, 0)).toBe(code(2, 5, 0));
    const back = uncrop(volume, box, v.dims);
    expect(at(back, 4, 8, 5)).toBe(code(4, 8, 5));
    expect(at(back, 0, 0, 0)).toBe(0);
  });

  it('rejects an empty mask and a mask of other dims', () => {
    const v = createVolume({ data: new Int16Array(8), dims: [2, 2, 2] });
    expect(() => cropToMask(v, createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] }))).toThrow(/no nonzero voxel/);
    expect(() => cropToMask(v, createVolume({ data: new Uint8Array(4), dims: [2, 2, 1] }))).toThrow(ShapeMismatchError);
  });
});

describe('randomCrop', () => {
  it('is deterministic given the rng and stays inside (or covers) the volume', () => {
    const v = fromFunction([12, 10, 3], code, (n) => new Int16Array(n), affine);
    const a = randomCrop(v, [5, 4, 6], new Rng(9));
    const b = randomCrop(v, [5, 4, 6], new Rng(9));
    expect(values(a)).toEqual(values(b));
    const rng = new Rng(1);
    for (let t = 0; t < 200; t++) {
      const { start } = randomBox([12, 10, 3], [5, 4, 6], rng);
      expect(start[0] >= 0 && start[0] <= 7 && start[1] >= 0 && start[1] <= 6 && start[2] >= -3 && start[2] <= 0).toBe(true);
    }
  });
});
