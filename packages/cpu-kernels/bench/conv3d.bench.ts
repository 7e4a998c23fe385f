// `pnpm bench cpu-kernels`: conv3d GFLOP/s native (oneDNN) vs tfjs's JS cpu kernels, and, when
// @raunet/raunet's buildRAUnet exists, an RA-Unet training step with a per-kernel profile and a
// prediction-time estimate. Environment: BENCH_PARTS=conv,train (default both), RAUNET_BENCH_PATCH=x,y,z
// (default 192,192,32), BENCH_REPEATS (native repeats, default 5), BENCH_STEP_REPEATS (default 2), BENCH_JS=0
// (skip the slow JS runs), ONEDNN_MAX_CPU_ISA=AVX2 to check the run-time dispatch.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from '../src/index.js';
import { profileTable, RAUNET_SRC, raunetTrainingStep, startKernelProfile } from './kernel-profiler.js';

await tf.setBackend('cpu');
const parts = (process.env.BENCH_PARTS ?? 'conv,train').split(',');
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const status = registerNativeKernels();
unregisterNativeKernels();
if (!status.loaded) {
  console.log(`native kernels not available, nothing to compare: ${status.reason}`);
  process.exit(0);
}
console.log(`oneDNN ${status.libraryVersion}, ISA ${status.isa}, ${status.threads} threads, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);

function time(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

// ---------------------------------------------------------------- conv3d
let jsFwdBwdRate = 0;
if (parts.includes('conv')) {
  const shapes: [number[], number][] = [
    [[1, 32, 96, 96, 16], 16],
    [[1, 8, 24, 24, 128], 128],
  ];
  const rows = ['| x | filter | fwd native | fwd JS | ratio | fwd+bwd native | fwd+bwd JS | ratio |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  const jsRates: number[] = [];
  for (const [xs, cout] of shapes) {
    const fs = [3, 3, 3, xs[4], cout];
    const x = tf.randomNormal<tf.Rank.R5>(xs as [number, number, number, number, number]);
    const f = tf.mul<tf.Tensor5D>(tf.randomNormal<tf.Rank.R5>(fs as [number, number, number, number, number]), 0.1);
    const dy = tf.randomNormal([...xs.slice(0, 4), cout]);
    const attrs = { strides: [1, 1, 1], pad: 'same' };
    const flop = 2 * xs[0] * xs[1] * xs[2] * xs[3] * 27 * xs[4] * cout;
    const fwd = () => tf.conv3d(x, f, 1, 'same').dispose();
    const bwdIn = () => tf.engine().runKernel<tf.Tensor>('Conv3DBackpropInputV2', { dy, filter: f }, { ...attrs, inputShape: xs }).dispose();
    const bwdF = () => tf.engine().runKernel<tf.Tensor>('Conv3DBackpropFilterV2', { x, dy }, { ...attrs, filterShape: fs }).dispose();
    registerNativeKernels();
    for (let i = 0; i < 2; i++) [fwd, bwdIn, bwdF].forEach((g) => g());
    const nf: number[] = [];
    const nfb: number[] = [];
    for (let i = 0; i < repeats; i++) {
      nf.push(time(fwd));
      nfb.push(time(fwd) + time(bwdIn) + time(bwdF));
    }
    unregisterNativeKernels();
    gc();
    // JS: one repeat (about 1 GFLOP/s: several seconds per kernel); BENCH_JS=0 skips it
    const withJs = process.env.BENCH_JS !== '0';
    const jf = withJs ? time(fwd) : NaN;
    const jfb = withJs ? jf + time(bwdIn) + time(bwdF) : NaN;
    const rate = (ms: number, n: number) => (n * flop) / ms / 1e6;
    if (withJs) jsRates.push(rate(jfb, 3));
    rows.push(
      `| [${xs.join(',')}] | 3x3x3x${xs[4]}x${cout} | ${rate(median(nf), 1).toFixed(1)} | ${withJs ? rate(jf, 1).toFixed(2) : '-'} | ${withJs ? (jf / median(nf)).toFixed(0) + 'x' : '-'} | ${rate(median(nfb), 3).toFixed(1)} | ${withJs ? rate(jfb, 3).toFixed(2) : '-'} | ${withJs ? (jfb / median(nfb)).toFixed(0) + 'x' : '-'} |`,
    );
    tf.dispose([x, f, dy]);
  }
  jsFwdBwdRate = jsRates.length ? jsRates.reduce((a, b) => a + b, 0) / jsRates.length : 0;
  console.log(`conv3d GFLOP/s (FLOP = 2 x MACs; fwd+bwd = 3 x fwd), native median of ${repeats} after warm-up, JS one run:\n`);
  console.log(rows.join('\n') + '\n');
}

// ---------------------------------------------------------------- RA-Unet step
if (parts.includes('train') && existsSync(RAUNET_SRC)) {
  const report = registerNativeKernels();
  const { model, x, patch, step, dispose } = await raunetTrainingStep();
  const [px, py, pz] = patch;
  const first = time(step);
  const steps: number[] = [];
  const stepRepeats = Number(process.env.BENCH_STEP_REPEATS ?? 2);
  for (let i = 0; i < stepRepeats; i++) steps.push(time(step));
  const { profile, stop } = startKernelProfile();
  const c0 = process.cpuUsage();
  const profiled = time(step);
  const c1 = process.cpuUsage(c0);
  stop();
  // read outside the tidy: a tidy returning a typed array walks every element (tfjs's getTensorsInContainer)
  const predict = () => {
    const y = tf.tidy(() => model.predict(x) as tf.Tensor);
    y.dataSync();
    y.dispose();
  };
  predict();
  const preds = [time(predict), time(predict)];
  const fallbacks = Object.entries(nativeKernelsStatus().calls)
    .map(([k, c]) => `${k} ${c.native}/${c.native + c.fallback}`)
    .join(', ');
  unregisterNativeKernels();
  const stepMs = median(steps);
  const convFlop = [...profile.flop].filter(([k]) => k.startsWith('Conv3D')).reduce((s, [, v]) => s + v, 0);
  const allFlop = [...profile.flop.values()].reduce((s, v) => s + v, 0);
  const grid = (n: number, p: number, overlap: number) => (n <= p ? 1 : Math.ceil((n - p) / Math.max(1, Math.round(p * (1 - overlap)))) + 1);
  // prediction with the paper's 192x192x32 patches; a smaller measured patch is scaled by voxel count
  const patches = (o: number) => grid(512, 192, o) * grid(512, 192, o) * grid(301, 32, o);
  const scale = (192 * 192 * 32) / (px * py * pz);
  const perPatch = median(preds) * scale;
  console.log(`RA-Unet (${model.countParams()} parameters) training step, patch ${px}x${py}x${pz} (x,y,z), batch 1, native kernels (${report.kernels.length} kernels):\n`);
  console.log('| | value |\n|---|---:|');
  console.log(`| first step (primitive creation, warm-up) | ${(first / 1000).toFixed(1)} s |`);
  console.log(`| training step, median of ${stepRepeats} | ${(stepMs / 1000).toFixed(1)} s |`);
  console.log(`| convolution FLOP per step (Conv3D*), + matmul | ${(convFlop / 1e9).toFixed(0)} GFLOP, ${((allFlop - convFlop) / 1e9).toFixed(0)} GFLOP |`);
  if (jsFwdBwdRate > 0) {
    console.log(`| JS step, extrapolated: conv FLOP / JS conv rate ${jsFwdBwdRate.toFixed(2)} GFLOP/s (lower bound, not measured) | ${(convFlop / jsFwdBwdRate / 1e9 / 60).toFixed(0)} min |`);
  }
  console.log(`| predict one patch (forward, median of 2) | ${(median(preds) / 1000).toFixed(2)} s |`);
  console.log(
    `| predict 512x512x301: ${patches(0.5)} patches 192x192x32 at overlap 0.5 / ${patches(0.25)} at 0.25 (estimate${scale === 1 ? '' : `, patch time x${scale} by voxels`}) | ${((patches(0.5) * perPatch) / 60000).toFixed(1)} / ${((patches(0.25) * perPatch) / 60000).toFixed(1)} min |`,
  );
  console.log(`| calls native / all, per kernel | ${fallbacks} |`);
  console.log(`\nprofile of one training step (${(profiled / 1000).toFixed(1)} s with profiling):\n`);
  console.log(profileTable(profile, { wall: profiled, cpu: (c1.user + c1.system) / 1000 }, 22));
  dispose();
} else if (parts.includes('train')) {
  console.log(`(no RA-Unet step: ${RAUNET_SRC} not found)`);
}
