import type { CaseMetricName, EvaluateSetResult } from './evaluate.js';

/**
 * Columns of {@link toTextTable}: metric and header (the NSD header names the result's tolerance; the
 * HD95 and NSD headers say `surfel` when the result was computed on surfels).
 */
function columns({ toleranceMm, surface }: EvaluateSetResult): [CaseMetricName, string][] {
  const tag = surface === 'surfel' ? '(surfel)' : '';
  return [
    ['dice', 'DSC'],
    ['iou', 'IoU'],
    ['precision', 'Prec'],
    ['recall', 'Sens'],
    ['hausdorff95', `HD95mm${tag}`],
    ['nsd', `NSD@${toleranceMm}mm${tag}`],
    ['predictionVolumeMl', 'PredmL'],
    ['truthVolumeMl', 'TruemL'],
  ];
}

function cell(v: unknown): string {
  if (typeof v !== 'number') return '-';
  return Number.isFinite(v) ? v.toFixed(v >= 100 ? 1 : 4) : String(v);
}

/**
 * The per-case table and its `mean`, `std` and `median` rows as aligned plain text for a terminal or a
 * report (the human-readable sibling of {@link toCsv}): columns DSC, IoU, precision, sensitivity, HD95
 * (mm), NSD at the result's tolerance (both headers tagged `(surfel)` for a surfel result), predicted and
 * true lesion volume (mL); numbers with 4 decimals (1 from 100 up), non-finite values as `NaN` /
 * `Infinity`, one line per row ending in `\n`.
 *
 * @example
 * ```ts
 * process.stdout.write(toTextTable(evaluateSet(pairs, { toleranceMm: 3 })));
 * ```
 */
export function toTextTable(result: EvaluateSetResult): string {
  const cols = columns(result);
  const rows = result.cases.map((c) => [c.name, ...cols.map(([k]) => cell(c[k]))]);
  for (const stat of ['mean', 'std', 'median'] as const)
    rows.push([stat, ...cols.map(([k]) => cell(result.summary[k][stat]))]);
  const header = ['case', ...cols.map(([, h]) => h)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
