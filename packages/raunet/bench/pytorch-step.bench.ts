// `pnpm bench raunet`: one training step of the paper's RA-Unet (batch 1; forward, Dice loss, gradients, Adam)
// against PyTorch in the same run: ours through train-memory.bench.ts's child (tfjs cpu backend + native kernels,
// `optimizer.minimize`), PyTorch through pytorch_raunet_step.py (the same layer shapes written in PyTorch from
// the SPEC), one after the other, then ours again. Each runs STEPS steps in its own process; reported: first
// step, median later step (wall and CPU), peak RSS, and our figures as ratios to PyTorch's. Skipped with a
// message where python3 cannot import torch (Debian: `apt install python3-torch`; nothing is downloaded at run
// time). Env: PYTORCH_PYTHON (default: the first of `python3`, `/usr/bin/python3` that imports torch; Debian's
// package is for the system Python), PYTORCH_PATCH (default `192,192,32`), STEPS (default 4).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

interface Step {
  firstStepSeconds: number;
  stepSeconds: number;
  stepCpuSeconds: number;
  peakRssBytes: number;
}

const patch = (process.env.PYTORCH_PATCH ?? '192,192,32').split(',').map(Number);
const steps = Number(process.env.STEPS ?? 4);
const candidates = process.env.PYTORCH_PYTHON ? [process.env.PYTORCH_PYTHON] : ['python3', '/usr/bin/python3'];
const found = candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
if (found === undefined) {
  console.log(`(no PyTorch comparison: none of ${candidates.join(', ')} imports torch; on Debian: apt install python3-torch)`);
  process.exit(0);
}
const python: string = found;

function ours(): Step {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=@raunet/source', '--expose-gc', fileURLToPath(new URL('./train-memory.bench.ts', import.meta.url)), '--child', patch.join(','), '1', 'fused+release'],
    { encoding: 'utf8', env: { ...process.env, STEPS: String(steps) }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
  );
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) throw new Error(`our training step failed (status ${r.status}):\n${r.stdout}`);
  return JSON.parse(line.slice(7)) as Step;
}

function pytorch(): Step & { torch: string; threads: number } {
  const r = spawnSync(python, [fileURLToPath(new URL('./pytorch_raunet_step.py', import.meta.url)), ...patch.map(String), String(steps)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0) throw new Error(`the PyTorch step failed (status ${r.status}):\n${r.stdout}`);
  const p = JSON.parse(line) as { torch: string; threads: number; first_step_s: number; step_s: number; step_cpu_s: number; peak_rss_bytes: number };
  return { torch: p.torch, threads: p.threads, firstStepSeconds: p.first_step_s, stepSeconds: p.step_s, stepCpuSeconds: p.step_cpu_s, peakRssBytes: p.peak_rss_bytes };
}

const load0 = loadavg()[0];
const a = ours();
const t = pytorch();
const b = ours();
const median = (x: number, y: number) => (x + y) / 2;
const mine: Step = {
  firstStepSeconds: median(a.firstStepSeconds, b.firstStepSeconds),
  stepSeconds: median(a.stepSeconds, b.stepSeconds),
  stepCpuSeconds: median(a.stepCpuSeconds, b.stepCpuSeconds),
  peakRssBytes: Math.max(a.peakRssBytes, b.peakRssBytes),
};
const gib = (v: number) => `${(v / 2 ** 30).toFixed(2)} GiB`;
console.log(
  `RA-Unet training step, batch 1, patch ${patch.join('x')}, ${steps} steps per process (first, then the median of the rest); ` +
    `ours twice (mean) around PyTorch ${t.torch} (${t.threads} threads); load average ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end\n`,
);
console.log('| | first step | step (wall) | step CPU | peak RSS |');
console.log('|---|---:|---:|---:|---:|');
console.log(`| ours (tfjs + native kernels) | ${mine.firstStepSeconds.toFixed(2)} s | ${mine.stepSeconds.toFixed(2)} s | ${mine.stepCpuSeconds.toFixed(2)} s | ${gib(mine.peakRssBytes)} |`);
console.log(`| PyTorch | ${t.firstStepSeconds.toFixed(2)} s | ${t.stepSeconds.toFixed(2)} s | ${t.stepCpuSeconds.toFixed(2)} s | ${gib(t.peakRssBytes)} |`);
console.log(
  `| ours / PyTorch | ${(mine.firstStepSeconds / t.firstStepSeconds).toFixed(2)}x | ${(mine.stepSeconds / t.stepSeconds).toFixed(2)}x | ` +
    `${(mine.stepCpuSeconds / t.stepCpuSeconds).toFixed(2)}x | ${(mine.peakRssBytes / t.peakRssBytes).toFixed(2)}x |`,
);
