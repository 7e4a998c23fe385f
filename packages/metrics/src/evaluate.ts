import { InvalidArgumentError, type Volume } from '@raunet/core';
import { scanPair } from './internal/mask.js';
import { medianOf } from './internal/stats.js';
import {
  diceFromCounts,
  iouFromCounts,
  precisionFromCounts,
  recallFromCounts,
  relativeVolumeDifferenceFromCounts,
  specificityFromCounts,
  type ConfusionCounts,
  type MaskOptions,
} from './overlap.js';
import {
  assdFromDistances,
  checkSurface,
  distancesOf,
  hausdorffFromDistances,
  normalizedSurfaceDiceFromDistances,
  percentileHausdorffFromDistances,
  type SurfaceDefinition,
} from './surface.js';

/** Names of the per-case metrics, in table (CSV column) order. */
export const CASE_METRIC_NAMES = [
  'dice',
  'iou',
  'precision',
  'recall',
  'specificity',
  'relativeVolumeDifference',
  'predictionVolumeMl',
  'truthVolumeMl',
  'hausdorff',
  'hausdorff95',
  'assd',
  'nsd',
] as const;

/** One of {@link CASE_METRIC_NAMES}. */
export type CaseMetricName = (typeof CASE_METRIC_NAMES)[number];

/** Every metric of one prediction/truth pair (see each function for the empty-mask conventions). */
export interface CaseMetrics {
  /** Case name (from the pair or the options; `''` when none was given). */
  name: string;
  /** Dice similarity coefficient in [0, 1] (see {@link dice}; an empty truth scores by `emptyScore`). */
  dice: number;
  /** Intersection over union in [0, 1] (see {@link iou}; an empty truth scores by `emptyScore`). */
  iou: number;
  /** `TP / (TP + FP)`; NaN for an empty prediction. */
  precision: number;
  /** Sensitivity `TP / (TP + FN)`; NaN for an empty truth. */
  recall: number;
  /** `TN / (TN + FP)`. */
  specificity: number;
  /** `(|P| − |T|) / |T|`, signed. */
  relativeVolumeDifference: number;
  /** Foreground volume of the prediction in mL. */
  predictionVolumeMl: number;
  /** Foreground volume of the truth in mL. */
  truthVolumeMl: number;
  /** Hausdorff distance in mm (NaN if both empty, Infinity if one is). NaN when `surface` is false. */
  hausdorff: number;
  /** HD at `percentile` (95 by default) in mm: the max of the two directed percentiles (see {@link percentileHausdorff}). */
  hausdorff95: number;
  /** Average symmetric surface distance in mm. */
  assd: number;
  /** Normalized surface Dice at `toleranceMm`, in [0, 1] (NaN if both empty, 0 if one is). */
  nsd: number;
  /** Voxel counts behind the overlap metrics. */
  counts: ConfusionCounts;
}

/** Options of {@link evaluateCase} (and, per case, of {@link evaluateSet}). */
export interface EvaluateCaseOptions extends MaskOptions {
  /** Case name stored in the result. @defaultValue '' */
  name?: string;
  /** NSD tolerance in mm (COVID-19-CT-Seg: 1 for lungs, 3 for infection). @defaultValue 1 */
  toleranceMm?: number;
  /** Percentile of the robust Hausdorff distance reported as `hausdorff95`. @defaultValue 95 */
  percentile?: number;
  /**
   * Dice/IoU of a case whose truth is empty (see {@link OverlapOptions.emptyScore}): an empty prediction
   * scores `emptyScore`, a non-empty one 0, except that `NaN` makes every empty-truth case NaN (MONAI's
   * `ignore_empty=True`), so such cases drop out of set means. @defaultValue 1
   */
  emptyScore?: number;
  /**
   * Surface definition of the surface metrics (HD, HD95, ASSD, NSD; see {@link SurfaceDefinition}):
   * `'voxel'` (border voxels, MONAI) or `'surfel'` (area-weighted surfels, DeepMind and the
   * COVID-19-CT-Seg benchmark); `false` skips them (they are NaN), `true` means `'voxel'`.
   * @defaultValue 'voxel'
   */
  surface?: boolean | SurfaceDefinition;
}

/**
 * All metrics of one prediction against its ground truth, sharing one pass for the counts and one
 * distance computation for the four surface metrics (on border voxels, or with `surface: 'surfel'` on
 * area-weighted surfels as the COVID-19-CT-Seg benchmark).
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @throws {@link @raunet/core!InvalidArgumentError} for a bad label, tolerance, percentile or surface.
 * @example
 * ```ts
 * const m = evaluateCase(prediction, truth, { name: 'coronacases_001', toleranceMm: 3 });
 * console.log(m.dice, m.hausdorff95, m.nsd);
 * const asBenchmark = evaluateCase(prediction, truth, { toleranceMm: 3, surface: 'surfel' });
 * ```
 */
export function evaluateCase(prediction: Volume, truth: Volume, options: EvaluateCaseOptions = {}): CaseMetrics {
  const toleranceMm = options.toleranceMm ?? 1;
  const percentile = options.percentile ?? 95;
  if (!Number.isFinite(toleranceMm) || toleranceMm < 0) {
    throw new InvalidArgumentError(`evaluateCase: toleranceMm must be a finite number >= 0 (mm), received ${toleranceMm}`);
  }
  if (!(percentile >= 0 && percentile <= 100)) {
    throw new InvalidArgumentError(`evaluateCase: percentile must be in [0, 100], received ${percentile}`);
  }
  const where = options.name ? `evaluateCase(${options.name})` : 'evaluateCase';
  const surface = surfaceOption(options.surface, where);
  const scan = scanPair(prediction, truth, options.label, where);
  const counts: ConfusionCounts = {
    truePositive: scan.tp,
    falsePositive: scan.fp,
    falseNegative: scan.fn,
    trueNegative: scan.tn,
  };
  const g = scan.grid;
  const voxelMl = (g.sx * g.sy * g.sz) / 1000;
  const emptyScore = options.emptyScore ?? 1;
  let hausdorff = Number.NaN;
  let hausdorff95 = Number.NaN;
  let assd = Number.NaN;
  let nsd = Number.NaN;
  if (surface) {
    const d = distancesOf(prediction, truth, options.label, scan, surface);
    hausdorff = hausdorffFromDistances(d);
    hausdorff95 = percentileHausdorffFromDistances(d, percentile);
    assd = assdFromDistances(d);
    nsd = normalizedSurfaceDiceFromDistances(d, toleranceMm);
  }
  return {
    name: options.name ?? '',
    dice: diceFromCounts(counts, emptyScore),
    iou: iouFromCounts(counts, emptyScore),
    precision: precisionFromCounts(counts),
    recall: recallFromCounts(counts),
    specificity: specificityFromCounts(counts),
    relativeVolumeDifference: relativeVolumeDifferenceFromCounts(counts),
    predictionVolumeMl: (scan.tp + scan.fp) * voxelMl,
    truthVolumeMl: (scan.tp + scan.fn) * voxelMl,
    hausdorff,
    hausdorff95,
    assd,
    nsd,
    counts,
  };
}

/** The surface definition of an `EvaluateCaseOptions.surface`, or undefined when the surface metrics are skipped. */
function surfaceOption(surface: EvaluateCaseOptions['surface'], where: string): SurfaceDefinition | undefined {
  if (surface === false) return undefined;
  return checkSurface(surface === true ? undefined : surface, where);
}

/** One case of a set: a named prediction and its ground truth, on the same grid. */
export interface EvaluationPair {
  /** Case name, e.g. the file stem `'coronacases_001'`. */
  name: string;
  /** Predicted mask. */
  prediction: Volume;
  /** Ground-truth mask. */
  truth: Volume;
}

/**
 * Statistics of one metric over the cases of a set. Only finite values enter `mean`, `std`,
 * `median`, `min` and `max`; NaN values (undefined cases, e.g. HD with both masks empty) and
 * infinite values (e.g. HD with one mask empty) are counted apart, so a reader can see them.
 */
export interface MetricSummary {
  /** Mean of the finite values (NaN when there are none). */
  mean: number;
  /** Sample standard deviation (n − 1 denominator, like pandas) of the finite values; NaN for fewer than 2. */
  std: number;
  /** Median of the finite values (mean of the two middle ones for an even count). */
  median: number;
  /** Smallest finite value. */
  min: number;
  /** Largest finite value. */
  max: number;
  /** Number of finite values used. */
  count: number;
  /** Number of NaN values left out. */
  nanCount: number;
  /** Number of ±Infinity values left out. */
  infiniteCount: number;
}

/** Result of {@link evaluateSet}: the per-case table and one {@link MetricSummary} per metric. */
export interface EvaluateSetResult {
  /** Per-case metrics, in input order. */
  cases: CaseMetrics[];
  /** Statistics of each metric over the cases. */
  summary: Record<CaseMetricName, MetricSummary>;
  /** NSD tolerance used, in mm. */
  toleranceMm: number;
  /** Percentile used for `hausdorff95`. */
  percentile: number;
  /**
   * Surface definition of the surface metrics; absent when they were skipped (`surface: false`) or the
   * result was built without it.
   */
  surface?: SurfaceDefinition;
}

/** Options of {@link evaluateSet}: those of {@link evaluateCase} except the case name. */
export type EvaluateSetOptions = Omit<EvaluateCaseOptions, 'name'>;

/**
 * Summary statistics over already computed cases (use it to evaluate large sets one case at a time
 * with {@link evaluateCase}, keeping only one pair of volumes in memory).
 *
 * @example
 * ```ts
 * const cases = names.map((n) => evaluateCase(load(n).prediction, load(n).truth, { name: n }));
 * const summary = summarizeCases(cases);
 * ```
 */
export function summarizeCases(cases: readonly CaseMetrics[]): Record<CaseMetricName, MetricSummary> {
  const out = {} as Record<CaseMetricName, MetricSummary>;
  for (const key of CASE_METRIC_NAMES) out[key] = summarizeValues(cases.map((c) => c[key]));
  return out;
}

/**
 * Statistics of a list of values, as {@link summarizeCases} gives per metric: `mean`, sample `std`,
 * `median`, `min` and `max` over the finite values; NaN and infinite values are only counted.
 *
 * @example
 * ```ts
 * summarizeValues([0.8, 0.9, NaN]); // { mean: 0.85, std: 0.0707..., count: 2, nanCount: 1, ... }
 * ```
 */
export function summarizeValues(values: readonly number[]): MetricSummary {
  const finite: number[] = [];
  let nanCount = 0;
  let infiniteCount = 0;
  for (const v of values) {
    if (Number.isNaN(v)) nanCount++;
    else if (!Number.isFinite(v)) infiniteCount++;
    else finite.push(v);
  }
  const n = finite.length;
  let mean = Number.NaN;
  let std = Number.NaN;
  if (n > 0) mean = finite.reduce((s, x) => s + x, 0) / n;
  if (n > 1) std = Math.sqrt(finite.reduce((s, x) => s + (x - mean) * (x - mean), 0) / (n - 1));
  return {
    mean,
    std,
    median: medianOf(finite),
    min: n ? Math.min(...finite) : Number.NaN,
    max: n ? Math.max(...finite) : Number.NaN,
    count: n,
    nanCount,
    infiniteCount,
  };
}

/**
 * Evaluates a set of named prediction/truth pairs: the per-case metrics ({@link evaluateCase}) and
 * their mean, standard deviation and median ({@link summarizeCases}).
 *
 * @throws {@link @raunet/core!ShapeMismatchError} naming the case whose masks are on different grids.
 * @example
 * ```ts
 * const result = evaluateSet([{ name: 'case1', prediction, truth }], { toleranceMm: 3 });
 * result.summary.dice.mean;
 * await writeFile('metrics.csv', toCsv(result));
 * ```
 */
export function evaluateSet(pairs: readonly EvaluationPair[], options: EvaluateSetOptions = {}): EvaluateSetResult {
  if (!Array.isArray(pairs)) throw new InvalidArgumentError('evaluateSet: pairs must be an array of { name, prediction, truth }');
  const list: readonly EvaluationPair[] = pairs;
  const surface = surfaceOption(options.surface, 'evaluateSet');
  const cases = list.map((p: EvaluationPair | undefined, i) => {
    if (!p?.prediction || !p.truth) {
      throw new InvalidArgumentError(`evaluateSet: pair ${i} must have prediction and truth volumes`);
    }
    return evaluateCase(p.prediction, p.truth, { ...options, name: typeof p.name === 'string' ? p.name : `case${i}` });
  });
  return {
    cases,
    summary: summarizeCases(cases),
    toleranceMm: options.toleranceMm ?? 1,
    percentile: options.percentile ?? 95,
    ...(surface ? { surface } : {}),
  };
}
