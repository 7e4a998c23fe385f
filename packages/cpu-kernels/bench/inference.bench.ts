// `pnpm bench cpu-kernels`: inference (forward pass, no gradient) of the shipped `lidc-nodules` model on a
// batch of 8 patches 48x48x16 (what `raunet predict` runs: 2 windows x 4 flips) and of the paper-size RA-Unet
// on one 192x192x32 patch, native kernels vs tfjs's JS cpu kernels in the same run, beside the arithmetic
// floor (FLOP of the convolutions and matmuls / the machine's measured matmul rate; the CPU's multiply-add peak,
// `cpuPeakGflops`, is printed beside that rate), and the native kernels
// with batch norm's inference epilogue unfused (the chain of ops layers-3d runs where no backend has the
// one-pass kernel), alternated with the default runs; then bf16 inference (the RAUNET_INFERENCE_BF16 flag)
// against float32 in the same run, beside the bf16 floor (the same matmul with bf16 inputs), with the largest
// output difference bf16 vs fp32. A per-kernel profile shows where the native time goes. Times are wall and CPU (user + sys); on a shared machine compare CPU. Environment: BENCH_PARTS=lidc,paper (default both), BENCH_REPEATS
// (native repeats, default 5), BENCH_JS=0 (no JS baseline), BENCH_JS=all (JS baseline of the paper-size
// model too: several minutes), BENCH_PROFILE_ROWS (default 14).
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PRECISION_FLAGS } from '@raunet/core';
import { cpuPeakGflops, registerNativeKernels, unregisterNativeKernels } from '../src/index.js';
import { profileTable, RAUNET_SRC, shapeTable, startKernelProfile } from './kernel-profiler.js';
import type { KernelProfile } from './kernel-profiler.js';

/** Sources imported by path, as kernel-profiler does: a dependency back on them would be a cycle. */
const MODELS_SRC = fileURLToPath(new URL('../../models/src/node.ts', import.meta.url));
/** layers-3d's switch of its single-node ops (internal): off, batch norm's inference epilogue runs as a chain of ops. */
const FUSED_OPS_SRC = fileURLToPath(new URL('../../layers-3d/src/internal/fused-batch-norm.ts', import.meta.url));

await tf.setBackend('cpu');
const parts = (process.env.BENCH_PARTS ?? 'lidc,paper').split(',');
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const jsMode = process.env.BENCH_JS ?? '1';
const profileRows = Number(process.env.BENCH_PROFILE_ROWS ?? 14);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const status = registerNativeKernels();
if (!status.loaded) {
  console.log(`native kernels not available, nothing to compare: ${status.reason}`);
  process.exit(0);
}
if (!existsSync(RAUNET_SRC)) {
  console.log(`(no inference bench: ${RAUNET_SRC} not found)`);
  process.exit(0);
}
console.log(`oneDNN ${status.libraryVersion}, ISA ${status.isa}, ${status.threads} threads, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);

/** Wall and CPU (user + sys) milliseconds of f(). */
function time(f: () => void): { wall: number; cpu: number } {
  const r0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const r1 = process.cpuUsage(r0);
  return { wall, cpu: (r1.user + r1.system) / 1000 };
}

/** f() with the bf16 inference request on (what `predictVolume({ precision: 'bf16' })` does per model call). */
function inBf16<T>(f: () => T): T {
  tf.env().set(PRECISION_FLAGS.inferenceBf16, true);
  try {
    return f();
  } finally {
    tf.env().set(PRECISION_FLAGS.inferenceBf16, false);
  }
}

// The machine's fp32 (and bf16) rate for the floor: a large oneDNN matmul (what a near-peak kernel reaches
// here), per CPU second (so that waiting for a core on a shared machine does not lower it).
function measuredRate(bf16 = false): { wall: number; cpu: number } {
  const n = 1536;
  const a = tf.randomNormal<tf.Rank.R2>([n, n]);
  const b = tf.randomNormal<tf.Rank.R2>([n, n]);
  const run = bf16 ? () => inBf16(() => tf.matMul(a, b).dispose()) : () => tf.matMul(a, b).dispose();
  run();
  const runs = [0, 1, 2, 3, 4].map(() => time(run));
  tf.dispose([a, b]);
  const flop = 2 * n ** 3;
  return { wall: flop / median(runs.map((r) => r.wall)) / 1e6, cpu: flop / median(runs.map((r) => r.cpu)) / 1e6 };
}
const rate = measuredRate();
console.log(
  `measured fp32 rate (oneDNN matmul 1536^3, ${status.threads} threads): ${rate.wall.toFixed(0)} GFLOP/s wall, ${rate.cpu.toFixed(0)} GFLOP per CPU second`,
);
// The CPU's multiply-add peak (registers only, all threads): the rate no kernel exceeds.
const peak = cpuPeakGflops();
const peakBf16 = cpuPeakGflops('bf16');
if (peak !== undefined) {
  console.log(
    `CPU multiply-add peak (vector FMAs in registers, ${status.threads} threads): ${peak.toFixed(0)} GFLOP/s wall, ${(peak / status.threads).toFixed(0)} per thread; the matmul reaches ${((100 * rate.wall) / peak).toFixed(0)}% of it` +
      (peakBf16 !== undefined ? `; bf16 dot products: ${peakBf16.toFixed(0)} GFLOP/s wall (${(peakBf16 / peak).toFixed(2)}x)` : ''),
  );
}
const rateBf16 = status.bf16 ? measuredRate(true) : undefined;
console.log(
  rateBf16
    ? `measured bf16 rate (same matmul, bf16 inputs, f32 accumulation): ${rateBf16.wall.toFixed(0)} GFLOP/s wall, ${rateBf16.cpu.toFixed(0)} GFLOP per CPU second\n`
    : `no bf16 rows: this CPU has no native bf16 (ISA ${status.isa})\n`,
);

const raunet = (await import(RAUNET_SRC)) as {
  buildRAUnet: (c: object) => tf.LayersModel;
  loadModel: (dir: string) => Promise<tf.LayersModel>;
  networkDirs: (dir: string) => Promise<string[]>;
};

interface Case {
  label: string;
  model: tf.LayersModel;
  x: tf.Tensor;
  js: boolean;
}

const { setFusedOps } = (await import(FUSED_OPS_SRC)) as { setFusedOps: (on: boolean) => void };

const cases: Case[] = [];
if (parts.includes('lidc')) {
  const { shippedModelDir } = (await import(MODELS_SRC)) as { shippedModelDir: (name: string) => string };
  // one network of the model (the first member of the shipped two-network ensemble): the forward pass measured here
  const model = await raunet.loadModel((await raunet.networkDirs(shippedModelDir('lidc-nodules')))[0]);
  const [, d, h, w] = model.inputs[0].shape as number[];
  cases.push({ label: `lidc-nodules, batch 8 x ${w}x${h}x${d}`, model, x: tf.randomNormal([8, d, h, w, 1]), js: jsMode !== '0' });
}
if (parts.includes('paper')) {
  const model = raunet.buildRAUnet({ patchSize: [192, 192, 32], seed: 1 });
  cases.push({ label: 'paper-size RA-Unet, batch 1 x 192x192x32', model, x: tf.randomNormal([1, 32, 192, 192, 1]), js: jsMode === 'all' });
}

const rows = [
  '| model, input | native wall (CPU) | unfused epilogue wall (CPU) | native / unfused (CPU) | JS wall (CPU) | JS / native (CPU) | GFLOP | floor (CPU) | native / floor (CPU) |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
];
const bf16Rows = [
  '| model, input | fp32 wall (CPU) | bf16 wall (CPU) | fp32 / bf16 (CPU) | bf16 floor (CPU) | bf16 / bf16 floor (CPU) | max abs output diff |',
  '|---|---:|---:|---:|---:|---:|---:|',
];
const profiles: [string, KernelProfile, { wall: number; cpu: number }][] = [];
for (const c of cases) {
  // the output is read outside the tidy: a tidy that returns a typed array walks every element of it looking for
  // tensors (tfjs's getTensorsInContainer), 0.85 s for the paper-size output
  const forward = (): Float32Array => {
    const y = tf.tidy(() => c.model.predict(c.x) as tf.Tensor);
    const values = y.dataSync() as Float32Array;
    y.dispose();
    return values;
  };
  registerNativeKernels();
  forward(); // primitive creation, buffer pool warm-up
  // batch norm's inference epilogue as one kernel (the default) and as the chain of ops it replaces, alternated
  const runs: { wall: number; cpu: number }[] = [];
  const unfused: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < repeats; r++) {
    runs.push(time(forward));
    setFusedOps(false);
    unfused.push(time(forward));
    setFusedOps(true);
  }
  const { profile, stop } = startKernelProfile();
  const profiled = time(forward);
  stop();
  profiles.push([c.label, profile, profiled]);
  const flop = [...profile.flop.values()].reduce((s, v) => s + v, 0);
  if (rateBf16) {
    const yFp32 = forward();
    const yBf16 = inBf16(forward); // also the bf16 primitives' creation
    let diff = 0;
    for (let i = 0; i < yFp32.length; i++) diff = Math.max(diff, Math.abs(yFp32[i] - yBf16[i]));
    // alternated with float32 runs, so a change of the machine's load hits both alike
    const fp32Runs: { wall: number; cpu: number }[] = [];
    const bf16Runs: { wall: number; cpu: number }[] = [];
    for (let r = 0; r < repeats; r++) {
      fp32Runs.push(time(forward));
      bf16Runs.push(time(() => inBf16(forward)));
    }
    const fp32Cpu = median(fp32Runs.map((r) => r.cpu));
    const bWall = median(bf16Runs.map((r) => r.wall));
    const bCpu = median(bf16Runs.map((r) => r.cpu));
    const floorBf16 = flop / rateBf16.cpu / 1e6;
    bf16Rows.push(
      `| ${c.label} | ${median(fp32Runs.map((r) => r.wall)).toFixed(0)} ms (${fp32Cpu.toFixed(0)} ms) | ${bWall.toFixed(0)} ms (${bCpu.toFixed(0)} ms) | ${(fp32Cpu / bCpu).toFixed(2)}x | ${floorBf16.toFixed(0)} ms | ${(bCpu / floorBf16).toFixed(1)}x | ${diff.toExponential(1)} |`,
    );
  }
  unregisterNativeKernels();
  gc();
  const js = c.js ? time(forward) : undefined;
  registerNativeKernels();
  const floorCpu = flop / rate.cpu / 1e6;
  const wall = median(runs.map((r) => r.wall));
  const cpu = median(runs.map((r) => r.cpu));
  const unfusedWall = median(unfused.map((r) => r.wall));
  const unfusedCpu = median(unfused.map((r) => r.cpu));
  rows.push(
    `| ${c.label} | ${wall.toFixed(0)} ms (${cpu.toFixed(0)} ms) | ${unfusedWall.toFixed(0)} ms (${unfusedCpu.toFixed(0)} ms) | ${(cpu / unfusedCpu).toFixed(2)}x | ${js ? `${js.wall.toFixed(0)} ms (${js.cpu.toFixed(0)} ms)` : '-'} | ${js ? (js.cpu / cpu).toFixed(0) + 'x' : '-'} | ${(flop / 1e9).toFixed(1)} | ${floorCpu.toFixed(0)} ms | ${(cpu / floorCpu).toFixed(1)}x |`,
  );
  tf.dispose(c.x);
  c.model.dispose();
}
console.log(`forward pass (predict, no gradient), native median of ${repeats} after one warm-up, JS one run; GFLOP = 2 x multiply-adds of Conv3D and BatchMatMul; floor = GFLOP at the measured matmul rate per CPU second:\n`);
console.log(rows.join('\n') + '\n');
if (rateBf16) {
  console.log(`bf16 inference (RAUNET_INFERENCE_BF16: forward convolutions and 2-D matmuls in bf16, f32 accumulation), median of ${repeats} alternated with fp32 runs; max abs output diff = largest |probability difference| of one forward pass:\n`);
  console.log(bf16Rows.join('\n') + '\n');
}
for (const [label, profile, t] of profiles) {
  console.log(`native profile, ${label} (${t.wall.toFixed(0)} ms wall, ${t.cpu.toFixed(0)} ms CPU with profiling):\n`);
  console.log(profileTable(profile, t, profileRows) + '\n');
  console.log(`convolution and matmul shapes by CPU time:\n`);
  console.log(shapeTable(profile, t.cpu, profileRows) + '\n');
}
