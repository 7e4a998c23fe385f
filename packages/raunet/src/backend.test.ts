import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError } from '@raunet/core';
import { BACKEND_KINDS, initBackend } from './backend.js';

const missing = (name: string): Promise<never> => Promise.reject(new Error(`Cannot find package '${name}'`));

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('initBackend', () => {
  it('auto falls back to cpu and says why every other backend was not used', async () => {
    const r = await initBackend('auto', { importModule: missing, nativeKernels: () => missing('@raunet/cpu-kernels') });
    expect(r.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const names = r.tried.map((t) => t.name);
    expect(names).toEqual(['tensorflow-gpu', 'tensorflow', 'native-kernels', 'wasm', 'cpu']);
    expect(r.tried.find((t) => t.name === 'tensorflow-gpu')!.reason).toContain('@tensorflow/tfjs-node-gpu');
    expect(r.tried.find((t) => t.name === 'tensorflow')!.reason).toContain('@tensorflow/tfjs-node');
    expect(r.tried.find((t) => t.name === 'native-kernels')!.ok).toBe(false);
    expect(r.tried.find((t) => t.name === 'native-kernels')!.reason).toContain("Cannot find package '@raunet/cpu-kernels'");
    expect(r.nativeKernels).toBe(false);
    const without = await initBackend('auto', { importModule: missing });
    expect(without.tried.map((t) => t.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it('asking for the GPU when it cannot load throws a BackendError saying what to install', async () => {
    const error = await initBackend('tensorflow-gpu', { importModule: missing }).catch((e: unknown) => e);
    expect(BackendError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/CUDA 11\.2/);
    expect((error as Error).message).toMatch(/cuDNN 8\.1/);
    expect((error as Error).message).toMatch(/TF_FORCE_GPU_ALLOW_GROWTH=true/);
    await expect(initBackend('tensorflow', { importModule: missing })).rejects.toThrow(/tfjs-node/);
  });

  it('registers the native kernels the caller loads, and only then', async () => {
    let called = 0;
    const r = await initBackend('cpu', {
      importModule: missing,
      nativeKernels: () => Promise.resolve({ registerNativeKernels: () => void called++ }),
    });
    expect(called).toBe(1);
    expect(r.nativeKernels).toBe(true);
    expect(r.backend).toBe('cpu');
    const off = await initBackend('cpu', { importModule: missing });
    expect(off.tried.map((t) => t.name)).toEqual(['cpu']);
    expect(off.nativeKernels).toBe(false);
  });

  it('reports native kernels whose addon did not load as not used, with their reason', async () => {
    const r = await initBackend('cpu', {
      nativeKernels: () => Promise.resolve({ registerNativeKernels: () => ({ loaded: false, reason: 'addon not built' }) }),
    });
    expect(r.nativeKernels).toBe(false);
    expect(r.tried.find((t) => t.name === 'native-kernels')!.reason).toBe('native kernels not used: addon not built');
  });

  it('loads the real wasm backend when asked', async () => {
    const r = await initBackend('wasm');
    expect(r.backend).toBe('wasm');
    const y = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
    expect(Array.from(await y.data())).toEqual([4, 6]);
    y.dispose();
    await tf.setBackend('cpu');
  });

  it('rejects an unknown kind, listing BACKEND_KINDS', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(`one of ${BACKEND_KINDS.join(', ')}`);
  });
});
