import { InvalidArgumentError, type Volume } from '@raunet/core';
import { scanPair, type PairScan } from './internal/mask.js';
import { directedDistances } from './internal/surface-core.js';
import { surfelDistances } from './internal/surfel-core.js';
import {
  countAtMost,
  maxOf,
  meanOf,
  percentileOf,
  sumOf,
  weightAtMost,
  weightedMeanOf,
  weightedPercentileOf,
} from './internal/stats.js';
import type { MaskOptions } from './overlap.js';

/** The surface definitions, in the order the CLI lists them. */
export const SURFACE_DEFINITIONS = ['voxel', 'surfel'] as const;

/**
 * What the surface metrics measure between:
 * - `'voxel'`: border voxels, each counting once (MONAI's `get_mask_edges` + `get_surface_distance`,
 *   `compute_surface_dice(use_subvoxels=False)`); distances between voxel centres.
 * - `'surfel'`: surface elements on the voxel-corner grid weighted by their area in mm² (Nikolov et al.
 *   2018; DeepMind's `surface-distance`, used by the COVID-19-CT-Seg benchmark); distances between
 *   voxel corners.
 *
 * The two give different numbers on the same masks (docs/metrics.md): compare a metric only with one
 * computed on the same definition.
 */
export type SurfaceDefinition = (typeof SURFACE_DEFINITIONS)[number];

/** Options of the surface metrics: the mask to read and the surface definition. */
export interface SurfaceOptions extends MaskOptions {
  /** Surface definition (see {@link SurfaceDefinition}). @defaultValue 'voxel' */
  surface?: SurfaceDefinition;
}

/**
 * Result of {@link surfaceDistances}: the two directed sets of surface distances in mm, and with
 * `surface: 'surfel'` the area of each surface element.
 */
export interface SurfaceDistancesResult {
  /**
   * For each border voxel (or surfel) of the prediction, the distance in mm to the nearest border voxel
   * (surfel) of the truth (Infinity when the truth is empty). Order: voxel (corner) order, x fastest.
   */
  readonly predictionToTruth: Float64Array;
  /** For each border voxel (or surfel) of the truth, the distance in mm to the nearest one of the prediction. */
  readonly truthToPrediction: Float64Array;
  /**
   * `'surfel'` only: the area in mm² of each prediction surfel, in the order of `predictionToTruth`. When
   * both area arrays are present the `…FromDistances` functions weight each distance by its area.
   */
  readonly predictionAreas?: Float64Array;
  /** `'surfel'` only: the area in mm² of each truth surfel, in the order of `truthToPrediction`. */
  readonly truthAreas?: Float64Array;
}

/** Options of {@link percentileHausdorff}. */
export interface PercentileHausdorffOptions extends SurfaceOptions {
  /** Percentile in [0, 100] of each directed distance set. @defaultValue 95 */
  percentile?: number;
}

/** Options of {@link normalizedSurfaceDice}. */
export interface NormalizedSurfaceDiceOptions extends SurfaceOptions {
  /**
   * Tolerance in mm: a border voxel counts as correct when its distance to the other border is
   * `<= toleranceMm`. The COVID-19-CT-Seg benchmark uses 1 mm for lungs and 3 mm for infections.
   */
  toleranceMm: number;
}

/**
 * Directed surface distances between two masks, the basis of every surface metric here.
 *
 * `surface: 'voxel'` (default; MONAI's `get_mask_edges` + `get_surface_distance`, euclidean): a border
 * voxel is a foreground voxel with at least one of its 6 face neighbours in the background, positions
 * outside the volume counting as background; the distance of a border voxel is the Euclidean distance in
 * mm (spacing-weighted, voxel centres) to the nearest border voxel of the other mask.
 *
 * `surface: 'surfel'` (Nikolov et al. 2018, DeepMind's `compute_surface_distances`): every corner point
 * of the voxel grid whose 8 surrounding voxels are neither all foreground nor all background is a
 * surface element (surfel); its area in mm² is that of the marching-cubes surface through the cell of
 * those 8 voxel centres, from a 256-entry table per neighbourhood code at the grid's spacing; the
 * distance of a surfel is the Euclidean distance in mm to the nearest surfel of the other mask. The
 * result then carries `predictionAreas` and `truthAreas`.
 *
 * Distances come from an exact Euclidean distance transform (Felzenszwalb–Huttenlocher, linear time)
 * over the bounding box of the union of both masks (its corner points for surfels). Assumes orthogonal
 * voxel axes (any rotation in the affine is fine; shear is not modelled). A 2D mask is a one-slice 3D
 * volume here.
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @throws {@link @raunet/core!InvalidArgumentError} for a `surface` other than `'voxel'` or `'surfel'`.
 * @example
 * ```ts
 * const { predictionToTruth, truthToPrediction } = surfaceDistances(prediction, truth);
 * const surfels = surfaceDistances(prediction, truth, { surface: 'surfel' }); // + predictionAreas, truthAreas
 * ```
 */
export function surfaceDistances(prediction: Volume, truth: Volume, options: SurfaceOptions = {}): SurfaceDistancesResult {
  const surface = checkSurface(options.surface, 'surfaceDistances');
  const scan = scanPair(prediction, truth, options.label, 'surfaceDistances');
  return distancesOf(prediction, truth, options.label, scan, surface);
}

/**
 * Distances of an already scanned pair by one surface definition (shared with evaluateCase).
 * @internal
 */
export function distancesOf(
  prediction: Volume,
  truth: Volume,
  label: number | undefined,
  scan: PairScan,
  surface: SurfaceDefinition,
): SurfaceDistancesResult {
  return surface === 'surfel' ? surfelDistances(prediction, truth, label, scan) : directedDistances(prediction, truth, label, scan);
}

/**
 * The `surface` option, checked; `'voxel'` when undefined.
 * @internal
 */
export function checkSurface(surface: unknown, where: string): SurfaceDefinition {
  if (surface === undefined) return 'voxel';
  if (!(SURFACE_DEFINITIONS as readonly unknown[]).includes(surface)) {
    throw new InvalidArgumentError(
      `${where}: surface must be one of ${SURFACE_DEFINITIONS.map((d) => `'${d}'`).join(', ')}, received ${String(JSON.stringify(surface))}`,
    );
  }
  return surface as SurfaceDefinition;
}

/** The two area arrays when the result is area-weighted (surfels), else undefined. */
function areasOf(d: SurfaceDistancesResult): [Float64Array, Float64Array] | undefined {
  return d.predictionAreas && d.truthAreas ? [d.predictionAreas, d.truthAreas] : undefined;
}

/** Hausdorff distance from directed distances: NaN if both sets are empty, else the larger maximum. */
export function hausdorffFromDistances(d: SurfaceDistancesResult): number {
  const { predictionToTruth: a, truthToPrediction: b } = d;
  if (a.length === 0 && b.length === 0) return Number.NaN;
  if (a.length === 0 || b.length === 0) return Infinity;
  return Math.max(maxOf(a), maxOf(b));
}

/**
 * Percentile Hausdorff from directed distances: `max(P_p(pred→truth), P_p(truth→pred))`. Unweighted
 * (border voxels): numpy's linear-interpolation percentile, as MONAI. Area-weighted (surfels): the
 * distance at which the cumulative surfel area, distances in increasing order, reaches `p` % of the
 * total, as DeepMind's `compute_robust_hausdorff`. NaN if both sets are empty, Infinity if one is.
 */
export function percentileHausdorffFromDistances(d: SurfaceDistancesResult, percentile = 95): number {
  checkPercentile(percentile);
  const { predictionToTruth: a, truthToPrediction: b } = d;
  if (a.length === 0 && b.length === 0) return Number.NaN;
  if (a.length === 0 || b.length === 0) return Infinity;
  const areas = areasOf(d);
  if (areas) {
    return Math.max(weightedPercentileOf(a, areas[0], percentile), weightedPercentileOf(b, areas[1], percentile));
  }
  return Math.max(percentileOf(a, percentile), percentileOf(b, percentile));
}

/**
 * ASSD from directed distances: the mean of both sets pooled (MONAI `symmetric=True`), weighted by
 * surfel area when the result has areas. NaN if both sets are empty, Infinity if one is.
 */
export function assdFromDistances(d: SurfaceDistancesResult): number {
  const { predictionToTruth: a, truthToPrediction: b } = d;
  if (a.length === 0 && b.length === 0) return Number.NaN;
  if (a.length === 0 || b.length === 0) return Infinity;
  const areas = areasOf(d);
  if (areas) {
    const wa = sumOf(areas[0]);
    const wb = sumOf(areas[1]);
    return (weightedMeanOf(a, areas[0]) * wa + weightedMeanOf(b, areas[1]) * wb) / (wa + wb);
  }
  const n = a.length + b.length;
  return (meanOf(a) * a.length + meanOf(b) * b.length) / n;
}

/**
 * NSD from directed distances: the share of border voxels (both masks) within `toleranceMm`, or with
 * areas the share of surfel area `(area of A within τ of B + area of B within τ of A) / (area of A + area of B)`.
 * NaN if both sets are empty.
 */
export function normalizedSurfaceDiceFromDistances(d: SurfaceDistancesResult, toleranceMm: number): number {
  checkTolerance(toleranceMm);
  const { predictionToTruth: a, truthToPrediction: b } = d;
  if (a.length + b.length === 0) return Number.NaN;
  const areas = areasOf(d);
  if (areas) {
    const within = weightAtMost(a, areas[0], toleranceMm) + weightAtMost(b, areas[1], toleranceMm);
    return within / (sumOf(areas[0]) + sumOf(areas[1]));
  }
  return (countAtMost(a, toleranceMm) + countAtMost(b, toleranceMm)) / (a.length + b.length);
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
 * Hausdorff distance in mm: the largest distance from a border voxel (or surfel, with
 * `surface: 'surfel'`) of either mask to the other mask's surface (see {@link surfaceDistances}).
 * Both empty → NaN; one empty → Infinity (MONAI's conventions).
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * hausdorff(prediction, truth); // mm
 * ```
 */
export function hausdorff(prediction: Volume, truth: Volume, options: SurfaceOptions = {}): number {
  return hausdorffFromDistances(surfaceDistances(prediction, truth, options));
}

/**
 * Percentile Hausdorff distance in mm: the larger of the two directed `percentile`-th percentiles, not
 * the percentile of the pooled set. `surface: 'voxel'` (default): over border voxels with numpy's
 * linear interpolation (MONAI). `surface: 'surfel'`: area-weighted, the distance at which the
 * cumulative surfel area reaches `percentile` % (DeepMind's `compute_robust_hausdorff`).
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
 * `max(P95(pred→truth), P95(truth→pred))`: as MONAI's `compute_hausdorff_distance(percentile=95)` by
 * default, as DeepMind's `compute_robust_hausdorff(…, 95)` with `surface: 'surfel'`.
 * Always `<=` {@link hausdorff}. Both empty → NaN; one empty → Infinity.
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * hausdorff95(prediction, truth, { label: 1 }); // mm
 * hausdorff95(prediction, truth, { surface: 'surfel' }); // mm, area-weighted
 * ```
 */
export function hausdorff95(prediction: Volume, truth: Volume, options: SurfaceOptions = {}): number {
  return percentileHausdorffFromDistances(surfaceDistances(prediction, truth, options), 95);
}

/**
 * Average symmetric surface distance in mm: the mean of all distances of both masks pooled together
 * (MONAI `compute_average_surface_distance(symmetric=True)`); with `surface: 'surfel'` each surfel
 * weighted by its area (DeepMind returns the two directed means instead; this is their area-weighted
 * mean). Both empty → NaN; one empty → Infinity.
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * assd(prediction, truth); // mm
 * ```
 */
export function assd(prediction: Volume, truth: Volume, options: SurfaceOptions = {}): number {
  return assdFromDistances(surfaceDistances(prediction, truth, options));
}

/**
 * Normalized surface Dice at a tolerance in mm (Nikolov et al. 2021), in [0, 1] and non-decreasing in τ.
 * `surface: 'voxel'` (default) counts border voxels, as MONAI's `compute_surface_dice(use_subvoxels=False)`:
 * `(#{pred border within τ of truth border} + #{truth border within τ of pred border}) / (#pred border + #truth border)`.
 * `surface: 'surfel'` weights surfels by area, as DeepMind's `compute_surface_dice_at_tolerance` (the
 * COVID-19-CT-Seg benchmark's NSD): `(area of pred within τ + area of truth within τ) / (total area)`.
 * Both empty → NaN; one empty → 0.
 *
 * @throws {@link @raunet/core!InvalidArgumentError} when `toleranceMm` is negative or not finite.
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * normalizedSurfaceDice(prediction, truth, { toleranceMm: 3 }); // border voxels
 * normalizedSurfaceDice(prediction, truth, { toleranceMm: 3, surface: 'surfel' }); // as the benchmark
 * ```
 */
export function normalizedSurfaceDice(prediction: Volume, truth: Volume, options: NormalizedSurfaceDiceOptions): number {
  const tolerance = options?.toleranceMm;
  checkTolerance(tolerance);
  return normalizedSurfaceDiceFromDistances(surfaceDistances(prediction, truth, options), tolerance);
}
