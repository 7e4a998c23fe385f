// Shared by the native-vs-JS kernel tests: a probe of the addon (tests skip with its reason, never in CI),
// a seeded PRNG so failing cases can be replayed, random tensors, and a runner of one computation on the JS
// kernels and on the native ones.
import * as tf from '@tensorflow/tfjs';
import { nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from '../index.js';
import type { KernelCounters } from '../index.js';

await tf.setBackend('cpu');
/** Whether the addon loads here (registered once, then unregistered). */
export const probe = registerNativeKernels();
unregisterNativeKernels();
if (!probe.loaded && process.env.CI) throw new Error(`native kernels must load in CI: ${probe.reason}`);
/** Suffix for a describe title: empty when the addon loaded, else why the tests are skipped. */
export const skipReason = probe.loaded ? '' : ` (SKIPPED: ${probe.reason})`;

/** Small deterministic PRNG (mulberry32) in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random integer in [lo, hi]. */
export const int = (next: () => number, lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));

/** Values in about [-2.25, 2.25], never exactly 0 (no ties in max or relu). */
export function rand(shape: number[], next: () => number): tf.Tensor {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = next() * 4 - 2 + (next() < 0.5 ? 0.25 : -0.25);
  return tf.tensor(v, shape);
}

/** One result of {@link both}. */
export interface Result {
  shape: number[];
  data: Float32Array;
}

/** Runs `f` with JS kernels and with native ones; returns both results' data and shapes and the native call counters. */
export function both(f: () => tf.Tensor | tf.Tensor[]): { js: Result[]; native: Result[]; calls: Record<string, KernelCounters> } {
  const collect = () =>
    tf.tidy(() => {
      const r = f();
      return (Array.isArray(r) ? r : [r]).map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array }));
    });
  const js = collect();
  registerNativeKernels();
  const native = collect();
  const calls = nativeKernelsStatus().calls;
  unregisterNativeKernels();
  return { js, native, calls };
}

/** Max |a - b| relative to `floor` + max |b| (floor 0: plain relative error; 1: absolute for small values). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  if (a.length !== b.length) throw new Error(`maxRelativeError: lengths ${a.length} and ${b.length} differ`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / (floor + scale);
}
