// Bench helper: wraps every kernel registered for tfjs's cpu backend to add up wall time per kernel name.
import * as tf from '@tensorflow/tfjs';

export interface KernelProfile {
  /** ms per kernel name */
  ms: Map<string, number>;
  calls: Map<string, number>;
}

export function startKernelProfile(): { profile: KernelProfile; stop: () => void } {
  const profile: KernelProfile = { ms: new Map(), calls: new Map() };
  const originals = tf.getKernelsForBackend('cpu');
  for (const config of originals) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const t0 = performance.now();
        const out = inner(args);
        profile.ms.set(name, (profile.ms.get(name) ?? 0) + performance.now() - t0);
        profile.calls.set(name, (profile.calls.get(name) ?? 0) + 1);
        return out;
      },
    });
  }
  const stop = () => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, 'cpu');
      tf.registerKernel(config);
    }
  };
  return { profile, stop };
}

export function profileTable(profile: KernelProfile, totalMs: number, rows = 15): string {
  const entries = [...profile.ms].sort((a, b) => b[1] - a[1]);
  const inKernels = entries.reduce((s, [, v]) => s + v, 0);
  const lines = ['| kernel | calls | ms | share |', '|---|---:|---:|---:|'];
  for (const [name, ms] of entries.slice(0, rows)) {
    lines.push(`| ${name} | ${profile.calls.get(name)} | ${ms.toFixed(0)} | ${((100 * ms) / totalMs).toFixed(1)}% |`);
  }
  const rest = entries.slice(rows).reduce((s, [, v]) => s + v, 0);
  lines.push(`| ${entries.length - Math.min(rows, entries.length)} other kernels | | ${rest.toFixed(0)} | ${((100 * rest) / totalMs).toFixed(1)}% |`);
  lines.push(`| outside kernels (engine, tape, GC) | | ${(totalMs - inKernels).toFixed(0)} | ${((100 * (totalMs - inKernels)) / totalMs).toFixed(1)}% |`);
  return lines.join('\n');
}
