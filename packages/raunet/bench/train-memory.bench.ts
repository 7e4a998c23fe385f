// `pnpm bench raunet`: memory of one full training step of the paper's RA-Unet (buildRAUnet() defaults but
// the patch; forward, Dice loss, gradients, Adam update via optimizer.minimize) on the tfjs cpu backend with
// @raunet/cpu-kernels. Each configuration runs in its own process, so the kernel's high-water mark (peak RSS)
// belongs to it alone: STEPS steps (the first creates primitives and buffers: its wall time is reported), then the peak RSS, the peak of
// the kernel outputs live at once in a further step (`peak live`: distinct buffers, each counted from the kernel
// that wrote it until the backend frees it), the peak of tf.memory().numBytes in that step (`peak tensor`: tfjs
// counts every tensor object, so a buffer shared by a reshape or by the tape's clone counts once per tensor), the
// tensor bytes left after the step, the median step time and its floor (the step's convolution FLOP, three times
// the forward pass's, at the CPU's multiply-add peak on all threads, `cpuPeakGflops`). Each configuration runs twice in the same run: with the fused batch-norm op
// (`fused`, what the layers use) and with the former chain of elementwise ops (`chain`, the baseline), so the
// ratios compare like with like.
// Env: MEMORY_PATCHES (default `64,64,32;96,96,32`; x,y,z per patch, `;` between), MEMORY_BATCH (default 1),
// STEPS (default 3), FULL=1 adds the paper's 192x192x32 (peaks near 17 GB with the chain: needs a quiet
// machine with 20 GB free), MEMORY_VARIANTS (default `chain,fused`), MEMORY_CENSUS=1 (each child also prints,
// on stderr, the census of live tensors at the peak of its instrumented step: every kernel output not yet
// freed, grouped by kernel and shape, largest first; MEMORY_CENSUS_ROWS rows, default 25).
import type * as tfTypes from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface Measured {
  patch: string;
  batch: number;
  variant: string;
  peakRssBytes: number;
  peakTensorBytes: number;
  peakLiveBytes: number;
  afterStepTensorBytes: number;
  leakedTensors: number;
  stepSeconds: number;
  stepCpuSeconds: number;
  /** The step's convolution FLOP at the CPU's multiply-add peak on all threads (3 x forward x batch); 0 without the peak. */
  floorSeconds: number;
  firstStepSeconds: number;
  poolFreeBytes: number;
}

const child = process.argv[2] === '--child';

/**
 * Census of live tensors: each kernel output's data entry from its creation until the cpu backend frees it,
 * and, at the moment their sum peaks, the live entries grouped by kernel and shape.
 */
function startCensus(tf: typeof tfTypes): { record(kernel: string, out: unknown): void; peakBytes(): number; report(rows: number): void } {
  interface Entry {
    kernel: string;
    shape: number[];
    bytes: number;
  }
  const live = new Map<object, Entry>();
  let liveBytes = 0;
  let peak: Entry[] = [];
  let peakBytes = 0;
  const backend = tf.backend() as unknown as { disposeData(dataId: object, force?: boolean): boolean };
  const dispose = backend.disposeData.bind(backend);
  backend.disposeData = (dataId: object, force?: boolean): boolean => {
    const freed = dispose(dataId, force);
    const entry = live.get(dataId);
    if (freed && entry) {
      live.delete(dataId);
      liveBytes -= entry.bytes;
    }
    return freed;
  };
  return {
    peakBytes: () => peakBytes,
    record(kernel, out) {
      for (const info of (Array.isArray(out) ? out : [out]) as tfTypes.TensorInfo[]) {
        if (!info || live.has(info.dataId)) continue;
        const bytes = info.shape.reduce((a, b) => a * b, 1) * 4;
        live.set(info.dataId, { kernel, shape: [...info.shape], bytes });
        liveBytes += bytes;
      }
      if (liveBytes > peakBytes) {
        peakBytes = liveBytes;
        peak = [...live.values()];
      }
    },
    report(rows) {
      const groups = new Map<string, { count: number; bytes: number }>();
      for (const e of peak) {
        const key = `${e.kernel} [${e.shape.join(', ')}]`;
        const g = groups.get(key) ?? { count: 0, bytes: 0 };
        g.count++;
        g.bytes += e.bytes;
        groups.set(key, g);
      }
      const mib = (b: number): string => (b / 2 ** 20).toFixed(0);
      const lines = [`census: ${(peakBytes / 2 ** 30).toFixed(2)} GiB of kernel outputs live at the peak`, '| kernel [output shape] | live | MiB |', '|---|---:|---:|'];
      for (const [key, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, rows)) lines.push(`| ${key} | ${g.count} | ${mib(g.bytes)} |`);
      console.error(lines.join('\n'));
    },
  };
}

async function runChild(patch: [number, number, number], batch: number, variant: string): Promise<Measured> {
  const tf = await import('@tensorflow/tfjs');
  const { cpuPeakGflops, registerNativeKernels, nativeKernelsStatus } = await import('@raunet/cpu-kernels');
  const { convFlopPerPatch } = await import('./model-flop.js');
  const { setFusedOps } = await import('../../layers-3d/src/internal/fused-batch-norm.js');
  const { setEarlyTapeRelease } = await import('../../layers-3d/src/internal/early-release.js');
  const { buildRAUnet, diceLoss } = await import('../src/index.js');
  await tf.setBackend('cpu');
  const status = registerNativeKernels();
  if (!status.loaded) throw new Error(`native kernels did not load: ${status.reason}`);
  setFusedOps(variant !== 'chain');
  setEarlyTapeRelease(variant === 'fused+release');
  const model = buildRAUnet({ patchSize: patch, seed: 1 });
  const [px, py, pz] = patch;
  const x = tf.randomUniform([batch, pz, py, px, 1], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.randomUniform([batch, pz, py, px, 1], 0, 1, 'float32', 2).round());
  const optimizer = tf.train.adam(1e-4);
  const vars = model.trainableWeights.map((w) => w.read() as tfTypes.Variable);
  const step = (): void => {
    const cost = optimizer.minimize(() => diceLoss(y, model.apply(x, { training: true }) as tfTypes.Tensor), true, vars)!;
    cost.dataSync();
    cost.dispose();
  };
  const steps = Number(process.env.STEPS ?? 3);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  // the first step: primitive creation, Adam's slots, every buffer faulted in for the first time
  const first0 = performance.now();
  step();
  const firstStepSeconds = (performance.now() - first0) / 1000;
  const tensorsBefore = tf.memory().numTensors;
  for (let i = 1; i < steps; i++) {
    const t = performance.now();
    const r0 = process.resourceUsage();
    step();
    const r1 = process.resourceUsage();
    times.push((performance.now() - t) / 1000);
    cpuTimes.push((r1.userCPUTime + r1.systemCPUTime - r0.userCPUTime - r0.systemCPUTime) / 1e6);
  }
  const leakedTensors = tf.memory().numTensors - tensorsBefore;
  // one more step with every kernel wrapped to sample the live tensor bytes after it
  const originals = tf.getKernelsForBackend('cpu');
  let peakTensorBytes = 0;
  const census = startCensus(tf);
  for (const config of originals) {
    tf.unregisterKernel(config.kernelName, 'cpu');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const out = config.kernelFunc(args);
        peakTensorBytes = Math.max(peakTensorBytes, tf.memory().numBytes);
        census.record(config.kernelName, out);
        return out;
      },
    });
  }
  const base = tf.memory().numBytes;
  step();
  if (process.env.MEMORY_CENSUS === '1') census.report(Number(process.env.MEMORY_CENSUS_ROWS ?? 25));
  const afterStepTensorBytes = tf.memory().numBytes - base;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const peak = cpuPeakGflops(); // after the steps, outside their timing
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return {
    patch: patch.join('x'),
    batch,
    variant,
    peakRssBytes,
    peakTensorBytes,
    peakLiveBytes: census.peakBytes(),
    afterStepTensorBytes,
    leakedTensors,
    stepSeconds: median(times),
    stepCpuSeconds: median(cpuTimes),
    floorSeconds: peak ? (3 * convFlopPerPatch(model) * batch) / (peak * 1e9) : 0,
    firstStepSeconds,
    poolFreeBytes: nativeKernelsStatus().bufferPool?.freeBytes ?? 0,
  };
}

if (child) {
  const patch = process.argv[3].split(',').map(Number) as [number, number, number];
  const result = await runChild(patch, Number(process.argv[4]), process.argv[5]);
  console.log(`RESULT ${JSON.stringify(result)}`);
} else {
  const patches = (process.env.MEMORY_PATCHES ?? '64,64,32;96,96,32').split(';');
  if (process.env.FULL === '1') patches.push('192,192,32');
  const batch = Number(process.env.MEMORY_BATCH ?? 1);
  const gib = (b: number): string => (b / 2 ** 30).toFixed(2);
  const variants = (process.env.MEMORY_VARIANTS ?? 'chain,fused,fused+release').split(',');
  const results: Measured[] = [];
  for (const patch of patches) {
    for (const variant of variants) {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--conditions=@raunet/source', '--expose-gc', fileURLToPath(import.meta.url), '--child', patch, String(batch), variant],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
      );
      const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (r.status !== 0 || !line) throw new Error(`child ${patch} ${variant} failed (status ${r.status}):\n${r.stdout}`);
      const measured = JSON.parse(line.slice(7)) as Measured;
      results.push(measured);
      console.error(`${measured.patch} ${measured.variant}: peak RSS ${gib(measured.peakRssBytes)} GiB, step CPU ${measured.stepCpuSeconds.toFixed(2)} s`);
    }
  }
  console.log(`RA-Unet (buildRAUnet defaults), one training step (forward + Dice + gradients + Adam), batch ${batch}, cpu backend + native kernels`);
  console.log('');
  console.log('| patch | batch norm | peak RSS GiB | peak live GiB | peak tensor GiB | tensor GiB left by a step | leaked tensors | first step s | step s | step CPU s | floor s | step / floor | RSS ratio to chain | CPU ratio to chain |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const chain = results.find((c) => c.patch === r.patch && c.variant === 'chain');
    const ratio = (a: number, b: number | undefined): string => (b ? (a / b).toFixed(2) : '');
    console.log(
      `| ${r.patch} | ${r.variant} | ${gib(r.peakRssBytes)} | ${gib(r.peakLiveBytes)} | ${gib(r.peakTensorBytes)} | ${gib(r.afterStepTensorBytes)} | ${r.leakedTensors} | ${r.firstStepSeconds.toFixed(2)} | ${r.stepSeconds.toFixed(2)} | ${r.stepCpuSeconds.toFixed(2)} | ${r.floorSeconds ? r.floorSeconds.toFixed(2) : '-'} | ${r.floorSeconds ? (r.stepSeconds / r.floorSeconds).toFixed(2) + 'x' : '-'} | ${ratio(r.peakRssBytes, chain?.peakRssBytes)} | ${ratio(r.stepCpuSeconds, chain?.stepCpuSeconds)} |`,
    );
  }
}
