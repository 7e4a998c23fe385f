import { DatasetError, type Volume } from '@raunet/core';
import { maskFromProbability } from '@raunet/raunet';
import { caseName, listNiftiFiles } from '@raunet/io';
import {
  summarizeCases,
  summarizeValues,
  toCsv,
  toTextTable,
  SURFACE_DEFINITIONS,
  type CaseMetrics,
  type EvaluateSetResult,
  type MetricSummary,
} from '@raunet/metrics';
import { writeFileAtomic } from '@raunet/core/node';
import { defineCommand } from '../internal/command.js';
import { parseNumberList } from '../internal/args.js';
import { CliUsageError } from '../internal/context.js';
import { burdenComparisonCsv, LungSource, summarizeBurden, type BurdenComparison } from '../internal/evaluate-burden.js';
import { prepareOutputFile } from '../internal/output-paths.js';
import { scoreCases, setResult } from '../internal/score-cases.js';
import { sweepText, sweepThresholds, type ThresholdSweep } from '../internal/threshold-sweep.js';

/** Per metric, the statistics (mean, sample sd, ...) of the per-fold means. */
type AcrossFolds = Record<string, MetricSummary>;

/**
 * `raunet evaluate --pred DIR [--pred DIR ...] --gt DIR [--csv FILE] [--json] [--tolerance MM] [--label N]
 * [--surface voxel|surfel]`. Several `--pred` folders are the folds of a cross-validation: every case is
 * scored, `summary` pools all cases (so `summary.dice.mean` keeps its meaning), and `folds` /
 * `acrossFolds` add each fold's summary and the mean and sd of the per-fold means. With `--thresholds`, the
 * `--pred` folders hold probability maps: the threshold (and `--min-sizes`' minimum component size) with the
 * best mean DSC over all cases is chosen first (`sweep` in the JSON), and the masks at it are scored.
 */
export const command = defineCommand({
  usage:
    'raunet evaluate --pred DIR [--pred DIR ...] --gt DIR [--csv FILE] [--json] [--tolerance MM] [--label N] [--surface voxel|surfel] [--lungs DIR | --images DIR] [--burden FILE] [--thresholds LIST [--min-sizes LIST]]',
  flags: {
    pred: {
      type: 'string',
      value: 'DIR',
      multiple: true,
      required: true,
      description: 'folder of predicted masks (NIfTI); repeat it for the folds of a cross-validation (one folder per fold)',
    },
    gt: {
      type: 'string',
      required: true,
      value: 'DIR',
      description: 'folder of ground-truth masks with the same file names',
    },
    csv: { type: 'string', value: 'FILE', description: 'also write the per-case table as CSV' },
    lungs: { type: 'string', value: 'DIR', description: 'lung masks with the same names: also report the burden error (infection mL, % of each lung)' },
    images: { type: 'string', value: 'DIR', description: 'the CTs with the same names: burden error with automatic lung masks' },
    burden: { type: 'string', value: 'FILE', description: 'write the per-case burden comparison (.json or .csv); needs --lungs or --images' },
    json: { type: 'boolean', description: 'print the full result as JSON on stdout' },
    thresholds: {
      type: 'string',
      value: 'LIST',
      description:
        'the --pred folders hold probability maps (raunet predict --prob), out of fold: pick the threshold among these (e.g. 0.3,0.4,0.5) by mean DSC over all cases, then score the masks at it',
    },
    'min-sizes': {
      type: 'string',
      value: 'LIST',
      description: 'with --thresholds: also pick the minimum component size (voxels, as predict --min-size) among these',
      defaultText: '0',
    },
    tolerance: {
      type: 'number',
      min: 0,
      default: 3,
      value: 'MM',
      description: 'NSD tolerance in mm (3 is the benchmark value for infection)',
    },
    label: {
      type: 'integer',
      min: 1,
      value: 'N',
      description: 'ground-truth label to score', defaultText: 'any nonzero voxel',
    },
    surface: {
      type: 'choice',
      choices: SURFACE_DEFINITIONS,
      default: 'voxel',
      description:
        'surface of HD95/NSD: voxel = border voxels, MONAI; surfel = area-weighted, DeepMind, as the COVID-19-CT-Seg benchmark',
    },
  },
  async run({ flags }, io) {
    const { pred: predDirs, gt: gtDir, tolerance: toleranceMm, label, surface, csv: csvPath, lungs: lungsDir, images: imagesDir, burden: burdenPath } = flags;
    const thresholds = flags.thresholds === undefined ? undefined : parseNumberList('evaluate', 'thresholds', flags.thresholds, (x) => x >= 0 && x <= 1, 'numbers in [0, 1]');
    const minSizes = flags['min-sizes'] === undefined ? undefined : parseNumberList('evaluate', 'min-sizes', flags['min-sizes'], (x) => Number.isInteger(x) && x >= 0, 'integers >= 0');
    if (lungsDir && imagesDir) throw new CliUsageError('evaluate: give --lungs or --images, not both');
    if (burdenPath && !lungsDir && !imagesDir) throw new CliUsageError('evaluate: --burden needs --lungs DIR or --images DIR');
    if (burdenPath && !/\.(json|csv)$/i.test(burdenPath)) throw new CliUsageError(`evaluate: --burden must end in .json or .csv, received '${burdenPath}'`);
    const lungSource = lungsDir ? await LungSource.open(lungsDir, 'given') : imagesDir ? await LungSource.open(imagesDir, 'auto') : undefined;
    const burdens: BurdenComparison[] = [];
    if (csvPath) await prepareOutputFile(csvPath, 'csv');
    if (burdenPath) await prepareOutputFile(burdenPath, 'burden');
    const gts = new Map((await listNiftiFiles(gtDir)).map((p) => [caseName(p), p]));
    const folds: string[][] = [];
    const seen = new Map<string, string>();
    for (const predDir of predDirs) {
      const preds = await listNiftiFiles(predDir);
      if (preds.length === 0) throw new DatasetError('no NIfTI files found', { file: predDir });
      const missing = preds.filter((p) => !gts.has(caseName(p)));
      if (missing.length) {
        throw new DatasetError(`no ground truth in ${gtDir} for ${missing.map(caseName).join(', ')}`, {
          file: predDir,
        });
      }
      for (const p of preds) {
        const other = seen.get(caseName(p));
        if (other) throw new DatasetError(`case '${caseName(p)}' is predicted in two folds: ${other} and ${p}`, { file: p });
        seen.set(caseName(p), p);
      }
      folds.push(preds);
    }
    const options = { toleranceMm, surface, ...(label !== undefined ? { label } : {}) };
    const pairsOf = (preds: string[]) => preds.map((p) => ({ name: caseName(p), prediction: p, truth: gts.get(caseName(p))! }));
    let sweep: ThresholdSweep | undefined;
    if (thresholds !== undefined) {
      sweep = await sweepThresholds(folds.flatMap(pairsOf), thresholds, minSizes ?? [0], label, io);
    } else if (minSizes !== undefined) {
      throw new CliUsageError('evaluate: --min-sizes needs --thresholds (the --pred folders then hold probability maps)');
    }
    const best = sweep?.best;
    const cases: CaseMetrics[] = [];
    const perFold: CaseMetrics[][] = [];
    for (const preds of folds) {
      const scoring = {
        ...options,
        ...(lungSource ? { lungs: lungSource } : {}),
        ...(best ? { prepare: (v: Volume) => maskFromProbability(v, { threshold: best.threshold, minComponentSize: best.minSize }) } : {}),
      };
      const scored = await scoreCases(pairsOf(preds), scoring, io);
      cases.push(...scored.cases);
      perFold.push(scored.cases);
      burdens.push(...scored.burden);
    }
    const result: EvaluateSetResult & {
      folds?: { pred: string; cases: number; summary: EvaluateSetResult['summary'] }[];
      acrossFolds?: AcrossFolds;
      burden?: { cases: BurdenComparison[]; summary: Record<string, MetricSummary> };
      sweep?: ThresholdSweep;
    } = setResult(cases, options);
    if (sweep) result.sweep = sweep;
    if (perFold.length > 1) {
      result.folds = perFold.map((c, i) => ({ pred: predDirs[i], cases: c.length, summary: summarizeCases(c) }));
      result.acrossFolds = acrossFolds(result.folds.map((f) => f.summary));
    }
    if (lungSource) result.burden = { cases: burdens, summary: summarizeBurden(burdens) };
    if (csvPath) await writeFileAtomic(csvPath, toCsv(result));
    if (burdenPath && result.burden)
      await writeFileAtomic(burdenPath, /\.csv$/i.test(burdenPath) ? burdenComparisonCsv(burdens) : JSON.stringify(result.burden, null, 2) + '\n');
    if (flags.json) {
      io.stdout(JSON.stringify(result, null, 2) + '\n');
      return 0;
    }
    if (sweep) io.stdout(sweepText(sweep));
    io.stdout(toTextTable(result));
    if (result.folds && result.acrossFolds) {
      for (const [i, f] of result.folds.entries())
        io.stdout(`fold ${i} (${f.pred}, ${f.cases} cases): DSC ${f.summary.dice.mean.toFixed(4)} ± ${f.summary.dice.std.toFixed(4)}\n`);
      const d = result.acrossFolds.dice;
      io.stdout(`across ${result.folds.length} folds: DSC ${d.mean.toFixed(4)} ± ${d.std.toFixed(4)} (mean ± sd of the fold means)\n`);
    }
    if (result.burden) {
      const b = result.burden.summary;
      io.stdout(
        `burden error (prediction - truth, ${lungsDir ? 'given' : 'automatic'} lung masks): infection ${b.infectionMl.mean.toFixed(2)} mL (mean |error| ${b.infectionMlAbsolute.mean.toFixed(2)} mL); ` +
          `% of both lungs involved ${b.totalPercent.mean.toFixed(2)} points (mean |error| ${b.totalPercentAbsolute.mean.toFixed(2)})\n`,
      );
    }
    return 0;
  },
});

/** Statistics over folds of every metric's per-fold mean (folds where a metric has no finite mean are counted, not averaged). */
function acrossFolds(summaries: EvaluateSetResult['summary'][]): AcrossFolds {
  const out: AcrossFolds = {};
  for (const key of Object.keys(summaries[0]) as (keyof EvaluateSetResult['summary'])[]) {
    out[key] = summarizeValues(summaries.map((s) => s[key].mean));
  }
  return out;
}
