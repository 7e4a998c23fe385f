import * as tf from '@tensorflow/tfjs';
import { NATIVE_KERNEL_NAMES, nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from '@raunet/cpu-kernels';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchNorm3D, raBlock3D, residualBlock3D } from '../index.js';
import { layerWithWeights, tensor } from '../__fixtures__/layer-checks.js';
import { randomArray } from '../__fixtures__/reference.js';
import { ATTENTION_KERNEL } from './attention.js';
import { CHANNEL_AFFINE_KERNEL, channelAffine } from './channel-affine.js';
import { setFusedOps } from './fused-batch-norm.js';

await tf.setBackend('cpu');
const probe = registerNativeKernels();
if (!probe.loaded && process.env.CI) throw new Error(`native kernels must load in CI: ${probe.reason}`);
const why = probe.loaded ? '' : ` (SKIPPED: ${probe.reason})`;

// without the attention kernel, whose values differ from the matmuls' by float32 rounding (attention.test.ts):
// with the single-node ops off, the RA block's output here changes by its batch norms only
beforeAll(() => {
  unregisterNativeKernels();
  registerNativeKernels({ kernels: NATIVE_KERNEL_NAMES.filter((n) => n !== ATTENTION_KERNEL) });
});
afterAll(() => unregisterNativeKernels());
afterEach(() => setFusedOps(true));

const nativeCalls = () => nativeKernelsStatus().calls[CHANNEL_AFFINE_KERNEL]?.native ?? 0;
/** Calls of the kernel, native or the package's JS loop (small tensors). */
const kernelCalls = () => {
  const c = nativeKernelsStatus().calls[CHANNEL_AFFINE_KERNEL];
  return (c?.native ?? 0) + (c?.fallback ?? 0);
};
const bits = (t: tf.Tensor) => new Uint32Array((t.dataSync() as Float32Array).slice().buffer);

/** channelAffine with the kernel (single-node ops on) or as the chain of tf ops (off). */
function run(fused: boolean, x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor, residual: tf.Tensor | null, relu: boolean): tf.Tensor {
  setFusedOps(fused);
  return channelAffine(x, scale, shift, residual, relu);
}

describe.skipIf(!probe.loaded)(`batch norm's inference epilogue as one kernel${why}`, () => {
  // 2 x 8 x 12 x 12 x 16 = 36,864 values (native); 1 x 2 x 3 x 4 x 5 = 120 (the package's JS loop)
  for (const shape of [
    [2, 8, 12, 12, 16],
    [1, 2, 3, 4, 5],
  ]) {
    for (const withResidual of [false, true]) {
      for (const relu of [false, true]) {
        it(`is bitwise the chain mul, add${withResidual ? ', add' : ''}${relu ? ', relu' : ''} on [${shape.join(', ')}]`, () => {
          const c = shape[4];
          const x = tensor(randomArray(shape, 1, -3, 3));
          const scale = tensor(randomArray([c], 2, -2, 2));
          const shift = tensor(randomArray([c], 3, -1, 1));
          const residual = withResidual ? tensor(randomArray(shape, 4, -2, 2)) : null;
          const before = nativeCalls();
          const fused = run(true, x, scale, shift, residual, relu);
          expect(nativeCalls()).toBe(before + (shape[0] === 2 ? 1 : 0));
          const chain = run(false, x, scale, shift, residual, relu);
          expect(bits(fused)).toEqual(bits(chain));
          if (relu) expect(Math.min(...fused.dataSync())).toBe(0);
          tf.dispose([x, scale, shift, residual, fused, chain].filter((t): t is tf.Tensor => t !== null));
        });
      }
    }
  }

  it('has the chain’s gradients for x, scale, shift and residual', () => {
    const shape = [2, 8, 12, 12, 16];
    const x = tensor(randomArray(shape, 5, -3, 3));
    const scale = tensor(randomArray([16], 6, -2, 2));
    const shift = tensor(randomArray([16], 7, -1, 1));
    const residual = tensor(randomArray(shape, 8, -2, 2));
    const weight = tensor(randomArray(shape, 9, -1, 1));
    const grads = (fused: boolean) =>
      tf.grads((a: tf.Tensor, s: tf.Tensor, h: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(run(fused, a, s, h, r, true), weight)))([x, scale, shift, residual]);
    const before = nativeCalls();
    const withKernel = grads(true);
    expect(nativeCalls()).toBeGreaterThan(before);
    const withChain = grads(false);
    for (let i = 0; i < 4; i++) {
      const a = withKernel[i].dataSync();
      const b = withChain[i].dataSync();
      const tol = 1e-5 * Math.max(1, ...Array.from(b, Math.abs));
      expect(a.length).toBe(b.length);
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - b[j])).toBeLessThanOrEqual(tol);
    }
    tf.dispose([x, scale, shift, residual, weight, ...withKernel, ...withChain]);
  });

  it('leaves the outputs of the blocks in inference bitwise unchanged, and leaks no tensor', () => {
    const x = tensor(randomArray([2, 8, 24, 24, 8], 10, -2, 2));
    const makers: Array<() => tf.layers.Layer> = [
      () => batchNorm3D({}),
      () => residualBlock3D({ filters: 16, strides: [1, 2, 2] }),
      () => raBlock3D({ heads: 2 }),
    ];
    for (const make of makers) {
      const layer = layerWithWeights(make, x.shape.slice(1));
      setFusedOps(false);
      const chain = layer.apply(x, { training: false }) as tf.Tensor;
      setFusedOps(true);
      const tensorsBefore = tf.memory().numTensors;
      const callsBefore = kernelCalls();
      const fused = layer.apply(x, { training: false }) as tf.Tensor;
      expect(kernelCalls()).toBeGreaterThan(callsBefore);
      expect(tf.memory().numTensors).toBe(tensorsBefore + 1);
      expect(bits(fused)).toEqual(bits(chain));
      tf.dispose([chain, fused]);
      layer.dispose();
    }
    x.dispose();
  });
});
