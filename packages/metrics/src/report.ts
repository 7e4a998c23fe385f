import { CASE_METRIC_NAMES, type EvaluateSetResult } from './evaluate.js';

/** Options of {@link toCsv}. */
export interface ToCsvOptions {
  /** Append the rows `mean`, `std` and `median` (case column in parentheses: `(mean)`). @defaultValue true */
  summary?: boolean;
  /** Also write the voxel counts `tp,fp,fn,tn` as the last columns. @defaultValue false */
  counts?: boolean;
}

/** Options of {@link toJson}. */
export interface ToJsonOptions {
  /** Indentation passed to `JSON.stringify`. @defaultValue 2 */
  indent?: number;
}

function csvNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return String(x);
}

function csvText(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The per-case table as CSV (RFC 4180, `\n` line ends): a header `case,dice,iou,…,nsd`, one row per
 * case, then (by default) the rows `(mean)`, `(std)`, `(median)` from the summary. Numbers are written
 * with full precision; non-finite values as `NaN`, `Infinity`, `-Infinity` (read by pandas and R).
 *
 * @example
 * ```ts
 * await writeFile('metrics.csv', toCsv(evaluateSet(pairs)));
 * ```
 */
export function toCsv(result: EvaluateSetResult, options: ToCsvOptions = {}): string {
  const withCounts = options.counts ?? false;
  const header = ['case', ...CASE_METRIC_NAMES, ...(withCounts ? ['tp', 'fp', 'fn', 'tn'] : [])];
  const lines = [header.join(',')];
  for (const c of result.cases) {
    const row = [csvText(c.name), ...CASE_METRIC_NAMES.map((k) => csvNumber(c[k]))];
    if (withCounts) {
      row.push(
        String(c.counts.truePositive),
        String(c.counts.falsePositive),
        String(c.counts.falseNegative),
        String(c.counts.trueNegative),
      );
    }
    lines.push(row.join(','));
  }
  if (options.summary ?? true) {
    for (const stat of ['mean', 'std', 'median'] as const) {
      const row = [`(${stat})`, ...CASE_METRIC_NAMES.map((k) => csvNumber(result.summary[k][stat]))];
      if (withCounts) row.push('', '', '', '');
      lines.push(row.join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The whole result (cases, summary, tolerance, percentile) as JSON text. JSON has no NaN or
 * Infinity, so non-finite numbers are written as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`
 * (never `null`, so an undefined metric and an infinite distance stay distinguishable);
 * {@link fromJson} turns them back into numbers.
 *
 * @example
 * ```ts
 * await writeFile('metrics.json', toJson(result));
 * ```
 */
export function toJson(result: EvaluateSetResult, options: ToJsonOptions = {}): string {
  return JSON.stringify(
    result,
    (_key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
      return value;
    },
    options.indent ?? 2,
  );
}

/**
 * Parses the text of {@link toJson} back into an {@link EvaluateSetResult} (`"NaN"`, `"Infinity"`,
 * `"-Infinity"` in numeric fields become numbers again). `null`, which `JSON.stringify` writes for any
 * non-finite number (as `raunet evaluate --json` does), is read as NaN: not a number, of unknown sign.
 *
 * @example
 * ```ts
 * const again = fromJson(await readFile('metrics.json', 'utf8'));
 * ```
 */
export function fromJson(text: string): EvaluateSetResult {
  const special: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };
  return JSON.parse(text, (key, value: unknown) => {
    if (key !== 'name' && typeof value === 'string' && value in special) return special[value];
    if (value === null) return Number.NaN;
    return value;
  }) as EvaluateSetResult;
}

