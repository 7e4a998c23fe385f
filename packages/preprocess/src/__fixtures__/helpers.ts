import { createVolume, invertAffine, voxelToWorld } from '@raunet/core';
import type { Affine, Volume, VoxelData } from '@raunet/core';

/** Value of voxel (i, j, k) of a 3D volume, plain index arithmetic. */
export function at(v: Volume, i: number, j: number, k: number): number {
  return Number(v.data[i + v.dims[0] * (j + v.dims[1] * k)]);
}

/** A volume whose voxel (i,j,k) holds f(i,j,k). */
export function fromFunction<T extends VoxelData>(
  dims: [number, number, number],
  f: (i: number, j: number, k: number) => number,
  make: (n: number) => T,
  affine?: Affine,
): Volume<T> {
  const data = make(dims[0] * dims[1] * dims[2]);
  let o = 0;
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) (data as unknown as number[])[o++] = f(i, j, k);
  const spacing = affine ? [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c])) : [1, 1, 1];
  return createVolume({ data, dims, spacing, ...(affine ? { affine } : {}) });
}

/** Voxel index of `b`'s grid at the world position of voxel `ijk` of `a`'s grid. */
export function mapIndex(a: Affine, b: Affine, ijk: readonly number[]): number[] {
  const w = voxelToWorld(a, ijk);
  return voxelToWorld(invertAffine(b), w);
}

/** A small deterministic generator for test data (independent of the code under test). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A toy chest-like CT in HU: air background, a body at 40 HU, two lungs at about -850 HU. */
export function toyChestHu(dims: [number, number, number] = [40, 32, 12]): Volume<Int16Array> {
  const r = lcg(3);
  return fromFunction(
    dims,
    (i, j) => {
      const x = (i - dims[0] / 2) / (dims[0] / 2);
      const y = (j - dims[1] / 2) / (dims[1] / 2);
      if (x * x + y * y > 0.8) return -1000 + Math.round(r() * 10);
      const lung = ((x + 0.4) ** 2 + y * y < 0.09 || (x - 0.4) ** 2 + y * y < 0.09);
      return lung ? -850 + Math.round(r() * 60) : 40 + Math.round(r() * 30);
    },
    (n) => new Int16Array(n),
  );
}

/** All voxel values as plain numbers. */
export function values(v: Volume): number[] {
  return Array.from(v.data as ArrayLike<number | bigint>, (x) => Number(x));
}
