#!/usr/bin/env node
// `node scripts/paired-compare.mjs A.json B.json [metric]`: the paired per-case comparison of two
// `raunet evaluate --json` results on the same cases (default metric: dice): mean difference A - B, its
// sample sd and 95% confidence interval (t distribution), cases where A is better / worse / tied, and
// the exact two-sided sign test p-value.
import { readFileSync } from 'node:fs';

const [fileA, fileB, metric = 'dice'] = process.argv.slice(2);
if (!fileB) {
  console.error('usage: node scripts/paired-compare.mjs A.json B.json [metric]');
  process.exit(2);
}
const read = (f) => new Map(JSON.parse(readFileSync(f, 'utf8')).cases.map((c) => [c.name, c[metric]]));
const a = read(fileA);
const b = read(fileB);
const names = [...a.keys()].filter((n) => b.has(n) && Number.isFinite(a.get(n)) && Number.isFinite(b.get(n)));
const missing = [...a.keys()].filter((n) => !b.has(n));
if (missing.length) console.error(`cases only in ${fileA}: ${missing.join(', ')}`);
const d = names.map((n) => a.get(n) - b.get(n));
const n = d.length;
const mean = d.reduce((s, x) => s + x, 0) / n;
const sd = Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
// two-sided 97.5% t quantile: exact table for small n, normal beyond
const T = { 1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.0 };
const df = n - 1;
const key = Object.keys(T).map(Number).filter((k) => k <= df).pop() ?? 1;
const t = df > 60 ? 1.96 : T[key];
const half = (t * sd) / Math.sqrt(n);
const eps = 1e-12;
const better = d.filter((x) => x > eps).length;
const worse = d.filter((x) => x < -eps).length;
const m = better + worse;
let tail = 0;
let binom = 1; // C(m, 0)
for (let k = 0; k <= Math.min(better, worse); k++) {
  tail += binom / 2 ** m;
  binom = (binom * (m - k)) / (k + 1);
}
const p = Math.min(1, 2 * tail);
const mA = names.reduce((s, x) => s + a.get(x), 0) / n;
const mB = names.reduce((s, x) => s + b.get(x), 0) / n;
console.log(
  JSON.stringify(
    { metric, cases: n, meanA: mA, meanB: mB, meanDifference: mean, sdDifference: sd, ci95: [mean - half, mean + half], aBetter: better, aWorse: worse, ties: n - m, signTestP: p },
    null,
    2,
  ),
);
