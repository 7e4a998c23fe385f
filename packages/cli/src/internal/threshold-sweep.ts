import { assertSameGrid } from '@raunet/core';
import { dice, summarizeValues, type MetricSummary } from '@raunet/metrics';
import { maskFromProbability } from '@raunet/raunet';
import type { CliIO } from './context.js';
import { readScan } from './inputs.js';
import type { ScorePair } from './score-cases.js';

/** The result of {@link sweepThresholds}: DSC per (minimum size, threshold), and the best setting. */
export interface ThresholdSweep {
  /** The thresholds tried (columns). */
  thresholds: number[];
  /** The minimum component sizes tried (rows). */
  minSizes: number[];
  /** `dice[i][j]`: DSC over all cases at `minSizes[i]` and `thresholds[j]`. */
  dice: MetricSummary[][];
  /** The setting with the highest mean DSC (the first in row, then column order on a tie). */
  best: { threshold: number; minSize: number; dice: number };
  /** Cases scored. */
  cases: number;
}

/**
 * Scores every case's probability map at every threshold and minimum component size (the masks of
 * `maskFromProbability`, as `raunet predict` makes them) by DSC against its truth (`dice` of `@raunet/metrics`
 * with `label`, as the evaluation that follows; an empty truth and an empty mask score 1), one case in memory
 * at a time, and picks the setting with
 * the best mean. This is nnU-Net's choice of post-processing on cross-validation: the maps must be out of
 * fold (each case predicted by a model that did not train on it), or the choice fits the training data.
 */
export async function sweepThresholds(
  pairs: readonly ScorePair[],
  thresholds: readonly number[],
  minSizes: readonly number[],
  label: number | undefined,
  io: CliIO,
): Promise<ThresholdSweep> {
  const scores = minSizes.map(() => thresholds.map((): number[] => []));
  for (const p of pairs) {
    io.stderr(`sweeping ${p.name}\n`);
    const probability = await readScan(p.prediction, 'probability map');
    const truth = await readScan(p.truth, 'ground-truth mask');
    assertSameGrid(probability, truth, `probability map ${p.prediction} and ground truth ${p.truth}`);
    const overlap = label === undefined ? {} : { label };
    minSizes.forEach((minSize, i) =>
      thresholds.forEach((threshold, j) => {
        scores[i][j].push(dice(maskFromProbability(probability, { threshold, minComponentSize: minSize }), truth, overlap));
      }),
    );
  }
  const summaries = scores.map((row) => row.map((d) => summarizeValues(d)));
  let best = { threshold: thresholds[0], minSize: minSizes[0], dice: -Infinity };
  summaries.forEach((row, i) =>
    row.forEach((s, j) => {
      if (s.mean > best.dice) best = { threshold: thresholds[j], minSize: minSizes[i], dice: s.mean };
    }),
  );
  return { thresholds: [...thresholds], minSizes: [...minSizes], dice: summaries, best, cases: pairs.length };
}

/** The sweep as a text table (mean DSC; rows: minimum size, columns: threshold) and the setting chosen. */
export function sweepText(s: ThresholdSweep): string {
  const head = `min size \\ threshold`.padEnd(22) + s.thresholds.map((t) => String(t).padStart(8)).join('');
  const rows = s.dice.map((row, i) => String(s.minSizes[i]).padEnd(22) + row.map((d) => d.mean.toFixed(4).padStart(8)).join(''));
  return (
    `mean DSC of the probability maps over ${s.cases} cases:\n${head}\n${rows.join('\n')}\n` +
    `chosen: threshold ${s.best.threshold}, min size ${s.best.minSize} (mean DSC ${s.best.dice.toFixed(4)}); the masks at it are scored below\n`
  );
}
