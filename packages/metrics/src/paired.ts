import { InvalidArgumentError } from '@raunet/core';
import { summarizeValues, type CaseMetricName, type EvaluateSetResult } from './evaluate.js';
import {
  normalUpperTail,
  signTestP,
  signedRankDistribution,
  studentQuantile,
  studentTwoSidedP,
} from './internal/distributions.js';
import { meanOf } from './internal/stats.js';

/** Options of {@link pairedComparison} and {@link compareEvaluations}. */
export interface PairedComparisonOptions {
  /** Confidence level of the interval of the mean difference. @defaultValue 0.95 */
  confidence?: number;
  /**
   * Differences with `|a − b| <=` this count as ties: left out of the sign and signed-rank tests (the
   * `'wilcox'` zero method), kept in the mean, sd and t test. @defaultValue 1e-12
   */
  tieTolerance?: number;
}

/** Result of {@link pairedComparison}: the paired differences `a[i] − b[i]` and three tests of them. */
export interface PairedComparison {
  /** Pairs compared. */
  cases: number;
  /** Mean of `a`. */
  meanA: number;
  /** Mean of `b`. */
  meanB: number;
  /** Mean of the differences `a − b`. */
  meanDifference: number;
  /** Sample standard deviation of the differences (n − 1 denominator; NaN below 2 pairs). */
  sdDifference: number;
  /** Confidence level of {@link PairedComparison.ci}. */
  confidence: number;
  /** Confidence interval of the mean difference, from Student's t with n − 1 degrees of freedom. */
  ci: [number, number];
  /** Paired t statistic, mean / (sd / √n) (±Infinity when every difference is the same non-zero value). */
  tStatistic: number;
  /** Two-sided p-value of the paired t test (scipy's `ttest_rel`). */
  tTestP: number;
  /** Pairs with `a − b` above the tie tolerance. */
  positive: number;
  /** Pairs with `a − b` below minus the tie tolerance. */
  negative: number;
  /** Pairs within the tie tolerance. */
  ties: number;
  /** Exact two-sided sign test of `positive` against `negative` (scipy's `binomtest(k, n, 0.5)`). */
  signTestP: number;
  /**
   * Wilcoxon signed-rank statistic: the smaller of the rank sums of the positive and the negative
   * differences (ties dropped, tied magnitudes given their mean rank), as scipy's `wilcoxon`.
   */
  wilcoxonStatistic: number;
  /** Two-sided p-value of the Wilcoxon signed-rank test. */
  wilcoxonP: number;
  /**
   * How {@link PairedComparison.wilcoxonP} was computed, chosen as scipy's `wilcoxon(method='auto')`:
   * `'exact'` (the null distribution of the rank sum: up to 50 pairs with no ties or zeros, or up to 13
   * with them, where it is the distribution given the tied ranks, scipy's permutation test) or
   * `'normal'` (the normal approximation, its variance corrected for ties, no continuity correction).
   */
  wilcoxonMethod: 'exact' | 'normal';
}

/** scipy's `wilcoxon(method='auto')`: the exact test up to this many pairs. */
const EXACT_WILCOXON_MAX = 50;
/** ... and with ties or zeros, the exhaustive permutation test up to this many. */
const PERMUTATION_WILCOXON_MAX = 13;

/** Mean ranks (1-based) of `values`, ties sharing the mean of their ranks; also Σ(t³ − t) over tie groups. */
function meanRanks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    const t = j - i + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2 + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { ranks, tieTerm };
}

/**
 * The Wilcoxon signed-rank test of the `nonZero` differences (those beyond the tie tolerance) out of
 * `pairs` in all, p-value chosen as scipy's `method='auto'` does: over 50 pairs the normal approximation; else the exact null
 * distribution when nothing is tied, or with ties or zeros at most 13 pairs (scipy's exhaustive
 * permutation test: the exact distribution given the tied ranks); else the normal approximation.
 */
function wilcoxon(nonZero: readonly number[], pairs: number): { statistic: number; p: number; method: 'exact' | 'normal' } {
  const n = nonZero.length;
  if (n === 0) return { statistic: 0, p: 1, method: 'exact' };
  const { ranks, tieTerm } = meanRanks(nonZero.map(Math.abs));
  let plus = 0;
  for (let i = 0; i < n; i++) if (nonZero[i] > 0) plus += ranks[i];
  const total = (n * (n + 1)) / 2;
  const statistic = Math.min(plus, total - plus);
  const tiedOrZero = tieTerm > 0 || n < pairs;
  if (pairs <= EXACT_WILCOXON_MAX && (!tiedOrZero || pairs <= PERMUTATION_WILCOXON_MAX)) {
    // Ranks are multiples of 1/2: the distribution of twice the rank sum, each rank's sign a fair coin.
    const pmf = signedRankDistribution(ranks.map((r) => Math.round(2 * r)));
    let tail = 0;
    for (let s = 0; s <= Math.round(2 * statistic); s++) tail += pmf[s];
    return { statistic, p: Math.min(1, 2 * tail), method: 'exact' };
  }
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const z = (statistic - total / 2) / Math.sqrt(variance);
  return { statistic, p: Math.min(1, 2 * normalUpperTail(Math.abs(z))), method: 'normal' };
}

/**
 * The paired comparison of two measurements of the same cases (e.g. the per-case DSC of two models):
 * the mean difference `a − b` with its confidence interval, and three two-sided tests that it is zero:
 * the paired t test, the Wilcoxon signed-rank test and the sign test. With per-case scores that are far
 * from normal (DSC near 0 or 1), read the signed-rank and sign tests beside the t interval.
 *
 * @param a - one value per case.
 * @param b - the other value of the same cases, in the same order.
 * @throws InvalidArgumentError when the lengths differ, there are no pairs, a value is not finite or an
 *   option is out of range.
 *
 * @example
 * ```ts
 * const c = pairedComparison(diceOfModelA, diceOfModelB);
 * console.log(c.meanDifference, c.ci, c.wilcoxonP);
 * ```
 */
export function pairedComparison(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: PairedComparisonOptions = {},
): PairedComparison {
  const confidence = options.confidence ?? 0.95;
  const tolerance = options.tieTolerance ?? 1e-12;
  if (!(confidence > 0 && confidence < 1))
    throw new InvalidArgumentError(`pairedComparison: confidence must be in (0, 1), got ${confidence}`);
  if (!(tolerance >= 0)) throw new InvalidArgumentError(`pairedComparison: tieTolerance must be >= 0, got ${tolerance}`);
  if (a.length !== b.length)
    throw new InvalidArgumentError(`pairedComparison: ${a.length} values against ${b.length}; pairs need the same number`);
  const n = a.length;
  if (n === 0) throw new InvalidArgumentError('pairedComparison: no pairs to compare');
  const d: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i]))
      throw new InvalidArgumentError(`pairedComparison: pair ${i} is not finite (${a[i]}, ${b[i]})`);
    d.push(a[i] - b[i]);
  }
  const { mean, std: sd } = summarizeValues(d);
  const se = sd / Math.sqrt(n);
  const half = n > 1 ? studentQuantile((1 + confidence) / 2, n - 1) * se : Number.NaN;
  const tStatistic = se > 0 ? mean / se : se === 0 && mean !== 0 ? Math.sign(mean) * Infinity : Number.NaN;
  const nonZero = d.filter((x) => Math.abs(x) > tolerance);
  const positive = nonZero.filter((x) => x > 0).length;
  const negative = nonZero.length - positive;
  const w = wilcoxon(nonZero, n);
  return {
    cases: n,
    meanA: meanOf(a),
    meanB: meanOf(b),
    meanDifference: mean,
    sdDifference: sd,
    confidence,
    ci: [mean - half, mean + half],
    tStatistic,
    tTestP: n > 1 ? studentTwoSidedP(tStatistic, n - 1) : Number.NaN,
    positive,
    negative,
    ties: n - nonZero.length,
    signTestP: signTestP(positive, positive + negative),
    wilcoxonStatistic: w.statistic,
    wilcoxonP: w.p,
    wilcoxonMethod: w.method,
  };
}

/**
 * Whether a higher value of each per-case metric is better (`true`), worse (`false`), or neither
 * (`undefined`: volumes and the signed relative volume difference have no better direction).
 */
export const HIGHER_IS_BETTER: Readonly<Record<CaseMetricName, boolean | undefined>> = {
  dice: true,
  iou: true,
  precision: true,
  recall: true,
  specificity: true,
  nsd: true,
  hausdorff: false,
  hausdorff95: false,
  assd: false,
  relativeVolumeDifference: undefined,
  predictionVolumeMl: undefined,
  truthVolumeMl: undefined,
};

/** Result of {@link compareEvaluations}. */
export interface EvaluationComparison {
  /** The metric compared. */
  metric: CaseMetricName;
  /** {@link HIGHER_IS_BETTER} of the metric. */
  higherIsBetter: boolean | undefined;
  /** The paired comparison, A − B, over the cases both results hold with a finite value in both. */
  comparison: PairedComparison;
  /** Cases where A is better (when the metric has a better direction). */
  aBetter?: number;
  /** Cases where A is worse (when the metric has a better direction). */
  aWorse?: number;
  /** Names of cases only in A. */
  onlyInA: string[];
  /** Names of cases only in B. */
  onlyInB: string[];
  /** Names of cases in both left out because the metric is NaN or infinite in either (e.g. HD95 of an empty mask). */
  notFinite: string[];
}

/** The metric's value of each case of `result`, by case name. */
function valuesByName(result: EvaluateSetResult, metric: CaseMetricName, label: string): Map<string, number> {
  if (!Array.isArray(result.cases)) throw new InvalidArgumentError(`compareEvaluations: ${label} has no cases array`);
  const map = new Map<string, number>();
  for (const c of result.cases) {
    const v = (c as unknown as Record<string, unknown>)[metric];
    if (typeof v !== 'number')
      throw new InvalidArgumentError(`compareEvaluations: case '${c.name}' of ${label} has no numeric ${metric}`);
    if (map.has(c.name)) throw new InvalidArgumentError(`compareEvaluations: ${label} holds case '${c.name}' twice`);
    map.set(c.name, v);
  }
  return map;
}

/**
 * Pairs two evaluations of the same cases (e.g. two models' `raunet evaluate --json`) by case name and
 * compares one metric, A − B, with {@link pairedComparison}. Cases present in only one of them, or
 * with a non-finite value in either, are left out and listed.
 *
 * @throws InvalidArgumentError when a result repeats a case name, a case has no numeric value of the
 *   metric, or no case can be paired.
 *
 * @example
 * ```ts
 * const c = compareEvaluations(fromJson(textA), fromJson(textB), 'dice');
 * console.log(c.comparison.meanDifference, c.aBetter, c.aWorse);
 * ```
 */
export function compareEvaluations(
  a: EvaluateSetResult,
  b: EvaluateSetResult,
  metric: CaseMetricName = 'dice',
  options: PairedComparisonOptions = {},
): EvaluationComparison {
  if (!(metric in HIGHER_IS_BETTER)) throw new InvalidArgumentError(`compareEvaluations: unknown metric '${String(metric)}'`);
  const va = valuesByName(a, metric, 'A');
  const vb = valuesByName(b, metric, 'B');
  const onlyInA = [...va.keys()].filter((k) => !vb.has(k));
  const onlyInB = [...vb.keys()].filter((k) => !va.has(k));
  const both = [...va.keys()].filter((k) => vb.has(k));
  const notFinite = both.filter((k) => !Number.isFinite(va.get(k)) || !Number.isFinite(vb.get(k)));
  const paired = both.filter((k) => Number.isFinite(va.get(k)) && Number.isFinite(vb.get(k)));
  if (paired.length === 0)
    throw new InvalidArgumentError(
      `compareEvaluations: no case to pair (${both.length} in both, ${notFinite.length} of them with a non-finite ${metric})`,
    );
  const comparison = pairedComparison(
    paired.map((k) => va.get(k)!),
    paired.map((k) => vb.get(k)!),
    options,
  );
  const higherIsBetter = HIGHER_IS_BETTER[metric];
  const result: EvaluationComparison = { metric, higherIsBetter, comparison, onlyInA, onlyInB, notFinite };
  if (higherIsBetter !== undefined) {
    result.aBetter = higherIsBetter ? comparison.positive : comparison.negative;
    result.aWorse = higherIsBetter ? comparison.negative : comparison.positive;
  }
  return result;
}
