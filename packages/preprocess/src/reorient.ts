import { InvalidArgumentError, ShapeMismatchError, orientationCodes } from '@raunet/core';
import type { Affine, Volume } from '@raunet/core';
import { reindexVolume } from './internal/permute.js';
import { copyAffine, dims3 } from './internal/volume-utils.js';
import type { Vec3 } from './internal/volume-utils.js';

/** How {@link reorientToRAS} re-indexed a volume; pass it to {@link undoReorient}. */
export interface ReorientTransform {
  /** For each output axis (R, A, S), the input voxel axis it walks (0 = x, 1 = y, 2 = z). */
  axes: [number, number, number];
  /** For each output axis, true when the input axis was walked backwards. */
  flips: [boolean, boolean, boolean];
  /** Axis codes of the input (nibabel's `aff2axcodes`), e.g. `['L', 'P', 'S']`. */
  fromCodes: [string, string, string];
  /** Dims (x, y, z) of the input. */
  originalDims: [number, number, number];
  /** Affine of the input, restored exactly by {@link undoReorient}. */
  originalAffine: Affine;
}

/**
 * Re-indexes a volume so its voxel axes point Right, Anterior, Superior (nibabel's
 * `as_closest_canonical`): axes are only permuted and flipped (no interpolation, values are untouched),
 * and the affine is updated so every voxel keeps its world position. For oblique affines the closest
 * axis is used; the residual rotation stays in the affine.
 *
 * @example
 * ```ts
 * const { volume, orientation } = reorientToRAS(ct);    // LPS file -> RAS array
 * const back = undoReorient(prediction, orientation);  // back to the file's layout
 * ```
 */
export function reorientToRAS(v: Volume): { volume: Volume; orientation: ReorientTransform } {
  const dims = dims3(v, 'reorientToRAS');
  const codes = orientationCodes(v.affine);
  const axes: Vec3 = [0, 0, 0];
  const flips: [boolean, boolean, boolean] = [false, false, false];
  const seen = new Set<number>();
  for (let c = 0; c < 3; c++) {
    const code = codes[c];
    const a: number = code === 'R' || code === 'L' ? 0 : code === 'A' || code === 'P' ? 1 : code === 'S' || code === 'I' ? 2 : -1;
    if (a < 0 || seen.has(a)) {
      throw new InvalidArgumentError(`reorientToRAS: cannot determine the orientation of affine ${JSON.stringify(v.affine)} (axis codes ${codes.join('')})`);
    }
    seen.add(a);
    axes[a] = c;
    flips[a] = code === 'L' || code === 'P' || code === 'I';
  }
  const volume = reindexVolume(v, axes, flips, 'reorientToRAS');
  return {
    volume,
    orientation: { axes: [...axes], flips, fromCodes: codes, originalDims: dims, originalAffine: copyAffine(v.affine) },
  };
}

/**
 * Undoes {@link reorientToRAS}: brings a volume on the RAS grid (e.g. a prediction) back to the axis
 * layout and the exact affine of the original volume.
 *
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when `v`'s dims are not the reoriented dims of the original.
 */
export function undoReorient(v: Volume, orientation: ReorientTransform): Volume {
  const dims = dims3(v, 'undoReorient');
  const { axes, flips, originalDims } = orientation;
  const expected = [originalDims[axes[0]], originalDims[axes[1]], originalDims[axes[2]]];
  if (dims[0] !== expected[0] || dims[1] !== expected[1] || dims[2] !== expected[2]) {
    throw new ShapeMismatchError(`undoReorient: expected a volume of dims [${expected.join(', ')}] (the reoriented grid), received [${dims.join(', ')}]`);
  }
  // Inverse: output axis c walks the reoriented axis a with axes[a] = c, flipped alike.
  const inv: Vec3 = [0, 0, 0];
  const invFlips = [false, false, false];
  for (let a = 0; a < 3; a++) {
    inv[axes[a]] = a;
    invFlips[axes[a]] = flips[a];
  }
  return reindexVolume(v, inv, invFlips, 'undoReorient', copyAffine(orientation.originalAffine));
}
