import * as tf from '@tensorflow/tfjs';
import { NATIVE_KERNEL_NAMES, nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from '@raunet/cpu-kernels';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClose, tensor } from '../__fixtures__/layer-checks.js';
import { randomArray } from '../__fixtures__/reference.js';
import { setFusedOps } from './fused-batch-norm.js';
import { LINEAR_UPSAMPLE_KERNEL, linearUpsampleKernel } from './linear-upsample.js';
import { upsample3D } from './upsample-3d.js';

await tf.setBackend('cpu');
const probe = registerNativeKernels();
if (!probe.loaded && process.env.CI) throw new Error(`native kernels must load in CI: ${probe.reason}`);
const why = probe.loaded ? '' : ` (SKIPPED: ${probe.reason})`;
beforeEach(() => {
  unregisterNativeKernels();
  registerNativeKernels();
});
afterAll(() => unregisterNativeKernels());
afterEach(() => setFusedOps(true));

const calls = () => nativeKernelsStatus().calls[LINEAR_UPSAMPLE_KERNEL] ?? { native: 0, fallback: 0 };
const bits = (t: tf.Tensor) => new Uint32Array((t.dataSync() as Float32Array).slice().buffer);

type Path = 'kernel' | 'ops' | 'taped ops';

/**
 * upsample3D and its gradient for the weights `g` of a weighted sum: with the kernel, as ops with the adjoint
 * as gradient (the single-node op, what runs where no backend has the kernel), or as ops taped one by one
 * (the single-node ops off: autodiff through slices, multiplies, adds, concats and the stack).
 */
function valueAndGradient(path: Path, x: tf.Tensor, size: [number, number, number], g: tf.Tensor): [tf.Tensor, tf.Tensor] {
  unregisterNativeKernels();
  registerNativeKernels(path === 'kernel' ? {} : { kernels: NATIVE_KERNEL_NAMES.filter((n) => n !== LINEAR_UPSAMPLE_KERNEL) });
  setFusedOps(path !== 'taped ops');
  const y = upsample3D(x, size, 'trilinear');
  const [dx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(upsample3D(t, size, 'trilinear'), g)))([x]);
  return [y, dx];
}

describe.skipIf(!probe.loaded)(`trilinear upsampling as one kernel per axis${why}`, () => {
  // [1, 8, 12, 10, 16] x (2, 2, 2): 245,760 outputs (native); [2, 3, 1, 2, 3] x (3, 2, 1): the package's JS loop
  const cases: { shape: number[]; size: [number, number, number]; native: boolean }[] = [
    { shape: [1, 8, 12, 10, 16], size: [2, 2, 2], native: true },
    { shape: [2, 4, 6, 5, 64], size: [1, 3, 2], native: true },
    { shape: [2, 3, 1, 2, 3], size: [3, 2, 1], native: false },
    { shape: [1, 2, 2, 1, 1], size: [2, 3, 4], native: false },
  ];
  for (const { shape, size, native } of cases) {
    it(`is bitwise the ops it replaces, values and gradient, on [${shape.join(', ')}] x (${size.join(', ')})`, () => {
      const out = [shape[0], shape[1] * size[0], shape[2] * size[1], shape[3] * size[2], shape[4]];
      const x = tensor(randomArray(shape, 1, -3, 3));
      const g = tensor(randomArray(out, 2, -1, 1));
      const [y, dx] = valueAndGradient('kernel', x, size, g);
      const counted = calls();
      const axes = size.filter((s) => s > 1).length;
      // each upsampled axis: the value, the taped pass and the adjoint in the gradient
      expect(counted.native + counted.fallback).toBe(3 * axes);
      expect(counted.native > 0).toBe(native);
      const [yOps, dxOps] = valueAndGradient('ops', x, size, g);
      expect(y.shape).toEqual(out);
      expect(bits(y)).toEqual(bits(yOps));
      expect(bits(dx)).toEqual(bits(dxOps));
      // autodiff through the ops sums in another order: equal up to float32 rounding
      const [yTaped, dxTaped] = valueAndGradient('taped ops', x, size, g);
      expect(bits(y)).toEqual(bits(yTaped));
      expectClose(dx.dataSync(), dxTaped.dataSync(), 1e-5, 1e-6);
      tf.dispose([x, g, y, dx, yOps, dxOps, yTaped, dxTaped]);
    });
  }

  for (const [n, factor, inner] of [
    [1, 2, 5],
    [2, 2, 3],
    [5, 3, 4],
    [7, 4, 4096],
  ]) {
    it(`adjoint is the transpose of the forward map: <A x, g> = <x, A^T g> (n ${n}, factor ${factor}, ${inner} per row)`, () => {
      const x = tensor(randomArray([3, n, inner], 3));
      const g = tensor(randomArray([3, n * factor, inner], 4));
      const ax = linearUpsampleKernel(x, 1, factor, false);
      const atg = linearUpsampleKernel(g, 1, factor, true);
      expect(ax.shape).toEqual([3, n * factor, inner]);
      expect(atg.shape).toEqual([3, n, inner]);
      const dot = (a: tf.Tensor, b: tf.Tensor) => {
        const [p, q] = [a.dataSync() as Float32Array, b.dataSync() as Float32Array];
        let sum = 0;
        for (let i = 0; i < p.length; i++) sum += p[i] * q[i];
        return sum;
      };
      const lhs = dot(ax, g);
      expect(Math.abs(lhs - dot(x, atg))).toBeLessThan(1e-5 * Math.max(1, Math.abs(lhs)) * Math.sqrt(x.size));
      // a constant volume stays constant (the weights of each output sum to 1)
      const ones = linearUpsampleKernel(tf.onesLike(x), 1, factor, false);
      expect(ones.dataSync().every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
      tf.dispose([x, g, ax, atg, ones]);
    });
  }

  it('keeps the number of tensors flat through a training-style gradient', () => {
    const x = tensor(randomArray([1, 8, 12, 10, 16], 5));
    const run = () => tf.tidy(() => tf.grads((t: tf.Tensor) => tf.sum(tf.square(upsample3D(t, [2, 2, 2], 'trilinear'))))([x])[0].dataSync());
    run();
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
