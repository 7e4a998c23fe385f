import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileAccessError } from '@raunet/core';
import { buildRAUnet } from './model.js';
import { getModelInfo } from './model-info.js';
import { loadModel, saveModel } from './model-io.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'raunet-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveModel / loadModel', () => {
  it('round-trips a model in the tfjs format with identical predictions and metadata', async () => {
    const model = buildRAUnet({ patchSize: [8, 8, 8], levels: 2, baseFilters: 4, attentionHeads: 2, attentionBottleneckFilters: 4, seed: 5 });
    const target = join(dir, 'm1');
    await saveModel(model, target);
    expect((await readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(target, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const bytes = (await readFile(join(target, 'weights.bin'))).length;
    const expectedBytes = model.weights.reduce((n, w) => n + 4 * w.shape.reduce((a: number, b) => a * (b as number), 1), 0);
    expect(bytes).toBe(expectedBytes);

    const again = await loadModel(target);
    const x = tf.randomUniform([2, 8, 8, 8, 1], 0, 1, 'float32', 3);
    const a = model.predict(x) as tf.Tensor;
    const b = again.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(getModelInfo(again)?.config.patchSize).toEqual([8, 8, 8]);
    expect(getModelInfo(again)?.architecture).toBe('raunet');
    tf.dispose([x, a, b]);

    // Overwriting is atomic: no temporary folder is left next to the target.
    await saveModel(again, target);
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
    model.dispose();
    again.dispose();
  });

  it('names the missing file', async () => {
    const error = await loadModel(join(dir, 'nope')).catch((e: unknown) => e);
    expect(FileAccessError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(join(dir, 'nope', 'model.json'));
  });

  it('names a truncated or too long weights.bin, checked against the manifest before tfjs reads it', async () => {
    const model = buildRAUnet({ patchSize: [8, 8, 8], levels: 2, baseFilters: 4, attentionHeads: 1, seed: 1 });
    const target = join(dir, 'cut');
    await saveModel(model, target);
    model.dispose();
    const weights = join(target, 'weights.bin');
    const full = await readFile(weights);
    await writeFile(weights, full.subarray(0, 1000));
    const error = await loadModel(target).catch((e: unknown) => e);
    expect(FileAccessError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^${weights.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated weight file: it holds 1000 bytes, .*model\\.json lists \\d+ weights needing ${full.length} bytes \\(the first that does not fit: .+ \\[`));
    expect(message).not.toContain('Based on the provided shape');
    await writeFile(weights, Buffer.concat([full, Buffer.alloc(8)]));
    await expect(loadModel(target)).rejects.toThrow(`${weights}: weight file too long: it holds ${full.length + 8} bytes`);
    await writeFile(weights, full);
    (await loadModel(target)).dispose();
  });
});
