import { assertFinite, InvalidArgumentError, type Volume } from '@raunet/core';
import { readNifti } from '@raunet/io';

/**
 * Reads a NIfTI the commands work on (a CT, a mask) and refuses, naming the file, what no command can
 * use: more than one volume (4D with several time points or components) and NaN/Inf voxel values.
 */
export async function readScan(path: string, what: string): Promise<Volume> {
  const v = await readNifti(path);
  const extra = v.dims.slice(3);
  if (extra.some((d) => d !== 1)) {
    throw new InvalidArgumentError(
      `the ${what} must be one 3D volume (or a 2D slice), received dims ${v.dims.join(' x ')} (${extra.reduce((a, b) => a * b, 1)} volumes); split it first (e.g. fslsplit)`,
      { file: path },
    );
  }
  if ((v.components ?? 1) !== 1) {
    throw new InvalidArgumentError(`the ${what} must hold one value per voxel, received ${v.components} components (RGB or complex data)`, { file: path });
  }
  assertFinite(v, { what: `the ${what}`, file: path });
  return v;
}

/**
 * The size of `voxels` voxels of a volume in words: millilitres for a 3D volume, mm² for a single
 * 2D slice (a NIfTI with ndim 2 has no slice thickness: a volume would be meaningless).
 */
export function describeVoxelSize(v: Volume, voxels: number): string {
  if (v.dims.length < 3) return `${(voxels * (v.spacing[0] ?? 1) * (v.spacing[1] ?? 1)).toFixed(1)} mm² in 2D`;
  return `${((voxels * v.spacing[0] * v.spacing[1] * v.spacing[2]) / 1000).toFixed(2)} mL`;
}
