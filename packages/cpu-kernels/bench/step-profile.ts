// Dev tool, not part of `pnpm bench`: per-call profile of RA-Unet training steps, grouped by kernel, input
// shapes and native/JS, plus wall/user/sys time, page faults and buffer-pool counters per step. Run:
// node --import tsx --conditions=@raunet/source --expose-gc packages/cpu-kernels/bench/step-profile.ts
// (env RAUNET_BENCH_PATCH=x,y,z, STEPS, PROFILE=0 to skip the per-call profile, TOP rows, NATIVE=0).
import * as tf from '@tensorflow/tfjs';
import { nativeKernelsStatus, registerNativeKernels } from '../src/index.js';
import { raunetTrainingStep } from './kernel-profiler.js';

await tf.setBackend('cpu');
const native = process.env.NATIVE !== '0';
if (native) registerNativeKernels();
const { step } = await raunetTrainingStep();
const timed = (label: string) => {
  const r0 = process.resourceUsage();
  const t = performance.now();
  step();
  const r1 = process.resourceUsage();
  console.log(`${label}: ${(performance.now() - t).toFixed(0)} ms, user ${((r1.userCPUTime - r0.userCPUTime) / 1000).toFixed(0)} ms, sys ${((r1.systemCPUTime - r0.systemCPUTime) / 1000).toFixed(0)} ms, minor faults ${r1.minorPageFault - r0.minorPageFault}, maxRSS ${(r1.maxRSS / 1024).toFixed(0)} MB, pool ${JSON.stringify(nativeKernelsStatus().bufferPool)}`);
};
timed('first step');
for (let i = 0; i < Number(process.env.STEPS ?? 2); i++) timed('step');
if (process.env.PROFILE === '0') process.exit(0);
let t0 = 0;
const rows = new Map<string, { ms: number; n: number }>();
const originals = tf.getKernelsForBackend('cpu');
const fb = (name: string) => nativeKernelsStatus().calls[name]?.fallback ?? 0;
for (const config of originals) {
  const inner = config.kernelFunc;
  const name = config.kernelName;
  tf.unregisterKernel(name, 'cpu');
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      const f0 = fb(name);
      const t = performance.now();
      const out = inner(args);
      const ms = performance.now() - t;
      const tag = fb(name) > f0 ? 'JS' : 'nat';
      const shapes = Object.entries(args.inputs).map(([k, v]) => `${k}[${(v)?.shape.join(',')}]`).join(' ');
      const attrs = JSON.stringify(args.attrs ?? {}).slice(0, 60);
      const key = `${name} ${tag} ${shapes} ${attrs}`;
      const r = rows.get(key) ?? { ms: 0, n: 0 };
      r.ms += ms;
      r.n++;
      rows.set(key, r);
      return out;
    },
  });
}
t0 = performance.now();
step();
const total = performance.now() - t0;
console.log('profiled step', total.toFixed(0));
const sorted = [...rows].sort((a, b) => b[1].ms - a[1].ms);
const byName = new Map<string, number>();
for (const [k, r] of sorted) byName.set(k.split(' ').slice(0, 2).join(' '), (byName.get(k.split(' ').slice(0, 2).join(' ')) ?? 0) + r.ms);
console.log([...byName].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${k}: ${v.toFixed(0)}`).join('\n'));
console.log('---');
for (const [k, r] of sorted.slice(0, Number(process.env.TOP ?? 80))) console.log(`${r.ms.toFixed(0).padStart(6)} ${String(r.n).padStart(4)} ${(r.ms / r.n).toFixed(1).padStart(7)}  ${k}`);
