import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@raunet/core';
import { defaultRAUnetConfig, type RAUnetConfig } from './config.js';
import { assertModelFits, estimateModelMemory, MAX_TENSOR_VALUES } from './memory-estimate.js';
import { buildRAUnet } from './model.js';
import { train } from './train.js';

const issue: RAUnetConfig = { ...defaultRAUnetConfig, levels: 3, patchSize: [192, 192, 4] };

describe('memory a configuration needs', () => {
  it('counts the attention logits of RA-Unet levels 3 at patch 192x192x4: the 5,435,817,984 values of the RangeError', () => {
    const e = estimateModelMemory(issue, { batchSize: 4 });
    expect(e.attentionLevel).toBe(1);
    expect(e.attentionGrid).toEqual([96, 96, 2]);
    expect(e.attentionTokens).toBe(18_432);
    expect(e.attentionLogitValues).toBe(5_435_817_984); // "Invalid typed array length: 5435817984"
    expect(e.attentionLogitValues).toBeGreaterThan(MAX_TENSOR_VALUES);
    // the paper's configuration: 24x24x4 tokens at level 3
    expect(estimateModelMemory(defaultRAUnetConfig, { batchSize: 4 }).attentionTokens).toBe(24 * 24 * 4);
    expect(estimateModelMemory({ ...defaultRAUnetConfig, attention: false }).attentionBytes).toBe(0);
  });

  it('train refuses it in one line naming the cause and a fix, before reading any data', async () => {
    const error = await train({
      train: [{ name: 'x', image: '/nonexistent/ct.nii.gz', label: '/nonexistent/label.nii.gz' }],
      outputDir: '/tmp/raunet-never-written',
      model: { levels: 3, patchSize: [192, 192, 4] },
      batchSize: 4,
    }).catch((e: unknown) => e);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('the RA block at decoder level 1 attends over a 96x96x2 grid = 18,432 tokens');
    expect(message).toContain('4 (batch) x 4 (heads) x 18,432² = 5.4 G values per step, more than one typed array holds');
    expect(message).toMatch(/fix: more levels .*, a smaller patch \(at most [\d,]+ tokens at that level, e\.g\. patchSize \[\d+, \d+, 4\]\) or a smaller batch$/);
    // the suggested patch does fit
    const suggested = JSON.parse(/patchSize (\[[\d, ]+\])/.exec(message)![1]) as [number, number, number];
    expect(() => assertModelFits({ ...issue, patchSize: suggested }, { batchSize: 4 })).not.toThrow();
    expect(tf.memory().numTensors).toBe(0);
  });

  it('refuses at build time a model whose attention cannot exist even for one patch', () => {
    expect(() => buildRAUnet({ levels: 2, patchSize: [256, 256, 32], baseFilters: 16 })).toThrow(/buildRAUnet: this configuration cannot run: .* 256x256x32 grid = 2,097,152 tokens/);
  });

  it('lets the paper configuration train at batch 4 on 24 GiB, and refuses it on 4 GiB naming the memory', () => {
    expect(() => assertModelFits(defaultRAUnetConfig, { batchSize: 4, memoryBytes: 24 * 2 ** 30 })).not.toThrow();
    expect(() => assertModelFits(defaultRAUnetConfig, { batchSize: 4, memoryBytes: 4 * 2 ** 30 })).toThrow(/needs about 11\.5 GiB .* more than the 4\.0 GiB available/);
  });
});
