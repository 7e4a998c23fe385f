import { InvalidArgumentError } from '@raunet/core';
import { CASE_METRIC_NAMES, compareEvaluations, fromJson, type EvaluateSetResult } from '@raunet/metrics';
import { defineCommand } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { readJsonFile } from '../internal/fs.js';

/** Reads one `raunet evaluate --json` result; anything else is an error naming the file. */
async function readEvaluation(path: string): Promise<EvaluateSetResult> {
  const result = await readJsonFile(path, fromJson);
  if (typeof result !== 'object' || result === null || !Array.isArray(result.cases))
    throw new InvalidArgumentError("not a 'raunet evaluate --json' result (no cases array)", { file: path });
  return result;
}

/** A p-value for the text report: 3 significant digits, `< 1e-6` below that. */
function pValue(p: number): string {
  if (Number.isNaN(p)) return 'undefined';
  return p < 1e-6 ? '< 1e-6' : p.toPrecision(3);
}

/**
 * `raunet compare A.json B.json [--metric M] [--confidence C] [--json]`: the paired per-case comparison of
 * two `raunet evaluate --json` results of the same cases (two models, two settings): the mean difference
 * A − B with its confidence interval, the paired t test, the Wilcoxon signed-rank test and the sign test.
 */
export const command = defineCommand({
  usage: 'raunet compare A.json B.json [--metric dice] [--confidence 0.95] [--json]',
  flags: {
    metric: {
      type: 'choice',
      choices: CASE_METRIC_NAMES,
      default: 'dice',
      value: 'M',
      description: 'the per-case metric compared',
    },
    confidence: {
      type: 'number',
      min: 0.5,
      max: 0.999,
      default: 0.95,
      value: 'C',
      description: 'confidence level of the interval of the mean difference',
    },
    json: { type: 'boolean', description: 'print the comparison as JSON on stdout' },
  },
  async run(args, io) {
    if (args.positionals.length !== 2)
      throw new CliUsageError('compare: give exactly two evaluation results, A.json and B.json (raunet evaluate --json)');
    const [fileA, fileB] = args.positionals;
    const [a, b] = [await readEvaluation(fileA), await readEvaluation(fileB)];
    const result = compareEvaluations(a, b, args.flags.metric, { confidence: args.flags.confidence });
    if (args.flags.json) {
      // JSON has no NaN: an undefined statistic (e.g. the t test of identical results) is written as null.
      io.stdout(JSON.stringify({ a: fileA, b: fileB, ...result }, null, 2) + '\n');
      return 0;
    }
    const c = result.comparison;
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : String(x));
    const signed = (x: number) => (x > 0 ? '+' : '') + f(x);
    const lines = [
      `${result.metric}, A − B over ${c.cases} cases paired by name (A: ${fileA}, B: ${fileB})`,
      `mean A ${f(c.meanA)}, B ${f(c.meanB)}; difference ${signed(c.meanDifference)} (sd ${f(c.sdDifference)}, ${Math.round(c.confidence * 1000) / 10}% CI ${signed(c.ci[0])} to ${signed(c.ci[1])})`,
      result.higherIsBetter === undefined
        ? `A higher on ${c.positive}, lower on ${c.negative}, tied on ${c.ties}`
        : `A better on ${result.aBetter}, worse on ${result.aWorse}, tied on ${c.ties} (${result.higherIsBetter ? 'higher' : 'lower'} is better)`,
      `paired t test p = ${pValue(c.tTestP)}; Wilcoxon signed-rank p = ${pValue(c.wilcoxonP)} (${c.wilcoxonMethod}); sign test p = ${pValue(c.signTestP)}`,
    ];
    if (result.onlyInA.length) lines.push(`only in A, not compared (${result.onlyInA.length}): ${result.onlyInA.join(', ')}`);
    if (result.onlyInB.length) lines.push(`only in B, not compared (${result.onlyInB.length}): ${result.onlyInB.join(', ')}`);
    if (result.notFinite.length)
      lines.push(`not finite in A or B, not compared (${result.notFinite.length}): ${result.notFinite.join(', ')}`);
    io.stdout(lines.join('\n') + '\n');
    return 0;
  },
});
