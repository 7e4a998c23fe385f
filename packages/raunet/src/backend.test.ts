import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError } from '@raunet/core';
import { initBackend } from './backend.js';

const missing = (name: string): Promise<never> => Promise.reject(new Error(`Cannot find package '${name}'`));

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('initBackend', () => {
  it('auto falls back to cpu and says why every other backend was not used', async () => {
    const r = await initBackend('auto', { importModule: missing });
    expect(r.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const names = r.tried.map((t) => t.name);
    expect(names).toEqual(['tensorflow-gpu', 'tensorflow', 'native-kernels', 'wasm', 'cpu']);
    expect(r.tried.find((t) => t.name === 'tensorflow-gpu')!.reason).toContain('@tensorflow/tfjs-node-gpu');
    expect(r.tried.find((t) => t.name === 'tensorflow')!.reason).toContain('@tensorflow/tfjs-node');
    expect(r.tried.find((t) => t.name === 'native-kernels')!.ok).toBe(false);
    expect(r.nativeKernels).toBe(false);
  });

  it('asking for the GPU when it cannot load throws a BackendError saying what to install', async () => {
    const error = await initBackend('tensorflow-gpu', { importModule: missing }).catch((e: unknown) => e);
    expect(BackendError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/CUDA 11\.2/);
    expect((error as Error).message).toMatch(/cuDNN 8\.1/);
    expect((error as Error).message).toMatch(/TF_FORCE_GPU_ALLOW_GROWTH=true/);
    await expect(initBackend('tensorflow', { importModule: missing })).rejects.toThrow(/tfjs-node/);
  });

  it('uses registerNativeKernels of @raunet/cpu-kernels when it loads', async () => {
    let called = 0;
    const r = await initBackend('cpu', {
      importModule: (name) => (name === '@raunet/cpu-kernels' ? Promise.resolve({ registerNativeKernels: () => void called++ }) : missing(name)),
    });
    expect(called).toBe(1);
    expect(r.nativeKernels).toBe(true);
    expect(r.backend).toBe('cpu');
    const off = await initBackend('cpu', { nativeKernels: false, importModule: missing });
    expect(off.tried.map((t) => t.name)).toEqual(['cpu']);
  });

  it('loads the real wasm backend when asked', async () => {
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
    const y = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
    expect(Array.from(await y.data())).toEqual([4, 6]);
    y.dispose();
    await tf.setBackend('cpu');
  });

  it('rejects an unknown kind', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(/one of/);
  });
});
