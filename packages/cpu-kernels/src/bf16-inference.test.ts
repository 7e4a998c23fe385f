import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRECISION_FLAGS } from '@raunet/core';
import { nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from './index.js';
import { maxRelativeError, probe, rand, rng, skipReason } from './__fixtures__/native-vs-js.js';

await tf.setBackend('cpu');

/** Whether /proc/cpuinfo lists AVX512_BF16 (independent of oneDNN's own dispatch). */
const cpuHasBf16 = (() => {
  try {
    return /\bavx512_bf16\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return undefined;
  }
})();

/** `v` rounded to bfloat16 (round to nearest even), as float32: what the native bf16 path multiplies. */
function roundBf16(v: Float32Array): Float32Array {
  const out = Float32Array.from(v);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i];
    bits[i] = ((b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000) >>> 0;
  }
  return out;
}

/** Max |a - b| / max |b|. */
const relErr = (a: Float32Array, b: Float32Array): number => maxRelativeError(a, b);

/** Runs `f` with the bf16 request flag set to `on`, restoring it after. */
function withBf16<T>(on: boolean, f: () => T): T {
  const env = tf.env();
  const before = env.getBool(PRECISION_FLAGS.inferenceBf16);
  env.set(PRECISION_FLAGS.inferenceBf16, on);
  try {
    return f();
  } finally {
    env.set(PRECISION_FLAGS.inferenceBf16, before);
  }
}

interface ConvCase {
  name: string;
  x: [number, number, number, number, number];
  k: [number, number, number];
  out: number;
  strides: [number, number, number];
  pad: 'same' | 'valid';
}

// The shapes of the shipped models: 3x3x3 and 3x3x1 'same', 1x1x1 (the pointwise matmul path), stride 2
// ('valid' after a zero pad, and 'same' 1x1x1 on an even size: a negative tfjs padding, cropped), batch > 1.
const CASES: ConvCase[] = [
  { name: '3x3x3 same, batch 2', x: [2, 6, 10, 10, 8], k: [3, 3, 3], out: 16, strides: [1, 1, 1], pad: 'same' },
  { name: '3x3x1 same', x: [1, 1, 16, 16, 8], k: [1, 3, 3], out: 8, strides: [1, 1, 1], pad: 'same' },
  { name: '1x1x1 (pointwise), batch 3', x: [3, 4, 8, 8, 16], k: [1, 1, 1], out: 8, strides: [1, 1, 1], pad: 'same' },
  { name: '3x3x3 stride 2 valid', x: [2, 9, 9, 9, 4], k: [3, 3, 3], out: 8, strides: [2, 2, 2], pad: 'valid' },
  { name: '1x1x1 stride 2 same, even size (cropped)', x: [1, 8, 8, 8, 4], k: [1, 1, 1], out: 8, strides: [2, 2, 2], pad: 'same' },
];

describe.skipIf(!probe.loaded)(`bf16 inference in the native kernels${skipReason}`, () => {
  beforeAll(() => {
    registerNativeKernels();
  });
  afterAll(() => {
    unregisterNativeKernels();
  });

  it('reports bf16 availability as /proc/cpuinfo says, and publishes it as a tfjs flag', () => {
    const status = nativeKernelsStatus();
    if (cpuHasBf16 !== undefined) expect(status.bf16).toBe(cpuHasBf16);
    expect(tf.env().getBool(PRECISION_FLAGS.nativeBf16)).toBe(status.bf16);
    expect(tf.env().getBool(PRECISION_FLAGS.inferenceBf16)).toBe(false);
  });

  describe.skipIf(cpuHasBf16 !== true)('on a CPU with AVX512_BF16', () => {
    for (const c of CASES) {
      it(`Conv3D ${c.name}: bf16 equals f32 on bf16-rounded inputs, within bf16 error of f32, exact f32 with the flag off`, () => {
        const next = rng(c.x.reduce((a, b) => a * 31 + b, 7));
        const x = rand(c.x, next);
        const f = rand([...c.k, c.x[4], c.out], next);
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, c.strides, c.pad).dataSync() as Float32Array);
        const fp32 = conv(x, f);
        const before = { ...nativeKernelsStatus().calls.Conv3D };
        const tensors = tf.memory().numTensors;
        const bf16 = withBf16(true, () => conv(x, f));
        expect(tf.memory().numTensors).toBe(tensors);
        const after = nativeKernelsStatus().calls.Conv3D;
        expect(after.bf16 ?? 0).toBe((before.bf16 ?? 0) + 1);
        expect(after.fallback).toBe(before.fallback);
        // independent reference: the f32 convolution of the inputs rounded to bf16 (products exact in f32)
        const xr = tf.tensor(roundBf16(x.dataSync() as Float32Array), x.shape);
        const fr = tf.tensor(roundBf16(f.dataSync() as Float32Array), f.shape);
        expect(relErr(bf16, conv(xr, fr))).toBeLessThan(1e-5);
        const err = relErr(bf16, fp32);
        expect(err).toBeGreaterThan(0); // bf16 really ran
        expect(err).toBeLessThan(2e-2);
        expect(withBf16(false, () => conv(x, f))).toEqual(fp32);
        tf.dispose([x, f, xr, fr]);
      });
    }

    it('gradients stay float32 with the flag on (identical to the flag off)', () => {
      for (const c of [CASES[0], CASES[2]]) {
        const next = rng(11);
        const x = rand(c.x, next);
        const f = rand([...c.k, c.x[4], c.out], next);
        const r = tf.tidy(() => rand(tf.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, c.strides, c.pad).shape, next));
        const grads = () =>
          tf.tidy(() =>
            tf
              .grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, c.strides, c.pad), r)))([x, f])
              .map((g) => g.dataSync() as Float32Array),
          );
        const fp32 = grads();
        const tensors = tf.memory().numTensors;
        expect(withBf16(true, grads)).toEqual(fp32);
        expect(tf.memory().numTensors).toBe(tensors);
        tf.dispose([x, f, r]);
      }
    });

    it('BatchMatMul: 2-D products run bf16, batched ones (attention) stay float32', () => {
      const next = rng(5);
      const a = rand([300, 64], next);
      const b = rand([64, 32], next);
      const a3 = rand([2, 300, 64], next);
      const b3 = rand([2, 64, 32], next);
      const mm = (p: tf.Tensor, q: tf.Tensor) => tf.tidy(() => tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D).dataSync() as Float32Array);
      const fp32 = mm(a, b);
      const fp32Batched = mm(a3, b3);
      const bf16 = withBf16(true, () => mm(a, b));
      const ar = tf.tensor(roundBf16(a.dataSync() as Float32Array), a.shape);
      const br = tf.tensor(roundBf16(b.dataSync() as Float32Array), b.shape);
      expect(relErr(bf16, mm(ar, br))).toBeLessThan(1e-5);
      expect(relErr(bf16, fp32)).toBeGreaterThan(0);
      expect(relErr(bf16, fp32)).toBeLessThan(2e-2);
      expect(withBf16(true, () => mm(a3, b3))).toEqual(fp32Batched);
      tf.dispose([a, b, a3, b3, ar, br]);
    });
  });

  it('runs float32 when the CPU lacks native bf16 (oneDNN limited to AVX512_CORE): addon reports it, conv ignores the request', () => {
    const file = nativeKernelsStatus().addonFile!;
    const script = `
      const a = require(${JSON.stringify(file)});
      const p = Int32Array.from([1,2,2,2,1, 2,2,2,1, 1,1,1, 1,1,1, 0,0,0,0,0,0]);
      const y = new Float32Array(8);
      const ran = a.conv3dForward(new Float32Array(8).fill(1.001), Float32Array.of(1.001), y, p, true);
      process.stdout.write(JSON.stringify({ bf16: a.info().bf16, isa: a.info().isa, ran, y: y[0] }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ONEDNN_MAX_CPU_ISA: 'AVX512_CORE' } }).toString(),
    ) as { bf16: boolean; isa: string; ran: boolean; y: number };
    expect(out).toMatchObject({ bf16: false, ran: false });
    expect(out.y).toBeCloseTo(Math.fround(1.001) * Math.fround(1.001), 6);
  });
});
