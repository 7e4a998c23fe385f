import { assertSameGrid, type Volume } from '@raunet/core';
import { evaluateCase, summarizeCases, type CaseMetrics, type EvaluateCaseOptions, type EvaluateSetResult, type SurfaceDefinition } from '@raunet/metrics';
import type { CliIO } from './context.js';
import type { BurdenComparison, LungSource } from './evaluate-burden.js';
import { readScan } from './inputs.js';

/** One predicted mask file and its ground truth, scored by {@link scoreCases}. */
export interface ScorePair {
  /** Case name. */
  name: string;
  /** The predicted mask. */
  prediction: string;
  /** The ground-truth mask (same grid). */
  truth: string;
}

/** Options of {@link scoreCases}: those of `evaluateCase` of `@raunet/metrics` except the name. */
export interface ScoreCasesOptions extends Omit<EvaluateCaseOptions, 'name'> {
  /** Also compare the infection burden of prediction and truth with these lung masks. */
  lungs?: LungSource;
  /** Makes the mask to score from the file read (e.g. a probability map thresholded); by default the file is the mask. */
  prepare?: (prediction: Volume) => Volume;
}

/**
 * Scores predicted mask files against their ground truth, one case in memory at a time (a CT-sized pair of
 * masks is ~160 MB): the scoring of `raunet evaluate` and of `raunet demo`. Masks on different grids are
 * an error naming both files; `scoring NAME` goes to stderr per case.
 */
export async function scoreCases(
  pairs: readonly ScorePair[],
  options: ScoreCasesOptions,
  io: CliIO,
): Promise<{ cases: CaseMetrics[]; burden: BurdenComparison[] }> {
  const { lungs, prepare, ...caseOptions } = options;
  const cases: CaseMetrics[] = [];
  const burden: BurdenComparison[] = [];
  for (const p of pairs) {
    io.stderr(`scoring ${p.name}\n`);
    const read = await readScan(p.prediction, prepare ? 'probability map' : 'predicted mask');
    const prediction = prepare ? prepare(read) : read;
    const truth = await readScan(p.truth, 'ground-truth mask');
    assertSameGrid(prediction, truth, `prediction ${p.prediction} and ground truth ${p.truth}`);
    cases.push(evaluateCase(prediction, truth, { ...caseOptions, name: p.name }));
    if (lungs) burden.push(await lungs.compare(p.name, prediction, truth));
  }
  return { cases, burden };
}

/** The set result of scored cases (as `evaluateSet` of `@raunet/metrics` returns it): cases, summary and the settings. */
export function setResult(cases: CaseMetrics[], options: { toleranceMm: number; surface: SurfaceDefinition }): EvaluateSetResult {
  return { cases, summary: summarizeCases(cases), toleranceMm: options.toleranceMm, percentile: 95, surface: options.surface };
}
