import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@raunet/core';
import { defaultRAUnetConfig } from './config.js';
import { buildRAUnet, buildUNet3D, summarizeModel } from './model.js';
import { getModelInfo } from './model-info.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Trainable parameters of the default U-Net counted by hand from the architecture (bias-free convs + batch norm γ, β). */
function handCountUNet(): { trainable: number; moving: number } {
  const f = [16, 32, 64, 128, 256];
  let trainable = 0;
  let moving = 0;
  const bn = (c: number): void => {
    trainable += 2 * c;
    moving += 2 * c;
  };
  const res = (cin: number, c: number): void => {
    trainable += 27 * cin * c + 27 * c * c;
    bn(c);
    bn(c);
    if (cin !== c) {
      trainable += cin * c;
      bn(c);
    }
  };
  let cin = 1;
  for (let l = 0; l < 5; l++) {
    if (l > 0) {
      trainable += 27 * f[l - 1] * f[l - 1]; // stride-2 3x3x3 conv keeps channels
      bn(f[l - 1]);
      cin = f[l - 1];
    }
    res(cin, f[l]);
    res(f[l], f[l]);
    cin = f[l];
  }
  for (let l = 3; l >= 0; l--) {
    trainable += cin * f[l]; // 1x1x1 projection after trilinear upsampling
    bn(f[l]);
    res(2 * f[l], f[l]);
    cin = f[l];
  }
  trainable += 16 + 1; // head 1x1x1 conv + bias
  return { trainable, moving };
}

describe('buildRAUnet (default, symbolic only)', () => {
  it('builds the paper model at 192x192x32 with the expected shapes and parameter count', () => {
    const model = buildRAUnet();
    expect(model.inputs[0].shape).toEqual([null, 32, 192, 192, 1]);
    expect(model.outputs[0].shape).toEqual([null, 32, 192, 192, 1]);
    const s = summarizeModel(model);
    // The figure stated in the README and in buildRAUnet's TSDoc.
    expect(s.trainableParameters).toBe(10_748_817);
    expect(s.nonTrainableParameters).toBe(7_744);
    const ra = s.layers.find((l) => l.className === 'raunet>RABlock3D')!;
    expect(ra.name).toBe('dec3_ra');
    expect(ra.outputShape).toEqual([null, 4, 24, 24, 128]); // 2,304 tokens, the level above the bottleneck
    const info = getModelInfo(model)!;
    expect(info.architecture).toBe('raunet');
    expect(info.config.attentionLevel).toBe(3);
    expect(s.text).toContain('trainable 10748817');
    model.dispose();
  });

  it('the U-Net baseline equals the hand count and is RA-Unet minus the RA block', () => {
    const unet = buildUNet3D();
    const s = summarizeModel(unet);
    const hand = handCountUNet();
    expect(s.trainableParameters).toBe(hand.trainable);
    expect(s.nonTrainableParameters).toBe(hand.moving);
    expect(s.layers.some((l) => l.className === 'raunet>RABlock3D')).toBe(false);
    const ra = buildRAUnet();
    const raLayer = summarizeModel(ra).layers.find((l) => l.className === 'raunet>RABlock3D')!;
    expect(summarizeModel(ra).trainableParameters).toBe(hand.trainable + raLayer.trainable);
    unet.dispose();
    ra.dispose();
  });
});

describe('buildRAUnet (small)', () => {
  const small = { patchSize: [16, 16, 8] as [number, number, number], levels: 3, baseFilters: 4, attentionHeads: 2, attentionBottleneckFilters: 4 };

  it('runs a forward pass with sigmoid outputs of the input shape', () => {
    const model = buildRAUnet({ ...small, seed: 3 });
    const x = tf.randomUniform([2, 8, 16, 16, 1], 0, 1, 'float32', 1);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 8, 16, 16, 1]);
    const v = y.dataSync();
    expect(Math.min(...v)).toBeGreaterThan(0);
    expect(Math.max(...v)).toBeLessThan(1);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('is deterministic given a seed, different for another seed', () => {
    const a = buildRAUnet({ ...small, seed: 7 });
    const b = buildRAUnet({ ...small, seed: 7 });
    const c = buildRAUnet({ ...small, seed: 8 });
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
    const wc = c.getWeights().map((w) => Array.from(w.dataSync()));
    expect(wb).toEqual(wa);
    expect(wc).not.toEqual(wa);
    // kernels are He-normal: std close to sqrt(2 / fan_in)
    const k = a.getLayer('enc1_block1').getWeights()[0];
    const data = Array.from(k.dataSync());
    const std = Math.sqrt(data.reduce((s, x) => s + x * x, 0) / data.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (27 * 8)), 1);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('places the RA block at a configurable level and supports every normalization', () => {
    for (const normalization of ['batch', 'instance', 'group', 'none'] as const) {
      const m = buildRAUnet({ ...small, baseFilters: 8, normalization, groups: 4, attentionLevel: 0 });
      const ra = summarizeModel(m).layers.find((l) => l.className === 'raunet>RABlock3D')!;
      expect(ra.outputShape).toEqual([null, 8, 16, 16, 8]);
      m.dispose();
    }
  });

  it('rejects sizes that are not multiples of 2^(levels-1) and bad fields', () => {
    expect(() => buildRAUnet({ patchSize: [100, 192, 32] })).toThrow(InvalidArgumentError);
    expect(() => buildRAUnet({ patchSize: [100, 192, 32] })).toThrow(/patchSize x = 100 voxels must be a positive multiple of 16, the product of the x strides/);
    expect(() => buildRAUnet({ ...small, attentionLevel: 2 })).toThrow(/attentionLevel/);
    expect(() => buildRAUnet({ ...small, levels: 0 })).toThrow(/levels/);
    expect(() => buildRAUnet({ ...small, filters: [4, 8] })).toThrow(/filters/);
  });

  it('keeps the paper defaults in defaultRAUnetConfig', () => {
    expect(defaultRAUnetConfig.patchSize).toEqual([192, 192, 32]);
    expect(defaultRAUnetConfig.levels).toBe(5);
    expect(defaultRAUnetConfig.baseFilters).toBe(16);
    expect(defaultRAUnetConfig.encoderBlocks).toBe(2);
    expect(defaultRAUnetConfig.decoderBlocks).toBe(1);
    expect(defaultRAUnetConfig.normalization).toBe('batch');
    expect(defaultRAUnetConfig.attentionHeads).toBe(4);
  });
});
