import { createVolume, type Volume } from '@raunet/core';
import { squaredEdt3d } from './internal/edt.js';
import { binarize, checkLabel, gridOf } from './internal/mask.js';
import type { MaskOptions } from './overlap.js';

/** Options of {@link euclideanDistanceTransform}. */
export interface EuclideanDistanceTransformOptions extends MaskOptions {
  /** Return squared distances (mm²), skipping the square roots. @defaultValue false */
  squared?: boolean;
}

/**
 * Exact Euclidean distance transform with anisotropic spacing: for every voxel, the distance in mm
 * (voxel centres, `mask.spacing` per axis) to the nearest foreground voxel; 0 on the foreground,
 * Infinity everywhere when the mask is empty. Felzenszwalb–Huttenlocher separable transform: three
 * 1D passes (x, y, z), linear in the voxel count. Equivalent to scipy's
 * `distance_transform_edt(mask == 0, sampling=spacing)`.
 *
 * @returns a Float64 volume on the mask's grid (same dims, spacing, affine).
 * @throws {@link @raunet/core!InvalidArgumentError} for a multi-component or 4D mask.
 * @example
 * ```ts
 * const dist = euclideanDistanceTransform(lesion); // mm to the lesion, per voxel
 * ```
 */
export function euclideanDistanceTransform(mask: Volume, options: EuclideanDistanceTransformOptions = {}): Volume<Float64Array> {
  checkLabel(options.label, 'euclideanDistanceTransform');
  const g = gridOf(mask, 'euclideanDistanceTransform');
  const d = squaredEdt3d(binarize(mask, options.label), g.nx, g.ny, g.nz, g.sx, g.sy, g.sz);
  if (!options.squared) for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]);
  return createVolume({ data: d, dims: mask.dims, spacing: mask.spacing, affine: mask.affine });
}
