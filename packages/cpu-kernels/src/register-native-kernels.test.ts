import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NATIVE_KERNEL_NAMES,
  cpuPeakGflops,
  nativeKernelsStatus,
  registerNativeKernels,
  unregisterNativeKernels,
} from './index.js';
import { maxRelativeError, probe, rand, rng, skipReason } from './__fixtures__/native-vs-js.js';
import { CHANNEL_AFFINE_KERNEL } from './internal/channel-affine-kernel.js';
import { ATTENTION_KERNEL } from './internal/attention-kernel.js';
import { LINEAR_UPSAMPLE_KERNEL } from './internal/linear-upsample-kernel.js';

await tf.setBackend('cpu');

// The equivalence tests need the addon: the shared probe skips them with the reason (never in CI).
if (!probe.loaded) console.warn(`@raunet/cpu-kernels native tests skipped: ${probe.reason}`);
const CONV = ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'];


/** Max |a - b| relative to 1 + max |b|. */
const relErr = (a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array): number => maxRelativeError(a, b, 1);

interface Case {
  x: number[];
  k: [number, number, number];
  out: number;
  strides: [number, number, number];
  pad: 'same' | 'valid';
}

function randomCase(next: () => number): Case {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const k = pick([1, 2, 3] as const);
  const kernel: [number, number, number] = [k, k, pick([1, k])];
  const s = pick([1, 2] as const);
  const strides: [number, number, number] = [s, s, pick([1, s])];
  const pad = pick(['same', 'valid'] as const);
  const dim = () => 3 + Math.floor(next() * 6); // 3..8, >= kernel so 'valid' is non-empty
  return { x: [1 + Math.floor(next() * 2), dim(), dim(), dim(), 1 + Math.floor(next() * 9)], k: kernel, out: 1 + Math.floor(next() * 9), strides, pad };
}

/** Forward output and the gradients of sum(conv(x, f) * r) with respect to x and f. */
function run(c: Case, seed: number): Float32Array[] {
  const next = rng(seed);
  return tf.tidy(() => {
    const x = rand(c.x, next) as tf.Tensor5D;
    const f = rand([...c.k, c.x[4], c.out], next) as tf.Tensor5D;
    const y = tf.conv3d(x, f, c.strides, c.pad);
    const r = rand(y.shape, next);
    const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, c.strides, c.pad), r)),
    )([x, f]);
    return [y, gx, gf].map((t) => t.dataSync() as Float32Array);
  });
}

describe('registration', () => {
  it('reports loaded:false with the reason when the addon file does not exist, and leaves the JS kernels', () => {
    const before = tf.getKernel('Conv3D', 'cpu').kernelFunc;
    const r = registerNativeKernels({ addonPath: '/nonexistent/raunet_cpu_kernels.node' });
    expect(r.loaded).toBe(false);
    expect(r.reason).toContain('/nonexistent/raunet_cpu_kernels.node');
    expect(r.kernels).toEqual([]);
    expect(r.library).toBe('onednn');
    expect(tf.getKernel('Conv3D', 'cpu').kernelFunc).toBe(before);
    expect(nativeKernelsStatus().loaded).toBe(false);
  });

  it('measures the CPU multiply-add peak while registered: fp32, and bf16 exactly where the CPU has it', () => {
    expect(cpuPeakGflops()).toBeUndefined();
    const r = registerNativeKernels({ threads: 2 });
    const fp32 = cpuPeakGflops();
    expect(fp32).toBeGreaterThan(1);
    expect(Number.isFinite(fp32)).toBe(true);
    const bf16 = cpuPeakGflops('bf16');
    if (r.bf16) expect(bf16).toBeGreaterThan(1);
    else expect(bf16).toBeUndefined();
    unregisterNativeKernels();
    expect(cpuPeakGflops()).toBeUndefined();
  });

  it('rejects bad options with a typed error', () => {
    expect(() => registerNativeKernels({ threads: 0 })).toThrow(/threads must be an integer >= 1, received 0/);
    expect(() => registerNativeKernels({ kernels: ['MatMul' as 'Conv3D'] })).toThrow(/MatMul/);
  });
});

describe.skipIf(!probe.loaded)(`native conv3d kernels${skipReason}`, () => {
  // every kernel but the one this package adds replaces a tfjs kernel
  const added = [CHANNEL_AFFINE_KERNEL, ATTENTION_KERNEL, LINEAR_UPSAMPLE_KERNEL];
  const replaced = NATIVE_KERNEL_NAMES.filter((n) => !added.includes(n));
  const originals = replaced.map((n) => tf.getKernel(n, 'cpu').kernelFunc);
  beforeAll(() => {
    unregisterNativeKernels();
  });
  afterAll(() => {
    unregisterNativeKernels();
  });

  it('registers the kernels, reports the library, ISA and threads, and unregistering restores the JS ones', () => {
    const r = registerNativeKernels({ threads: 2 });
    expect(r.loaded).toBe(true);
    expect(r.kernels.sort()).toEqual([...NATIVE_KERNEL_NAMES].sort());
    expect(r.libraryVersion).toMatch(/^2\.\d+\.\d+$/);
    expect(r.isa).toMatch(/avx|sse/);
    expect(r.threads).toBe(2);
    replaced.forEach((n, i) => expect(tf.getKernel(n, 'cpu').kernelFunc).not.toBe(originals[i]));
    for (const n of added) expect(tf.getKernel(n, 'cpu')).toBeDefined();
    unregisterNativeKernels();
    replaced.forEach((n, i) => expect(tf.getKernel(n, 'cpu').kernelFunc).toBe(originals[i]));
    for (const n of added) expect(tf.getKernel(n, 'cpu')).toBeUndefined();
    expect(nativeKernelsStatus().loaded).toBe(false);
  });

  it('matches the JS kernels (forward and both gradients) on 24 random shapes, strides, paddings, batches and channels', () => {
    const next = rng(20240601);
    const cases = Array.from({ length: 24 }, () => randomCase(next));
    const js = cases.map((c, i) => run(c, i));
    registerNativeKernels();
    const native = cases.map((c, i) => run(c, i));
    const { calls } = nativeKernelsStatus();
    unregisterNativeKernels();
    cases.forEach((c, i) => {
      ['forward', 'dx', 'dfilter'].forEach((what, j) => {
        const e = relErr(native[i][j], js[i][j]);
        expect(e, `${what} ${JSON.stringify(c)}`).toBeLessThan(2e-5);
      });
    });
    for (const n of CONV) {
      expect(calls[n].native, n).toBeGreaterThanOrEqual(24);
      expect(calls[n].fallback, `${n}: ${calls[n].lastFallbackReason}`).toBe(0);
    }
  });

  it('covers the RA-Unet shapes: 3x3x3 stride 1 and 2 and 1x1x1, 16-32 channels', () => {
    const cases: Case[] = [
      { x: [1, 8, 12, 12, 16], k: [3, 3, 3], out: 16, strides: [1, 1, 1], pad: 'same' },
      { x: [1, 8, 12, 12, 16], k: [3, 3, 3], out: 32, strides: [2, 2, 2], pad: 'same' },
      { x: [2, 4, 6, 6, 32], k: [1, 1, 1], out: 16, strides: [1, 1, 1], pad: 'same' },
      { x: [1, 7, 9, 11, 4], k: [3, 3, 3], out: 8, strides: [2, 2, 2], pad: 'valid' },
      // tfjs pads this 'same' case with -1 in front (kernel smaller than stride, even size): cropped natively
      { x: [1, 8, 12, 12, 16], k: [1, 1, 1], out: 32, strides: [2, 2, 2], pad: 'same' },
    ];
    const js = cases.map((c, i) => run(c, 100 + i));
    registerNativeKernels();
    const native = cases.map((c, i) => run(c, 100 + i));
    const { calls } = nativeKernelsStatus();
    unregisterNativeKernels();
    for (const n of CONV) expect(calls[n].fallback, `${n}: ${calls[n].lastFallbackReason}`).toBe(0);
    cases.forEach((c, i) => [0, 1, 2].forEach((j) => expect(relErr(native[i][j], js[i][j]), JSON.stringify(c)).toBeLessThan(2e-5)));
  });

  it('covers the per-axis RA-Unet geometry: 3x3x1 kernels (tensor [1, 3, 3]) and [1, 2, 2] strides, symmetric-padded valid', () => {
    // kernelSizes [3, 3, 1] and poolStrides [2, 2, 1] in (x, y, z) are [1, 3, 3] and [1, 2, 2] in NDHWC; with
    // symmetric padding the strided convolutions run 'valid' on an input padded by 1 in y and x (here 12 + 2)
    const cases: Case[] = [
      { x: [2, 4, 12, 12, 8], k: [1, 3, 3], out: 8, strides: [1, 1, 1], pad: 'same' },
      { x: [1, 4, 14, 14, 8], k: [1, 3, 3], out: 16, strides: [1, 2, 2], pad: 'valid' },
      { x: [1, 6, 14, 14, 8], k: [3, 3, 3], out: 16, strides: [1, 2, 2], pad: 'valid' },
      { x: [1, 1, 14, 14, 4], k: [1, 3, 3], out: 8, strides: [1, 2, 2], pad: 'valid' }, // one slice (2D)
      { x: [1, 4, 12, 12, 8], k: [1, 1, 1], out: 16, strides: [1, 2, 2], pad: 'valid' }, // strided shortcut
    ];
    const js = cases.map((c, i) => run(c, 200 + i));
    registerNativeKernels();
    const native = cases.map((c, i) => run(c, 200 + i));
    const { calls } = nativeKernelsStatus();
    unregisterNativeKernels();
    for (const n of CONV) {
      expect(calls[n].native, n).toBeGreaterThanOrEqual(cases.length);
      expect(calls[n].fallback, `${n}: ${calls[n].lastFallbackReason}`).toBe(0);
    }
    cases.forEach((c, i) => [0, 1, 2].forEach((j) => expect(relErr(native[i][j], js[i][j]), JSON.stringify(c)).toBeLessThan(2e-5)));
  });

  it('serves conv3dTranspose (Conv3DBackpropInputV2) and falls back to JS for dilations > 1', () => {
    const next = rng(7);
    const x = rand([1, 4, 5, 6, 3], next) as tf.Tensor5D;
    const f = rand([3, 3, 3, 2, 3], next) as tf.Tensor5D;
    const f2 = rand([3, 3, 3, 3, 4], next) as tf.Tensor5D;
    const compute = () =>
      tf.tidy(() => [
        tf.conv3dTranspose(x, f, [1, 8, 10, 12, 2], 2, 'same').dataSync() as Float32Array,
        tf.conv3d(x, f2, 1, 'same', 'NDHWC', 2).dataSync() as Float32Array,
      ]);
    const js = compute();
    registerNativeKernels();
    const native = compute();
    const { calls } = nativeKernelsStatus();
    unregisterNativeKernels();
    expect(relErr(native[0], js[0])).toBeLessThan(2e-5);
    expect(native[1]).toEqual(js[1]);
    expect(calls.Conv3DBackpropInputV2.native).toBe(1);
    expect(calls.Conv3D.fallback).toBe(1);
    expect(calls.Conv3D.lastFallbackReason).toMatch(/unsupported/);
    tf.dispose([x, f, f2]);
  });

  it('trains a small conv3d model to the same loss and weights, without leaking tensors', () => {
    const trainSteps = () => {
      const base = tf.memory().numTensors;
      const next = rng(99);
      const x = rand([2, 6, 8, 8, 2], next);
      const target = rand([2, 3, 4, 4, 1], next);
      const init = (shape: number[]) => {
        const t = tf.tidy(() => rand(shape, next).mul(0.3));
        const v = tf.variable(t);
        t.dispose();
        return v;
      };
      const w1 = init([3, 3, 3, 2, 8]);
      const w2 = init([3, 3, 3, 8, 8]);
      const w3 = init([1, 1, 1, 8, 1]);
      const opt = tf.train.adam(0.01);
      const losses: number[] = [];
      const counts: number[] = [];
      for (let step = 0; step < 3; step++) {
        const loss = opt.minimize(() => {
          const h = tf.relu(tf.conv3d(x as tf.Tensor5D, w1 as unknown as tf.Tensor5D, 1, 'same'));
          const d = tf.relu(tf.conv3d(h, w2 as unknown as tf.Tensor5D, 2, 'same'));
          const y = tf.conv3d(d, w3 as unknown as tf.Tensor5D, 1, 'valid');
          return tf.mean<tf.Scalar>(tf.square(tf.sub(y, target)));
        }, true)!;
        losses.push(loss.dataSync()[0]);
        loss.dispose();
        counts.push(tf.memory().numTensors - base);
      }
      const weights = [w1, w2, w3].map((w) => w.dataSync() as Float32Array);
      opt.dispose();
      tf.dispose([x, target, w1, w2, w3]);
      expect(tf.memory().numTensors).toBe(base);
      return { losses, weights, counts };
    };
    const js = trainSteps();
    registerNativeKernels();
    const native = trainSteps();
    unregisterNativeKernels();
    native.losses.forEach((l, i) => expect(Math.abs(l - js.losses[i]) / Math.abs(js.losses[i])).toBeLessThan(1e-5));
    native.weights.forEach((w, i) => expect(relErr(w, js.weights[i])).toBeLessThan(1e-5));
    // flat after the first step (which creates Adam's slots), and the same as with the JS kernels
    expect(native.counts[2]).toBe(native.counts[1]);
    expect(native.counts).toEqual(js.counts);
  });
});
