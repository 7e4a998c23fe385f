import { InvalidArgumentError, assertSameGrid } from '@raunet/core';
import type { Volume } from '@raunet/core';
import { dims3, make3dVolume, numericData } from './internal/volume-utils.js';

/** Options of {@link clipIntensity}. */
export interface ClipIntensityOptions {
  /** Lower bound (HU for CT); values below become `min`. @defaultValue -1000 */
  min?: number;
  /** Upper bound (HU for CT); values above become `max`. @defaultValue 1000 */
  max?: number;
}

function checkWindow(min: number, max: number, where: string): void {
  if (Number.isNaN(min) || Number.isNaN(max) || !(min < max)) {
    throw new InvalidArgumentError(`${where}: window must satisfy min < max, received [${min}, ${max}]`);
  }
}

/**
 * Clips every voxel into `[min, max]` (an HU window for CT). Returns a new Float32 volume on the same
 * grid; the input is not modified. Clipping is idempotent.
 *
 * @example
 * ```ts
 * const clipped = clipIntensity(ct, { min: -1000, max: 1000 }); // Volume<Float32Array>
 * ```
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when `min >= max`.
 */
export function clipIntensity(v: Volume, options: ClipIntensityOptions = {}): Volume<Float32Array> {
  const min = options.min ?? -1000;
  const max = options.max ?? 1000;
  checkWindow(min, max, 'clipIntensity');
  const dims = dims3(v, 'clipIntensity');
  const src = numericData(v);
  const n = src.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = src[i];
    out[i] = x < min ? min : x > max ? max : x;
  }
  return make3dVolume(out, dims, v.spacing, v.affine, v);
}

/** Options of {@link normalizeIntensity}. */
export interface NormalizeIntensityOptions {
  /**
   * `'minmax'`: clip to `window`, then map it linearly onto [0, 1] (`(x - min) / (max - min)`).
   * `'zscore'`: clip to `window`, then subtract the mean and divide by the standard deviation
   * (population, over the voxels where `mask` is nonzero, or over all voxels without a mask).
   * @defaultValue 'minmax'
   */
  mode?: 'minmax' | 'zscore';
  /**
   * Intensity window `[min, max]` (HU for CT) applied before normalizing. For `'zscore'` it may be
   * `[-Infinity, Infinity]` to skip clipping; `'minmax'` needs finite bounds.
   * @defaultValue [-1000, 1000]
   */
  window?: readonly [number, number];
  /** For `'zscore'`: statistics are computed over the voxels where this mask is nonzero (same dims, affine equal within 0.01 mm). */
  mask?: Volume;
}

/**
 * Normalizes intensities: min-max over an HU window to [0, 1] (the paper's preprocessing, default) or
 * z-score, optionally with statistics from inside a mask. Returns a new Float32 volume; the input is
 * not modified.
 *
 * @example
 * ```ts
 * const x = normalizeIntensity(ct); // clip to [-1000, 1000] HU, then to [0, 1]
 * const z = normalizeIntensity(ct, { mode: 'zscore', mask: lungMask });
 * ```
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for a bad window, an empty mask or a constant volume (z-score).
 * @throws {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} when `mask` is not on the grid of `v`.
 */
export function normalizeIntensity(v: Volume, options: NormalizeIntensityOptions = {}): Volume<Float32Array> {
  const mode = options.mode ?? 'minmax';
  const [lo, hi] = options.window ?? [-1000, 1000];
  checkWindow(lo, hi, 'normalizeIntensity');
  const dims = dims3(v, 'normalizeIntensity');
  const src = numericData(v);
  const n = src.length;
  const out = new Float32Array(n);
  if (mode === 'minmax') {
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new InvalidArgumentError(`normalizeIntensity: 'minmax' needs a finite window, received [${lo}, ${hi}]`);
    }
    const scale = 1 / (hi - lo);
    for (let i = 0; i < n; i++) {
      const x = src[i];
      out[i] = x <= lo ? 0 : x >= hi ? 1 : (x - lo) * scale;
    }
    return make3dVolume(out, dims, v.spacing, v.affine, v);
  }
  if (mode !== 'zscore') {
    throw new InvalidArgumentError(`normalizeIntensity: mode must be 'minmax' or 'zscore', received '${String(mode)}'`);
  }
  for (let i = 0; i < n; i++) {
    const x = src[i];
    out[i] = x < lo ? lo : x > hi ? hi : x;
  }
  let mask: ArrayLike<number> | undefined;
  if (options.mask) {
    assertSameGrid(v, options.mask, 'normalizeIntensity: volume and mask', 1e-2);
    mask = numericData(options.mask);
  }
  // Two-pass mean and variance in float64.
  let count = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) continue;
    sum += out[i];
    count++;
  }
  if (count === 0) throw new InvalidArgumentError('normalizeIntensity: the mask has no nonzero voxel, cannot compute z-score statistics');
  const mean = sum / count;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) continue;
    const d = out[i] - mean;
    ss += d * d;
  }
  const std = Math.sqrt(ss / count);
  if (!(std > 0)) {
    throw new InvalidArgumentError(`normalizeIntensity: intensities are constant (${mean}) over the ${mask ? 'mask' : 'volume'}, z-score undefined`);
  }
  const inv = 1 / std;
  for (let i = 0; i < n; i++) out[i] = (out[i] - mean) * inv;
  return make3dVolume(out, dims, v.spacing, v.affine, v);
}
