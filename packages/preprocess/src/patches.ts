import { InvalidArgumentError, ShapeMismatchError, UnsupportedError } from '@raunet/core';
import type { Rng, Volume } from '@raunet/core';
import { copyBox } from './internal/box.js';
import { checkIntTriple, checkSize, dims3, make3dVolume, numericData, shiftAffine, spacing3 } from './internal/volume-utils.js';
import type { Vec3 } from './internal/volume-utils.js';

/** Options of {@link extractPatch}. */
export interface ExtractPatchOptions {
  /** Value of patch voxels outside the volume. @defaultValue 0 */
  padValue?: number;
  /** An array of `size[0]·size[1]·size[2]` floats to write into instead of allocating (reuse in loops). */
  out?: Float32Array;
}

/**
 * Copies the patch of `size` voxels (x, y, z) whose first voxel is `origin` (may be negative) into a
 * Float32Array, x fastest; voxels outside the volume are `padValue`.
 *
 * @example
 * ```ts
 * const values = extractPatch(ct, [0, 0, 16], [192, 192, 32], { padValue: 0 });
 * ```
 */
export function extractPatch(v: Volume, origin: readonly number[], size: readonly number[], options: ExtractPatchOptions = {}): Float32Array {
  const dims = dims3(v, 'extractPatch');
  const o = checkIntTriple(origin, 'extractPatch', 'origin');
  const s = checkSize(size, 'extractPatch');
  const n = s[0] * s[1] * s[2];
  const out = options.out ?? new Float32Array(n);
  if (out.length !== n) throw new ShapeMismatchError(`extractPatch: options.out holds ${out.length} values, a patch of [${s.join(', ')}] needs ${n}`);
  copyBox(numericData(v), dims, o, s, out, options.padValue ?? 0);
  return out;
}

/** One training sample: image and label cut at the same place. */
export interface PatchPair {
  /** Image patch (Float32), affine shifted to the patch's world position. */
  image: Volume<Float32Array>;
  /** Label patch (Uint8, 0 where padded), same grid as `image`. */
  label: Volume<Uint8Array>;
  /** First voxel of the patch on the source grid (x, y, z); negative when padded. */
  origin: [number, number, number];
  /** True when the patch was centred on a foreground voxel. */
  foreground: boolean;
}

/** Options of {@link samplePatches}. */
export interface SamplePatchesOptions {
  /** Number of patches. */
  count: number;
  /** Patch size in voxels (x, y, z), e.g. `[192, 192, 32]`. */
  size: readonly [number, number, number];
  /**
   * Fraction of the patches centred on a random foreground voxel (label > 0); the first
   * `round(count · foregroundFraction)` patches are those, the rest are uniform anywhere in the volume.
   * With no foreground voxel every patch is uniform.
   * @defaultValue 0.5
   */
  foregroundFraction?: number;
  /** Random source (state advances). */
  rng: Rng;
  /** Image padding value where the volume is smaller than the patch. @defaultValue the image minimum */
  padValue?: number;
}

/**
 * Samples `count` training patches of `size` from an image and its label, cut together. A foreground
 * patch is centred on a random foreground voxel (its origin is `voxel - floor(size / 2)`, then shifted
 * to stay inside the volume on axes where the volume is at least as long as the patch); the others are
 * uniform over the valid origins. Where the volume is smaller than the patch, the patch is padded with the
 * image minimum (label 0). Deterministic given `rng`'s state.
 *
 * @example
 * ```ts
 * const pairs = samplePatches(image, label, { count: 4, size: [96, 96, 32], foregroundFraction: 0.5, rng: new Rng(7) });
 * ```
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when image and label dims differ.
 */
export function samplePatches(image: Volume, label: Volume, options: SamplePatchesOptions): PatchPair[] {
  const dims = dims3(image, 'samplePatches');
  const ld = dims3(label, 'samplePatches');
  if (dims.some((n, a) => n !== ld[a])) {
    throw new ShapeMismatchError(`samplePatches: label dims [${ld.join(', ')}] differ from image dims [${dims.join(', ')}]`);
  }
  const size = checkSize(options.size, 'samplePatches');
  const { count, rng } = options;
  if (!Number.isInteger(count) || count < 0) throw new InvalidArgumentError(`samplePatches: count must be an integer ≥ 0, received ${count}`);
  const fraction = options.foregroundFraction ?? 0.5;
  if (!(fraction >= 0 && fraction <= 1)) throw new InvalidArgumentError(`samplePatches: foregroundFraction must be in [0, 1], received ${fraction}`);
  const img = numericData(image);
  const lab = numericData(label);
  let padValue = options.padValue;
  if (padValue === undefined) {
    let min = Infinity;
    for (let i = 0; i < img.length; i++) if (img[i] < min) min = img[i];
    padValue = min;
  }
  let labelMax = 0;
  let labelMin = 0;
  for (let i = 0; i < lab.length; i++) {
    const x = lab[i];
    if (x > labelMax) labelMax = x;
    else if (x < labelMin) labelMin = x;
  }
  if (labelMax > 255 || labelMin < 0 || !Number.isInteger(labelMax)) {
    throw new UnsupportedError(`samplePatches: label patches are Uint8, so labels must be integers in 0..255; the label volume holds values in [${labelMin}, ${labelMax}] (map them to small class indices first)`);
  }
  const nFg = Math.round(count * fraction);
  let foreground: Uint32Array | undefined;
  if (nFg > 0) {
    let nnz = 0;
    for (let i = 0; i < lab.length; i++) if (lab[i] !== 0) nnz++;
    if (nnz > 0) {
      foreground = new Uint32Array(nnz);
      let q = 0;
      for (let i = 0; i < lab.length; i++) if (lab[i] !== 0) foreground[q++] = i;
    }
  }
  const lo = [0, 1, 2].map((a) => Math.min(0, dims[a] - size[a]));
  const hi = [0, 1, 2].map((a) => Math.max(0, dims[a] - size[a]));
  const n = size[0] * size[1] * size[2];
  const spacing = spacing3(image);
  const out: PatchPair[] = [];
  for (let p = 0; p < count; p++) {
    const fg = foreground !== undefined && p < nFg;
    let origin: Vec3;
    if (fg) {
      const idx = foreground![rng.int(0, foreground!.length)];
      const c = [idx % dims[0], Math.floor(idx / dims[0]) % dims[1], Math.floor(idx / (dims[0] * dims[1]))];
      origin = [0, 1, 2].map((a) => Math.min(hi[a], Math.max(lo[a], c[a] - Math.floor(size[a] / 2)))) as Vec3;
    } else {
      origin = [0, 1, 2].map((a) => rng.int(lo[a], hi[a] + 1)) as Vec3;
    }
    const ip = new Float32Array(n);
    copyBox(img, dims, origin, size, ip, padValue);
    const lp = new Uint8Array(n);
    copyBox(lab, dims, origin, size, lp, 0);
    const affine = shiftAffine(image.affine, origin);
    out.push({
      image: make3dVolume(ip, size, spacing, affine, image),
      label: make3dVolume(lp, size, spacing, affine, label),
      origin,
      foreground: fg,
    });
  }
  return out;
}
