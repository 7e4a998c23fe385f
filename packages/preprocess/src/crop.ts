import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import type { Rng, Volume } from '@raunet/core';
import { copyBox, pasteBox } from './internal/box.js';
import { checkIntTriple, checkSize, dims3, make3dVolume, numericData, sameKind, shiftAffine, spacing3 } from './internal/volume-utils.js';
import type { Vec3 } from './internal/volume-utils.js';

/**
 * A box on a volume's voxel grid, (x, y, z) order: voxels `start[a] .. start[a] + size[a] - 1`.
 * `start` may be negative and the box may extend beyond the volume: those voxels are padding.
 */
export interface CropBox {
  /** First voxel of the box, per axis (may be negative for padding). */
  start: [number, number, number];
  /** Box size in voxels per axis. */
  size: [number, number, number];
}

/** Options of {@link cropBox} and {@link cropOrPad}. */
export interface CropOptions {
  /** Value of voxels of the box outside the volume (padding). @defaultValue 0 */
  value?: number;
}

/**
 * Cuts a box out of a volume (same element type), padding with `value` where the box leaves the
 * volume. The affine is shifted so every voxel keeps its world position.
 *
 * @example
 * ```ts
 * const sub = cropBox(ct, { start: [10, 20, 0], size: [64, 64, 32] }, { value: -1000 });
 * ```
 */
export function cropBox(v: Volume, box: CropBox, options: CropOptions = {}): Volume {
  const dims = dims3(v, 'cropBox');
  const start = checkIntTriple(box.start, 'cropBox', 'box.start');
  const size = checkSize(box.size, 'cropBox', 'box.size');
  const src = numericData(v);
  const out = sameKind(v.data, size[0] * size[1] * size[2]);
  copyBox(src, dims, start, size, out, options.value ?? 0);
  return make3dVolume(out, size, spacing3(v), shiftAffine(v.affine, start), v);
}

/** The centred box of `size` on a grid of `dims` (start = floor((n - size) / 2), negative when padding). */
export function centerBox(dims: readonly number[], size: readonly number[]): CropBox {
  const s = checkSize(size, 'centerBox');
  const d = checkSize(dims.slice(0, 3), 'centerBox', 'dims');
  return { start: [0, 1, 2].map((a) => Math.floor((d[a] - s[a]) / 2)) as Vec3, size: s };
}

/**
 * Centre crop and/or pad to `size` (x, y, z voxels), e.g. the paper's `[192, 192, 32]`: each axis
 * longer than `size` is cropped around its centre, each shorter one padded with `value` on both sides
 * (the extra voxel of an odd difference goes after). Undo with
 * `uncrop(result, centerBox(v.dims, size), v.dims)`.
 *
 * @example
 * ```ts
 * const fixed = cropOrPad(ct, [192, 192, 32], { value: -1000 });
 * ```
 */
export function cropOrPad(v: Volume, size: readonly [number, number, number], options: CropOptions = {}): Volume {
  return cropBox(v, centerBox(dims3(v, 'cropOrPad'), size), options);
}

/** Options of {@link cropToMask}. */
export interface CropToMaskOptions {
  /** Voxels added around the mask's bounding box, per axis or one for all; clamped to the volume. @defaultValue 0 */
  margin?: number | readonly [number, number, number];
}

/**
 * The bounding box of the nonzero voxels of `mask`, grown by `margin` voxels and clamped to the grid;
 * `undefined` when the mask is empty.
 */
export function maskBoundingBox(mask: Volume, options: CropToMaskOptions = {}): CropBox | undefined {
  const [nx, ny, nz] = dims3(mask, 'maskBoundingBox');
  const m = options.margin ?? 0;
  const margin = checkIntTriple(typeof m === 'number' ? [m, m, m] : m, 'maskBoundingBox', 'margin');
  if (margin.some((x) => x < 0)) throw new InvalidArgumentError(`maskBoundingBox: margin must be ≥ 0 voxels, received [${margin.join(', ')}]`);
  const d = numericData(mask);
  let x0 = nx;
  let y0 = ny;
  let z0 = nz;
  let x1 = -1;
  let y1 = -1;
  let z1 = -1;
  let p = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      let first = -1;
      let last = -1;
      for (let i = 0; i < nx; i++, p++) {
        if (d[p] !== 0) {
          if (first < 0) first = i;
          last = i;
        }
      }
      if (first >= 0) {
        if (first < x0) x0 = first;
        if (last > x1) x1 = last;
        if (j < y0) y0 = j;
        if (j > y1) y1 = j;
        if (k < z0) z0 = k;
        z1 = k;
      }
    }
  }
  if (x1 < 0) return undefined;
  const lo: Vec3 = [Math.max(0, x0 - margin[0]), Math.max(0, y0 - margin[1]), Math.max(0, z0 - margin[2])];
  const hi: Vec3 = [Math.min(nx - 1, x1 + margin[0]), Math.min(ny - 1, y1 + margin[1]), Math.min(nz - 1, z1 + margin[2])];
  return { start: lo, size: [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1] };
}

/**
 * Crops a volume to the bounding box of the nonzero voxels of `mask` (e.g. the body or the lungs) plus
 * `margin` voxels, clamped to the volume. The affine keeps world positions; undo with
 * `uncrop(result.volume, result.box, v.dims)`.
 *
 * @example
 * ```ts
 * const { volume, box } = cropToMask(ct, lungMask, { margin: 8 });
 * const full = uncrop(prediction, box, ct.dims);
 * ```
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when `mask` has other dims than `v`; {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when it is empty.
 */
export function cropToMask(v: Volume, mask: Volume, options: CropToMaskOptions = {}): { volume: Volume; box: CropBox } {
  const dims = dims3(v, 'cropToMask');
  const md = dims3(mask, 'cropToMask');
  if (dims.some((n, a) => n !== md[a])) {
    throw new ShapeMismatchError(`cropToMask: mask dims [${md.join(', ')}] differ from volume dims [${dims.join(', ')}]`);
  }
  const box = maskBoundingBox(mask, options);
  if (!box) throw new InvalidArgumentError('cropToMask: the mask has no nonzero voxel, there is no bounding box to crop to');
  return { volume: cropBox(v, box), box };
}

/**
 * Puts a cropped volume back in place on a grid of `originalDims`: the inverse of {@link cropBox},
 * {@link cropOrPad} and {@link cropToMask}. Voxels outside the box get `value`; parts of the box that
 * were padding are dropped. The affine is shifted back so world positions are kept.
 *
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when `v`'s dims are not `box.size`.
 */
export function uncrop(v: Volume, box: CropBox, originalDims: readonly number[], options: CropOptions = {}): Volume {
  const dims = dims3(v, 'uncrop');
  const size = checkSize(box.size, 'uncrop', 'box.size');
  const start = checkIntTriple(box.start, 'uncrop', 'box.start');
  const od = checkSize(originalDims.slice(0, 3), 'uncrop', 'originalDims');
  if (dims.some((n, a) => n !== size[a])) {
    throw new ShapeMismatchError(`uncrop: volume dims [${dims.join(', ')}] differ from box size [${size.join(', ')}]`);
  }
  const out = sameKind(v.data, od[0] * od[1] * od[2]);
  const value = options.value ?? 0;
  if (value !== 0) out.fill(value);
  pasteBox(numericData(v), size, start, out, od);
  return make3dVolume(out, od, spacing3(v), shiftAffine(v.affine, [-start[0], -start[1], -start[2]]), v);
}

/**
 * A uniformly random box of `size` on a grid of `dims`: on axes where the volume is at least as long,
 * the box lies inside it; on shorter axes it covers the whole axis with random padding on each side.
 */
export function randomBox(dims: readonly number[], size: readonly number[], rng: Rng): CropBox {
  const s = checkSize(size, 'randomBox');
  const d = checkSize(dims.slice(0, 3), 'randomBox', 'dims');
  const start = [0, 1, 2].map((a) => {
    const lo = Math.min(0, d[a] - s[a]);
    const hi = Math.max(0, d[a] - s[a]);
    return rng.int(lo, hi + 1);
  }) as Vec3;
  return { start, size: s };
}

/**
 * A random crop of `size` voxels (x, y, z) drawn from `rng` (see {@link randomBox}; padding with 0 when the
 * volume is smaller). For an image and its label cut together, draw one {@link randomBox} and call
 * {@link cropBox} on both.
 *
 * @example
 * ```ts
 * const crop = randomCrop(ct, [96, 96, 32], new Rng(1));
 * ```
 */
export function randomCrop(v: Volume, size: readonly [number, number, number], rng: Rng): Volume {
  return cropBox(v, randomBox(dims3(v, 'randomCrop'), size, rng));
}
