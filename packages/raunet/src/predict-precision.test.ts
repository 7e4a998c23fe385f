import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume, InvalidArgumentError, PRECISION_FLAGS } from '@raunet/core';
import { nativeKernelsStatus, registerNativeKernels, unregisterNativeKernels } from '@raunet/cpu-kernels';
import { buildRAUnet } from './model.js';
import { setModelInfo } from './model-info.js';
import { tfjsPatchPredictor, type PatchPredictor } from './patch-predictor.js';
import { predictVolume } from './predict.js';

await tf.setBackend('cpu');
const status = registerNativeKernels();
unregisterNativeKernels();
const skip = status.loaded && status.bf16 ? '' : ` (SKIPPED: ${status.reason ?? 'this CPU has no AVX512_BF16'})`;

const model = buildRAUnet({ patchSize: [16, 16, 8], levels: 2, baseFilters: 8, attentionHeads: 2, seed: 3 });
const dims: [number, number, number] = [30, 26, 12];
const ct = createVolume({
  data: Int16Array.from({ length: dims[0] * dims[1] * dims[2] }, (_, i) => -1000 + ((i * 7919) % 2000)),
  dims,
  spacing: [1, 1, 2],
});
const base = { overlap: 0.5, preprocessing: { intensityScale: 'hu' as const } };
// one window: the JS kernels are slow
const small = createVolume({ data: ct.data.slice(0, 16 * 16 * 8), dims: [16, 16, 8], spacing: [1, 1, 2] });
const one = { overlap: 0, preprocessing: { intensityScale: 'hu' as const } };

/** The request flag's value, or undefined when no package registered it. */
function requestFlag(): boolean | undefined {
  try {
    return tf.env().getBool(PRECISION_FLAGS.inferenceBf16);
  } catch {
    return undefined;
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

afterAll(() => model.dispose());

describe.skipIf(skip !== '')(`predictVolume precision 'bf16' on the native kernels${skip}`, () => {
  beforeAll(() => {
    registerNativeKernels();
  });
  afterAll(() => {
    unregisterNativeKernels();
  });

  it('runs the convolutions in bf16 inside its own model calls only; the flag is off again after, no tensor leaks', async () => {
    const fp32 = await predictVolume(model, ct, base);
    expect(fp32.precision).toBe('fp32');
    const before = nativeKernelsStatus().calls.Conv3D?.bf16 ?? 0;
    const tensors = tf.memory().numTensors;
    const warnings: string[] = [];
    const bf16 = await predictVolume(model, ct, { ...base, precision: 'bf16', onWarning: (m) => warnings.push(m) });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(warnings).toEqual([]);
    expect(bf16.precision).toBe('bf16');
    expect(requestFlag()).toBe(false);
    expect(nativeKernelsStatus().calls.Conv3D.bf16! - before).toBeGreaterThan(0);
    expect(nativeKernelsStatus().calls.BatchMatMul.bf16 ?? 0).toBeGreaterThan(0);
    const diff = maxAbsDiff(bf16.probability.data, fp32.probability.data);
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(2e-2);
    // a forward pass outside predict is float32 again, bit for bit
    const x = tf.randomUniform([1, 8, 16, 16, 1], 0, 1, 'float32', 4);
    const y1 = (model.predict(x) as tf.Tensor).dataSync();
    const bf16Calls = nativeKernelsStatus().calls.Conv3D.bf16;
    const y2 = (model.predict(x) as tf.Tensor).dataSync();
    expect(nativeKernelsStatus().calls.Conv3D.bf16).toBe(bf16Calls);
    expect(y2).toEqual(y1);
    tf.dispose(x);
  });

  it("follows the model's InferenceSettings.precision, and the option overrides it", async () => {
    const tagged = buildRAUnet({ patchSize: [16, 16, 8], levels: 2, baseFilters: 8, attentionHeads: 2, seed: 3 });
    setModelInfo(tagged, { inference: { precision: 'bf16' } });
    expect((await predictVolume(tagged, small, one)).precision).toBe('bf16');
    expect((await predictVolume(tagged, small, { ...one, precision: 'fp32' })).precision).toBe('fp32');
    expect(tfjsPatchPredictor(tagged).precision).toBe('bf16');
    tagged.dispose();
  });

  it('restores the flag when the model call throws', async () => {
    const predictor = tfjsPatchPredictor(model, { precision: 'bf16' });
    await expect(predictor.predictPatches(new Float32Array(7), 1)).rejects.toThrow();
    expect(requestFlag()).toBe(false);
  });
});

describe('predictVolume precision without a native bf16 path', () => {
  it('runs float32 (identical results) and says so once per call through onWarning', async () => {
    unregisterNativeKernels();
    const fp32 = await predictVolume(model, small, one);
    const warnings: string[] = [];
    const r = await predictVolume(model, small, { ...one, precision: 'bf16', onWarning: (m) => warnings.push(m) });
    expect(r.precision).toBe('fp32');
    expect(r.probability.data).toEqual(fp32.probability.data);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/bf16 precision was asked for but no native bf16 kernels are registered.*running float32/);
  });

  it('warns for a PatchPredictor that runs float32', async () => {
    const predictor: PatchPredictor = { patchSize: [16, 16, 8], predictPatches: (p) => Promise.resolve(new Float32Array(p.length)) };
    const warnings: string[] = [];
    const r = await predictVolume(predictor, small, { ...one, precision: 'bf16', onWarning: (m) => warnings.push(m) });
    expect(r.precision).toBe('fp32');
    expect(warnings[0]).toMatch(/PatchPredictor runs float32/);
  });

  it('rejects an unknown precision, from the options or the model, with a typed error', async () => {
    await expect(predictVolume(model, ct, { ...base, precision: 'fp16' as 'fp32' })).rejects.toThrow(InvalidArgumentError);
    await expect(predictVolume(model, ct, { ...base, precision: 'fp16' as 'fp32' })).rejects.toThrow(/precision must be one of fp32, bf16, received "fp16"/);
    const tagged = buildRAUnet({ patchSize: [16, 16, 8], levels: 2, baseFilters: 8, attentionHeads: 2, seed: 3 });
    setModelInfo(tagged, { inference: { precision: 'half' as 'fp32' } });
    await expect(predictVolume(tagged, ct, base)).rejects.toThrow(/received "half"/);
    tagged.dispose();
  });
});
