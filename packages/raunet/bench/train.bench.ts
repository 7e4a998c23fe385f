// `pnpm bench raunet`: one training step (forward, backward, Adam) of RA-Unet on the active backend,
// for a reduced patch (measured, median of REPEATS) and, with FULL=1, the paper's 192x192x32 patch
// (FULL_REPEATS steps, the last reported: many minutes each on the pure-JS cpu backend). Prediction time of a 512x512x301 CT is
// extrapolated from measured patch forwards (patch count from slidingWindowGrid at overlap 0.5).
// Env: BACKEND=auto|cpu|wasm|tensorflow|tensorflow-gpu (default cpu), FULL=1, FULL_REPEATS=2 (the last is
// reported; 1 on the pure-JS backend, where a step takes many minutes), REPEATS=3, PATCH=64,64,16.
import * as tf from '@tensorflow/tfjs';
import { slidingWindowGrid } from '@raunet/preprocess';
import { buildRAUnet, diceLoss, initBackend, summarizeModel, type RAUnetConfig } from '../src/index.js';

const backend = await initBackend((process.env.BACKEND ?? 'cpu') as 'cpu', {
  nativeKernels: () => import('@raunet/cpu-kernels'),
});
const repeats = Number(process.env.REPEATS ?? 3);
const reducedPatch = (process.env.PATCH ?? '64,64,16').split(',').map(Number) as [number, number, number];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function stepTimes(config: Partial<RAUnetConfig>, n: number): Promise<{ step: number[]; forward: number[]; params: number; peakTensorBytes: number }> {
  const model = buildRAUnet({ ...config, seed: 1 });
  const [px, py, pz] = config.patchSize!;
  const x = tf.randomUniform([1, pz, py, px, 1], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.randomUniform([1, pz, py, px, 1], 0, 1, 'float32', 2).round());
  const optimizer = tf.train.adam(1e-4);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step: number[] = [];
  const forward: number[] = [];
  let peakTensorBytes = 0;
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const cost = optimizer.minimize(() => diceLoss(y, model.apply(x, { training: true }) as tf.Tensor), true, vars)!;
    await cost.data();
    peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
    cost.dispose();
    step.push((performance.now() - t) / 1000);
    t = performance.now();
    const p = model.predict(x) as tf.Tensor;
    await p.data();
    p.dispose();
    forward.push((performance.now() - t) / 1000);
  }
  const params = summarizeModel(model).trainableParameters;
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { step, forward, params, peakTensorBytes };
}

const voxels = (p: number[]): number => p[0] * p[1] * p[2];
const full: [number, number, number] = [192, 192, 32];
const reduced = await stepTimes({ patchSize: reducedPatch }, repeats);
const rows: string[][] = [];
rows.push([
  `reduced ${reducedPatch.join('x')} (measured, median of ${repeats})`,
  median(reduced.step).toFixed(2),
  median(reduced.forward).toFixed(2),
  '1.00',
]);
const scale = voxels(full) / voxels(reducedPatch);
let fullStep = median(reduced.step) * scale;
let fullForward = median(reduced.forward) * scale;
let fullMeasured = false;
const fullRepeats = Number(process.env.FULL_REPEATS ?? 2);
if (process.env.FULL === '1') {
  // the first step creates kernels' primitives and buffers (native kernels: ~30 s): report the last one
  const f = await stepTimes({ patchSize: full }, fullRepeats);
  fullStep = f.step[f.step.length - 1];
  fullForward = f.forward[f.forward.length - 1];
  fullMeasured = true;
}
rows.push([
  `default 192x192x32 (${fullMeasured ? `measured, step ${fullRepeats} of ${fullRepeats}` : `extrapolated x${scale.toFixed(1)} by voxel count`})`,
  fullStep.toFixed(2),
  fullForward.toFixed(2),
  (fullStep / median(reduced.step)).toFixed(2),
]);
const grid = slidingWindowGrid([512, 512, 301], full, { overlap: 0.5 });
const ctSeconds = grid.origins.length * fullForward;
const peakRss = process.resourceUsage().maxRSS * 1024; // kernel's high-water mark (tfjs cpu blocks timers)

console.log(`backend: ${backend.backend} (${backend.tried.map((t) => `${t.name}: ${t.ok ? 'ok' : 'no'}`).join('; ')}); reduced-config trainable parameters ${reduced.params}`);
console.log('');
console.log('| config | train step s (batch 1) | patch forward s | step ratio to reduced |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log('');
console.log(
  `| 512x512x301 CT, overlap 0.5: ${grid.origins.length} patches x ${fullForward.toFixed(2)} s = ${(ctSeconds / 60).toFixed(1)} min (extrapolated from ${fullMeasured ? 'the measured 192x192x32 forward' : 'the reduced forward scaled by voxels'}) |`,
);
console.log(`| peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB; peak tfjs tensor bytes (reduced) ${(reduced.peakTensorBytes / 2 ** 20).toFixed(0)} MiB |`);
