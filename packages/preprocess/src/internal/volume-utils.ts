import { InvalidArgumentError, UnsupportedError, createVolume } from '@raunet/core';
import type { Affine, Volume, VoxelData } from '@raunet/core';

/** A triple in (x, y, z) order. */
export type Vec3 = [number, number, number];

/** Non-bigint typed arrays (what the hot loops read). */
export type NumericArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/**
 * The first three dims of a scalar volume; throws for multi-component data or for a 4th+ axis
 * longer than 1 (preprocessing works on one 3D scalar image at a time).
 */
export function dims3(v: Volume, where: string): Vec3 {
  if ((v.components ?? 1) !== 1) {
    throw new UnsupportedError(`${where}: expected a scalar volume (1 component per voxel), received ${v.components} components`);
  }
  for (let i = 3; i < v.dims.length; i++) {
    if (v.dims[i] !== 1) {
      throw new UnsupportedError(`${where}: expected a 3D volume, received dims [${v.dims.join(', ')}] (axis ${i} has length ${v.dims[i]})`);
    }
  }
  return [v.dims[0] ?? 1, v.dims[1] ?? 1, v.dims[2] ?? 1];
}

/** Spacing of the first three axes (1 mm where missing). */
export function spacing3(v: Volume): Vec3 {
  return [v.spacing[0] ?? 1, v.spacing[1] ?? 1, v.spacing[2] ?? 1];
}

/** The voxel data as a non-bigint typed array (bigint arrays are converted to Float64Array). */
export function numericData(v: Volume): NumericArray {
  const d = v.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    return out;
  }
  return d;
}

/** A new empty typed array of the same kind as `like` (bigint kinds become Float64Array). */
export function sameKind(like: VoxelData, length: number): NumericArray {
  if (like instanceof BigInt64Array || like instanceof BigUint64Array) return new Float64Array(length);
  const C = like.constructor as new (n: number) => NumericArray;
  return new C(length);
}

/** Parses a size argument `[x, y, z]` of positive integers. */
export function checkSize(size: readonly number[], where: string, what = 'size'): Vec3 {
  const s: readonly number[] = size;
  if (!Array.isArray(size) || size.length !== 3 || !size.every((s) => Number.isInteger(s) && s > 0)) {
    throw new InvalidArgumentError(`${where}: ${what} must be three positive integers [x, y, z] (voxels), received [${String(size)}]`);
  }
  return [s[0], s[1], s[2]];
}

/** Parses an integer triple (may be negative), e.g. a patch origin. */
export function checkIntTriple(v: readonly number[], where: string, what: string): Vec3 {
  const t: readonly number[] = v;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((s) => Number.isInteger(s))) {
    throw new InvalidArgumentError(`${where}: ${what} must be three integers [x, y, z] (voxels), received [${String(v)}]`);
  }
  return [t[0], t[1], t[2]];
}

/** A 3D volume on the given grid carrying `like`'s meta (minus its stored datatype). */
export function make3dVolume<T extends VoxelData>(data: T, dims: Vec3, spacing: readonly number[], affine: Affine, like: Volume): Volume<T> {
  let meta = like.meta;
  if (meta && meta.datatype !== undefined) {
    // The stored datatype of the source file no longer describes the output array.
    const { datatype: _datatype, ...rest } = meta;
    meta = rest;
  }
  return createVolume({ data, dims, spacing: [spacing[0], spacing[1], spacing[2]], affine, ...(meta ? { meta } : {}) });
}

/** Affine of a sub-grid whose voxel (0,0,0) is voxel `start` of `affine`'s grid. */
export function shiftAffine(affine: Affine, start: readonly number[]): Affine {
  const out = affine.map((r) => [...r]);
  for (let r = 0; r < 3; r++) out[r][3] = affine[r][0] * start[0] + affine[r][1] * start[1] + affine[r][2] * start[2] + affine[r][3];
  return out;
}

/** Copies an affine. */
export function copyAffine(a: Affine): Affine {
  return a.map((r) => [...r]);
}
