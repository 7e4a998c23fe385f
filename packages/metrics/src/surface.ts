import { InvalidArgumentError, type Volume } from '@raunet/core';
import { scanPair } from './internal/mask.js';
import { directedDistances } from './internal/surface-core.js';
import { countAtMost, maxOf, meanOf, percentileOf } from './internal/stats.js';
import type { MaskOptions } from './overlap.js';

/** Result of {@link surfaceDistances}: the two directed sets of border-voxel distances, in mm. */
export interface SurfaceDistancesResult {
  /**
   * For each border voxel of the prediction, the distance in mm from its centre to the nearest
   * border-voxel centre of the truth (Infinity when the truth is empty). Order: voxel order (x fastest).
   */
  readonly predictionToTruth: Float64Array;
  /** For each border voxel of the truth, the distance in mm to the nearest prediction border voxel. */
  readonly truthToPrediction: Float64Array;
}

/** Options of {@link percentileHausdorff}. */
export interface PercentileHausdorffOptions extends MaskOptions {
  /** Percentile in [0, 100] of each directed distance set. @defaultValue 95 */
  percentile?: number;
}

/** Options of {@link normalizedSurfaceDice}. */
export interface NormalizedSurfaceDiceOptions extends MaskOptions {
  /**
   * Tolerance in mm: a border voxel counts as correct when its distance to the other border is
   * `<= toleranceMm`. The COVID-19-CT-Seg benchmark uses 1 mm for lungs and 3 mm for infections.
   */
  toleranceMm: number;
}

/**
 * Directed surface distances between two masks, the basis of every surface metric here.
 *
 * Definitions (MONAI's `get_mask_edges` + `get_surface_distance`, euclidean): a border voxel is a
 * foreground voxel with at least one of its 6 face neighbours in the background, positions outside the
 * volume counting as background; the distance of a border voxel is the Euclidean distance in mm
 * (spacing-weighted, voxel centres) to the nearest border voxel of the other mask. Distances come
 * from an exact Euclidean distance transform (Felzenszwalb–Huttenlocher, linear time) over the
 * bounding box of the union of both masks.
 *
 * Assumes orthogonal voxel axes (any rotation in the affine is fine; shear is not modelled).
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * const { predictionToTruth, truthToPrediction } = surfaceDistances(prediction, truth);
 * ```
 */
export function surfaceDistances(prediction: Volume, truth: Volume, options: MaskOptions = {}): SurfaceDistancesResult {
  const scan = scanPair(prediction, truth, options.label, 'surfaceDistances');
  return directedDistances(prediction, truth, options.label, scan);
}

/** Hausdorff distance from directed distances: NaN if both sets are empty, else the larger maximum. */
export function hausdorffFromDistances(d: SurfaceDistancesResult): number {
  const { predictionToTruth: a, truthToPrediction: b } = d;
  if (a.length === 0 && b.length === 0) return Number.NaN;
  if (a.length === 0 || b.length === 0) return Infinity;
  return Math.max(maxOf(a), maxOf(b));
}

/**
 * Percentile Hausdorff from directed distances (MONAI): `max(P_p(pred→truth), P_p(truth→pred))` with
 * numpy's linear-interpolation percentile. NaN if both empty, Infinity if one is empty.
 */
export function percentileHausdorffFromDistances(d: SurfaceDistancesResult, percentile = 95): number {
  checkPercentile(percentile);
  const { predictionToTruth: a, truthToPrediction: b } = d;
  if (a.length === 0 && b.length === 0) return Number.NaN;
  if (a.length === 0 || b.length === 0) return Infinity;
  return Math.max(percentileOf(a, percentile), percentileOf(b, percentile));
}

/** ASSD from directed distances: the mean of both sets pooled (MONAI `symmetric=True`). */
export function assdFromDistances(d: SurfaceDistancesResult): number {
  const { predictionToTruth: a, truthToPrediction: b } = d;
  if (a.length === 0 && b.length === 0) return Number.NaN;
  if (a.length === 0 || b.length === 0) return Infinity;
  const n = a.length + b.length;
  return (meanOf(a) * a.length + meanOf(b) * b.length) / n;
}

/** NSD from directed distances: share of border voxels (both masks) within `toleranceMm`; NaN if both empty. */
export function normalizedSurfaceDiceFromDistances(d: SurfaceDistancesResult, toleranceMm: number): number {
  checkTolerance(toleranceMm);
  const { predictionToTruth: a, truthToPrediction: b } = d;
  const n = a.length + b.length;
  if (n === 0) return Number.NaN;
  return (countAtMost(a, toleranceMm) + countAtMost(b, toleranceMm)) / n;
}

function checkPercentile(p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 100)) {
    throw new InvalidArgumentError(`percentile must be a number in [0, 100], received ${String(p)}`);
  }
}

function checkTolerance(t: number): void {
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
    throw new InvalidArgumentError(`normalizedSurfaceDice: toleranceMm must be a finite number >= 0 (mm), received ${String(t)}`);
  }
}

/**
 * Hausdorff distance in mm: the largest distance from a border voxel of either mask to the other
 * mask's border (see {@link surfaceDistances} for the definitions).
 * Both empty → NaN; one empty → Infinity (MONAI's conventions).
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * hausdorff(prediction, truth); // mm
 * ```
 */
export function hausdorff(prediction: Volume, truth: Volume, options: MaskOptions = {}): number {
  return hausdorffFromDistances(surfaceDistances(prediction, truth, options));
}

/**
 * Percentile Hausdorff distance in mm, MONAI's definition: the larger of the two directed
 * `percentile`-th percentiles (numpy linear interpolation), not the percentile of the pooled set.
 * Both empty → NaN; one empty → Infinity.
 *
 * @throws {@link @raunet/core!InvalidArgumentError} for a percentile outside [0, 100].
 * @example
 * ```ts
 * percentileHausdorff(prediction, truth, { percentile: 99 });
 * ```
 */
export function percentileHausdorff(prediction: Volume, truth: Volume, options: PercentileHausdorffOptions = {}): number {
  const p = options.percentile ?? 95;
  checkPercentile(p);
  return percentileHausdorffFromDistances(surfaceDistances(prediction, truth, options), p);
}

/**
 * 95th-percentile Hausdorff distance (HD95) in mm: {@link percentileHausdorff} at 95, i.e.
 * `max(P95(pred→truth), P95(truth→pred))` as MONAI's `compute_hausdorff_distance(percentile=95)`.
 * Always `<=` {@link hausdorff}. Both empty → NaN; one empty → Infinity.
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * hausdorff95(prediction, truth, { label: 1 }); // mm
 * ```
 */
export function hausdorff95(prediction: Volume, truth: Volume, options: MaskOptions = {}): number {
  return percentileHausdorffFromDistances(surfaceDistances(prediction, truth, options), 95);
}

/**
 * Average symmetric surface distance in mm: the mean of all border-voxel distances of both masks
 * pooled together (MONAI `compute_average_surface_distance(symmetric=True)`).
 * Both empty → NaN; one empty → Infinity.
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * assd(prediction, truth); // mm
 * ```
 */
export function assd(prediction: Volume, truth: Volume, options: MaskOptions = {}): number {
  return assdFromDistances(surfaceDistances(prediction, truth, options));
}

/**
 * Normalized surface Dice at a tolerance in mm (Nikolov et al. 2021), counted over border voxels as
 * MONAI's `compute_surface_dice(use_subvoxels=False)`:
 * `(#{pred border within τ of truth border} + #{truth border within τ of pred border}) / (#pred border + #truth border)`,
 * in [0, 1], non-decreasing in τ. Both empty → NaN; one empty → 0.
 *
 * @throws {@link @raunet/core!InvalidArgumentError} when `toleranceMm` is negative or not finite.
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * normalizedSurfaceDice(prediction, truth, { toleranceMm: 3 }); // infection, COVID-19-CT-Seg
 * ```
 */
export function normalizedSurfaceDice(prediction: Volume, truth: Volume, options: NormalizedSurfaceDiceOptions): number {
  const tolerance = options?.toleranceMm;
  checkTolerance(tolerance);
  return normalizedSurfaceDiceFromDistances(surfaceDistances(prediction, truth, options), tolerance);
}
