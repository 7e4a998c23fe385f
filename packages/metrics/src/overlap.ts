import { type Volume } from '@raunet/core';
import { checkLabel, countForeground, gridOf, scanPair } from './internal/mask.js';

/**
 * How a mask volume is read. A mask is a scalar {@link Volume} (2D, or 3D with dims `[nx, ny, nz]`,
 * x fastest). Without `label` every nonzero voxel is foreground (NaN counts as background); with
 * `label: n` only voxels equal to `n` are (to pick one class of a label map).
 */
export interface MaskOptions {
  /** Class to evaluate in a label map; foreground is `value === label`. @defaultValue undefined (nonzero = foreground) */
  label?: number;
}

/** Options of {@link dice} and {@link iou}. */
export interface OverlapOptions extends MaskOptions {
  /**
   * Score of a case whose truth is empty, where the ratio says nothing about the truth. A finite value
   * is the score of an empty prediction on it (a non-empty prediction scores 0): `1` is MONAI's
   * `DiceMetric(ignore_empty=False)`. `NaN` makes every empty-truth case NaN, whatever the prediction,
   * as MONAI's `ignore_empty=True` (its default), so the case drops out of set means. Cases with a
   * non-empty truth never use it.
   * @defaultValue 1
   */
  emptyScore?: number;
}

/** Voxel counts of a prediction/truth pair (the confusion matrix of the foreground class). */
export interface ConfusionCounts {
  /** Voxels foreground in both (true positives). */
  truePositive: number;
  /** Voxels foreground in the prediction only (false positives). */
  falsePositive: number;
  /** Voxels foreground in the truth only (false negatives). */
  falseNegative: number;
  /** Voxels background in both (true negatives). */
  trueNegative: number;
}

/**
 * The confusion counts of a prediction against the truth, in one pass.
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids (dims or affine).
 * @throws {@link @raunet/core!InvalidArgumentError} for a multi-component or 4D mask, or a non-finite label.
 * @example
 * ```ts
 * const { truePositive, falsePositive } = confusionCounts(prediction, truth, { label: 1 });
 * ```
 */
export function confusionCounts(prediction: Volume, truth: Volume, options: MaskOptions = {}): ConfusionCounts {
  const s = scanPair(prediction, truth, options.label, 'confusionCounts');
  return { truePositive: s.tp, falsePositive: s.fp, falseNegative: s.fn, trueNegative: s.tn };
}

function ratio(num: number, den: number): number {
  return den === 0 ? (num === 0 ? Number.NaN : Infinity) : num / den;
}

/**
 * The score of a case with an empty truth ({@link OverlapOptions.emptyScore}): `emptyScore` when the
 * prediction is empty too, NaN for any prediction when `emptyScore` is NaN, else 0.
 */
function emptyTruthScore(c: ConfusionCounts, emptyScore: number): number {
  return c.falsePositive === 0 || Number.isNaN(emptyScore) ? emptyScore : 0;
}

/**
 * Dice from counts: `2TP / (2TP + FP + FN)`; with an empty truth (`TP + FN = 0`) the
 * {@link OverlapOptions.emptyScore} rule: `emptyScore` for an empty prediction, 0 for another one,
 * NaN for any when `emptyScore` is NaN.
 */
export function diceFromCounts(c: ConfusionCounts, emptyScore = 1): number {
  if (c.truePositive + c.falseNegative === 0) return emptyTruthScore(c, emptyScore);
  return (2 * c.truePositive) / (2 * c.truePositive + c.falsePositive + c.falseNegative);
}

/** IoU from counts: `TP / (TP + FP + FN)`; with an empty truth the same rule as {@link diceFromCounts}. */
export function iouFromCounts(c: ConfusionCounts, emptyScore = 1): number {
  if (c.truePositive + c.falseNegative === 0) return emptyTruthScore(c, emptyScore);
  return c.truePositive / (c.truePositive + c.falsePositive + c.falseNegative);
}

/**
 * Dice similarity coefficient `2|P∩T| / (|P| + |T|)` in [0, 1] (voxel counts; spacing cancels out).
 * Empty prediction on a non-empty truth → 0. Empty truth: by {@link OverlapOptions.emptyScore}, by
 * default 1 when the prediction is empty too and 0 when it is not (MONAI `ignore_empty=False`);
 * `emptyScore: NaN` gives NaN for both (MONAI `ignore_empty=True`).
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * import { createVolume } from '@raunet/core';
 * const a = createVolume({ data: Uint8Array.from([1, 1, 0, 0]), dims: [4, 1, 1] });
 * const b = createVolume({ data: Uint8Array.from([0, 1, 1, 0]), dims: [4, 1, 1] });
 * dice(a, b); // 0.5
 * dice(a, createVolume({ data: new Uint8Array(4), dims: [4, 1, 1] }), { emptyScore: Number.NaN }); // NaN (empty truth)
 * ```
 */
export function dice(prediction: Volume, truth: Volume, options: OverlapOptions = {}): number {
  return diceFromCounts(confusionCounts(prediction, truth, options), options.emptyScore ?? 1);
}

/**
 * Intersection over union (Jaccard index) `|P∩T| / |P∪T|` in [0, 1]. Empty prediction on a non-empty
 * truth → 0; empty truth: as {@link dice}, by {@link OverlapOptions.emptyScore}.
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * iou(prediction, truth); // = dice / (2 - dice)
 * ```
 */
export function iou(prediction: Volume, truth: Volume, options: OverlapOptions = {}): number {
  return iouFromCounts(confusionCounts(prediction, truth, options), options.emptyScore ?? 1);
}

/** Alias of {@link iou}. */
export const jaccard = iou;

/** Precision from counts: `TP / (TP + FP)`; NaN when the prediction is empty (0/0). */
export function precisionFromCounts(c: ConfusionCounts): number {
  return ratio(c.truePositive, c.truePositive + c.falsePositive);
}

/** Recall from counts: `TP / (TP + FN)`; NaN when the truth is empty (0/0). */
export function recallFromCounts(c: ConfusionCounts): number {
  return ratio(c.truePositive, c.truePositive + c.falseNegative);
}

/** Specificity from counts: `TN / (TN + FP)`; NaN when the truth covers every voxel (0/0). */
export function specificityFromCounts(c: ConfusionCounts): number {
  return ratio(c.trueNegative, c.trueNegative + c.falsePositive);
}

/**
 * Relative volume difference from counts: `(|P| − |T|) / |T|` (signed: positive = over-segmentation).
 * Both empty → NaN (0/0); truth empty and prediction not → Infinity.
 */
export function relativeVolumeDifferenceFromCounts(c: ConfusionCounts): number {
  const p = c.truePositive + c.falsePositive;
  const t = c.truePositive + c.falseNegative;
  return ratio(p - t, t);
}

/**
 * Precision (positive predictive value) `TP / (TP + FP)`. Empty prediction → NaN (0/0, MONAI's
 * confusion-matrix convention).
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * precision(prediction, truth, { label: 1 });
 * ```
 */
export function precision(prediction: Volume, truth: Volume, options: MaskOptions = {}): number {
  return precisionFromCounts(confusionCounts(prediction, truth, options));
}

/**
 * Recall (sensitivity, true positive rate) `TP / (TP + FN)`. Empty truth → NaN (0/0).
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * recall(prediction, truth);
 * ```
 */
export function recall(prediction: Volume, truth: Volume, options: MaskOptions = {}): number {
  return recallFromCounts(confusionCounts(prediction, truth, options));
}

/** Alias of {@link recall}. */
export const sensitivity = recall;

/**
 * Specificity (true negative rate) `TN / (TN + FP)`. Truth covering the whole grid → NaN (0/0).
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * specificity(prediction, truth);
 * ```
 */
export function specificity(prediction: Volume, truth: Volume, options: MaskOptions = {}): number {
  return specificityFromCounts(confusionCounts(prediction, truth, options));
}

/**
 * Signed relative volume difference `(|P| − |T|) / |T|` (0 = same volume, +0.1 = 10 % too large).
 * Both empty → NaN; truth empty, prediction not → Infinity.
 *
 * @throws {@link @raunet/core!ShapeMismatchError} when the masks are on different grids.
 * @example
 * ```ts
 * relativeVolumeDifference(prediction, truth); // e.g. -0.05
 * ```
 */
export function relativeVolumeDifference(prediction: Volume, truth: Volume, options: MaskOptions = {}): number {
  return relativeVolumeDifferenceFromCounts(confusionCounts(prediction, truth, options));
}

/** Volume of one voxel in mL (`sx · sy · sz / 1000`, spacing in mm; 2D masks use `sz` = the third spacing or 1). */
export function voxelVolumeMl(mask: Volume): number {
  const g = gridOf(mask, 'voxelVolumeMl');
  return (g.sx * g.sy * g.sz) / 1000;
}

/**
 * Volume of the foreground of a mask in millilitres: foreground voxel count × `sx · sy · sz` mm³ / 1000.
 * Uses `mask.spacing` (the grid's voxel size), not the affine's determinant.
 *
 * @throws {@link @raunet/core!InvalidArgumentError} for a multi-component or 4D mask.
 * @example
 * ```ts
 * lesionVolumeMl(infection); // e.g. 12.6 (mL)
 * lesionVolumeMl(labels, { label: 2 });
 * ```
 */
export function lesionVolumeMl(mask: Volume, options: MaskOptions = {}): number {
  checkLabel(options.label, 'lesionVolumeMl');
  const perVoxel = voxelVolumeMl(mask);
  return countForeground(mask, options.label) * perVoxel;
}
