import { caseName, listNiftiFiles, readNifti } from '@raunet/io';
import { compareBurden, segmentLungs, type BurdenError, type InfectionBurden } from '@raunet/lungs';
import { summarizeValues, type MetricSummary } from '@raunet/metrics';
import type { Volume } from '@raunet/core';
import { DatasetError } from '@raunet/core';
import { toHounsfield } from '@raunet/preprocess';
import { burdenOf } from './burden-outputs.js';

/** One case of evaluate's burden comparison. */
export interface BurdenComparison {
  /** Case name. */
  name: string;
  /** Where the lung mask came from. */
  lungs: 'given' | 'auto';
  /** Burden of the prediction. */
  predicted: InfectionBurden;
  /** Burden of the ground truth (same lung mask). */
  truth: InfectionBurden;
  /** Prediction − truth. */
  error: BurdenError;
}

/** Where evaluate finds each case's lung mask: a folder of masks, or a folder of CTs to segment. */
export class LungSource {
  private constructor(
    private readonly files: Map<string, string>,
    private readonly kind: 'given' | 'auto',
    private readonly dir: string,
  ) {}

  /** From `--lungs DIR` (masks) or `--images DIR` (CTs, lungs computed). */
  static async open(dir: string, kind: 'given' | 'auto'): Promise<LungSource> {
    return new LungSource(new Map((await listNiftiFiles(dir)).map((p) => [caseName(p), p])), kind, dir);
  }

  /** Compares the burden of `prediction` and `truth` for case `name`. */
  async compare(name: string, prediction: Volume, truth: Volume): Promise<BurdenComparison> {
    const file = this.files.get(name);
    if (!file)
      throw new DatasetError(`no ${this.kind === 'given' ? 'lung mask' : 'CT'} for case '${name}'`, {
        file: this.dir,
      });
    const read = await readNifti(file);
    const lungs = this.kind === 'given' ? read : segmentLungs(toHounsfield(read).volume).mask;
    const predicted = burdenOf(prediction, lungs) as InfectionBurden;
    const truthBurden = burdenOf(truth, lungs) as InfectionBurden;
    return {
      name,
      lungs: this.kind,
      predicted,
      truth: truthBurden,
      error: compareBurden(predicted, truthBurden),
    };
  }
}

/** Statistics of the signed and absolute burden errors over the cases. */
export function summarizeBurden(cases: readonly BurdenComparison[]): Record<string, MetricSummary> {
  const keys = ['infectionMl', 'leftPercent', 'rightPercent', 'totalPercent'] as const;
  const out: Record<string, MetricSummary> = {};
  for (const k of keys) {
    out[k] = summarizeValues(cases.map((c) => c.error[k]));
    out[`${k}Absolute`] = summarizeValues(cases.map((c) => Math.abs(c.error[k])));
  }
  return out;
}

/** The burden comparison as CSV, one row per case. */
export function burdenComparisonCsv(cases: readonly BurdenComparison[]): string {
  const head =
    'case,lungs,pred_infection_ml,true_infection_ml,error_infection_ml,pred_left_percent,true_left_percent,pred_right_percent,true_right_percent,pred_total_percent,true_total_percent,error_total_percent';
  const f = (x: number) => String(Number(x.toFixed(4)));
  const rows = cases.map((c) =>
    [
      JSON.stringify(c.name),
      c.lungs,
      f(c.predicted.infectionMl),
      f(c.truth.infectionMl),
      f(c.error.infectionMl),
      f(c.predicted.left.percentInvolved),
      f(c.truth.left.percentInvolved),
      f(c.predicted.right.percentInvolved),
      f(c.truth.right.percentInvolved),
      f(c.predicted.total.percentInvolved),
      f(c.truth.total.percentInvolved),
      f(c.error.totalPercent),
    ].join(','),
  );
  return [head, ...rows].join('\n') + '\n';
}
