// `pnpm bench raunet`: `raunet predict` of a whole CT end to end (the CLI in its own process: read, preprocess,
// sliding window, stitch, write), paper-size RA-Unet (buildRAUnet() defaults: 192x192x32 patches, overlap 0.5,
// Gaussian blending, no TTA), native cpu kernels. Reported: wall and CPU time and peak RSS of the process
// (GNU time), beside the arithmetic floor measured in the same run (the model's FLOP per window x the windows
// run, at the rate a large oneDNN matmul reaches here, per CPU second, and at the CPU's multiply-add peak on all
// threads, `cpuPeakGflops`). The CT is a synthetic chest phantom in HU (@raunet/phantom);
// the model is untrained (the time does not depend on the weights).
// Env: PREDICT_CT (default `256,256,96`; x,y,z), FULL=1 for the issue's 512x512x301 (about 10 minutes),
// PREDICT_SPACING (default `0.7,0.7,1`), PREDICT_FLAGS (extra flags for `raunet predict`, e.g. `--overlap 0.25`).
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuPeakGflops, registerNativeKernels } from '@raunet/cpu-kernels';
import { writeNifti } from '@raunet/io';
import { generatePhantom } from '@raunet/phantom';
import { slidingWindowGrid } from '@raunet/preprocess';
import { AIR_WINDOW_HU, buildRAUnet, prepareCase, saveModel } from '../src/index.js';
import { windowsReaching } from '../src/internal/sliding.js';
import { convFlopPerPatch } from './model-flop.js';

const TIME = '/usr/bin/time';
if (!existsSync(TIME)) {
  console.log(`(no predict bench: ${TIME} not found; it measures the CLI process's peak RSS)`);
  process.exit(0);
}
const root = fileURLToPath(new URL('../../..', import.meta.url));
const dims = (process.env.FULL === '1' ? '512,512,301' : (process.env.PREDICT_CT ?? '256,256,96')).split(',').map(Number) as [number, number, number];
const spacing = (process.env.PREDICT_SPACING ?? '0.7,0.7,1').split(',').map(Number) as [number, number, number];
const extraFlags = (process.env.PREDICT_FLAGS ?? '').split(' ').filter(Boolean);

await tf.setBackend('cpu');
const status = registerNativeKernels();
if (!status.loaded) {
  console.log(`native kernels not available: ${status.reason}`);
  process.exit(0);
}
const work = mkdtempSync(path.join(tmpdir(), 'raunet-predict-bench-'));
try {
  const ctPath = path.join(work, 'ct.nii.gz');
  const { ct } = generatePhantom({ dims, spacing, seed: 7, lesions: 6 });
  await writeNifti(ctPath, ct);
  const model = buildRAUnet({ seed: 1 });
  const modelDir = path.join(work, 'model');
  await saveModel(model, modelDir);
  const [, pd, ph, pw] = model.inputs[0].shape as number[];
  const patch: [number, number, number] = [pw, ph, pd];

  const flop = convFlopPerPatch(model);
  model.dispose();
  const n = 1536;
  const a = tf.randomNormal<tf.Rank.R2>([n, n]);
  const mm = () => tf.matMul(a, a).dispose();
  mm();
  const m0 = process.cpuUsage();
  for (let i = 0; i < 3; i++) mm();
  const mc = process.cpuUsage(m0);
  const rate = (3 * 2 * n ** 3) / ((mc.user + mc.system) / 1e6); // FLOP per CPU second
  a.dispose();
  const peak = cpuPeakGflops(); // GFLOP/s of wall time on all threads

  // the windows predict runs: those over the body (voxels >= AIR_WINDOW_HU; default window [-1000, 1000] HU)
  const origins = slidingWindowGrid(ct.dims, patch, { overlap: 0.5 }).origins;
  const prepared = prepareCase(ct, { options: {} }).image;
  const skipAir = !extraFlags.includes('--all-windows');
  const windows = skipAir ? windowsReaching(prepared, patch, 0.5, Math.fround((AIR_WINDOW_HU + 1000) * (1 / 2000))).length : origins.length;
  const out = path.join(work, 'mask.nii.gz');
  const args = ['-f', '%e %U %S %M', process.execPath, '--conditions=@raunet/source', '--import', 'tsx', path.join(root, 'packages/cli/src/bin.ts'), 'predict', '--model', modelDir, '--input', ctPath, '--output', out, ...extraFlags];
  const load = loadavg()[0];
  const r = spawnSync(TIME, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`raunet predict failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [wall, user, sys, maxKb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  const floor = (windows * flop) / rate;
  console.log(
    `oneDNN ${status.libraryVersion}, ISA ${status.isa}, ${status.threads} threads, load average at start ${load.toFixed(1)}; CT ${dims.join('x')} at ${spacing.join('x')} mm (phantom), patch ${patch.join('x')}, overlap 0.5, ${windows} of ${origins.length} windows run (${origins.length - windows} over air skipped)${extraFlags.length ? `, flags ${extraFlags.join(' ')}` : ''}\n`,
  );
  console.log('| | wall | CPU (user + sys) | CPU per window | peak RSS | CPU / floor |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(
    `| \`raunet predict\`, end to end | ${wall.toFixed(1)} s | ${(user + sys).toFixed(1)} s | ${((user + sys) / windows).toFixed(2)} s | ${(maxKb / 1024 ** 2).toFixed(2)} GiB | ${((user + sys) / floor).toFixed(2)}x |`,
  );
  console.log(`| arithmetic floor (${(flop / 1e9).toFixed(0)} GFLOP per window at ${(rate / 1e9).toFixed(0)} GFLOP per CPU second) | | ${floor.toFixed(1)} s | ${(floor / windows).toFixed(2)} s | | 1.00x |`);
  if (peak !== undefined) {
    // the same FLOP at the CPU's multiply-add peak, on all threads: no kernel runs faster
    const peakWall = (windows * flop) / (peak * 1e9);
    const peakCpu = peakWall * status.threads;
    console.log(
      `| at the CPU's FMA peak (${peak.toFixed(0)} GFLOP/s on ${status.threads} threads, registers only) | ${peakWall.toFixed(1)} s | ${peakCpu.toFixed(1)} s | ${(peakCpu / windows).toFixed(2)} s | | ${(peakCpu / floor).toFixed(2)}x |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
