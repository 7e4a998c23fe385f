// Agreement of bf16 with fp32 inference on real data, for deciding where bf16 may be a model's default
// (issue 13: per-case mask DSC >= 0.999 and |probability difference| <= 1e-2). For each case of a folder:
// `predictVolume` with the model's own settings in fp32, then in bf16 (native kernels, RAUNET_INFERENCE_BF16),
// and the DSC of the two masks (both empty = 1), the pooled DSC over all cases, the largest |probability
// difference| and the CPU seconds (user + sys) of each precision (after an untimed warm-up on the first case).
//
//   node --import tsx --conditions=@raunet/source packages/raunet/bench/bf16-agreement.ts \
//     --model lidc-nodules --input /work/runs/p200 [--limit 200] [--json out.json]
//
// --model is a shipped model's name or a model folder. Not part of `pnpm bench` (minutes per model).
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { registerNativeKernels } from '@raunet/cpu-kernels';
import { listNiftiFiles, readNifti, caseName } from '@raunet/io';
import { confusionCounts } from '@raunet/metrics';
import { loadPredictor, predictVolume } from '../src/index.js';

/** Sources imported by path, as the cpu-kernels inference bench does (models is not a dependency of raunet). */
const MODELS_SRC = fileURLToPath(new URL('../../models/src/node.ts', import.meta.url));

const { values } = parseArgs({
  options: { model: { type: 'string' }, input: { type: 'string' }, limit: { type: 'string' }, json: { type: 'string' } },
});
if (!values.model || !values.input) {
  console.error('usage: bf16-agreement.ts --model NAME|DIR --input DIR [--limit N] [--json FILE]');
  process.exit(2);
}
await tf.setBackend('cpu');
const status = registerNativeKernels();
if (!status.bf16) {
  console.log(`no native bf16 here (${status.loaded ? `ISA ${status.isa}` : status.reason}): nothing to compare`);
  process.exit(0);
}
const { shippedModelDir } = (await import(MODELS_SRC)) as { shippedModelDir: (name: string) => string };
const dir = /[/\\]/.test(values.model) ? values.model : shippedModelDir(values.model);
// a model folder or an ensemble folder; an ensemble's members run at the precision they were loaded with
const fp32 = await loadPredictor(dir, { precision: 'fp32' });
const bf16 = await loadPredictor(dir, { precision: 'bf16' });
const files = (await listNiftiFiles(values.input)).slice(0, values.limit ? Number(values.limit) : undefined);

const cpuSeconds = (f: () => Promise<unknown>) => async () => {
  const r0 = process.cpuUsage();
  const out = await f();
  const r = process.cpuUsage(r0);
  return { out, cpu: (r.user + r.system) / 1e6 };
};

interface CaseRow {
  case: string;
  dsc: number;
  fp32Voxels: number;
  bf16Voxels: number;
  maxProbDiff: number;
}
// warm-up (tfjs's first predict, primitive creation of both precisions), not timed
if (files.length > 0) {
  const ct = await readNifti(files[0]);
  await predictVolume(fp32.model, ct, { precision: 'fp32' });
  await predictVolume(bf16.model, ct, { precision: 'bf16' });
}
const rows: CaseRow[] = [];
let tp = 0;
let sizes = 0;
let cpu32 = 0;
let cpu16 = 0;
for (const file of files) {
  const ct = await readNifti(file);
  const a = await cpuSeconds(() => predictVolume(fp32.model, ct, { precision: 'fp32' }))();
  const b = await cpuSeconds(() => predictVolume(bf16.model, ct, { precision: 'bf16' }))();
  const r32 = a.out as Awaited<ReturnType<typeof predictVolume>>;
  const r16 = b.out as Awaited<ReturnType<typeof predictVolume>>;
  if (r16.precision !== 'bf16') throw new Error(`bf16 did not run for ${file}`);
  cpu32 += a.cpu;
  cpu16 += b.cpu;
  const c = confusionCounts(r16.mask, r32.mask);
  const n32 = c.truePositive + c.falseNegative;
  const n16 = c.truePositive + c.falsePositive;
  tp += c.truePositive;
  sizes += n32 + n16;
  let maxProbDiff = 0;
  for (let i = 0; i < r32.probability.data.length; i++) {
    maxProbDiff = Math.max(maxProbDiff, Math.abs(r32.probability.data[i] - r16.probability.data[i]));
  }
  rows.push({ case: caseName(file), dsc: n32 + n16 === 0 ? 1 : (2 * c.truePositive) / (n32 + n16), fp32Voxels: n32, bf16Voxels: n16, maxProbDiff });
}
const dscs = rows.map((r) => r.dsc);
const worst = [...rows].sort((p, q) => p.dsc - q.dsc).slice(0, 5);
const summary = {
  model: values.model,
  cases: rows.length,
  minDsc: Math.min(...dscs),
  meanDsc: dscs.reduce((s, v) => s + v, 0) / dscs.length,
  pooledDsc: sizes === 0 ? 1 : (2 * tp) / sizes,
  casesBelow0999: dscs.filter((d) => d < 0.999).length,
  maxProbDiff: Math.max(...rows.map((r) => r.maxProbDiff)),
  fp32CpuSeconds: cpu32,
  bf16CpuSeconds: cpu16,
  isa: status.isa,
  threads: status.threads,
};
console.log(JSON.stringify(summary, null, 2));
console.log('lowest DSC:', worst.map((r) => `${r.case} ${r.dsc.toFixed(4)} (${r.fp32Voxels} vs ${r.bf16Voxels} voxels, max |dp| ${r.maxProbDiff.toExponential(1)})`).join('; '));
if (values.json) writeFileSync(values.json, JSON.stringify({ summary, rows }, null, 2));
fp32.dispose();
bf16.dispose();
