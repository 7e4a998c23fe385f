import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNifti } from '@raunet/io';
import { generatePhantom } from '@raunet/phantom';
import { loadDataset, splitDataset } from './dataset.js';
import { buildRAUnet } from './model.js';
import { loadModel } from './model-io.js';
import { getModelInfo } from './model-info.js';
import { train, type TrainOptions, type VolumeCase } from './train.js';

let dir: string;
let cases: VolumeCase[];
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'raunet-train-'));
  cases = [0, 1, 2].map((i) => {
    const p = generatePhantom({ dims: [16, 16, 8], seed: 40 + i, lesions: 2, lesionRadiusMm: [30, 50] });
    return { name: `p${i}`, image: p.ct, label: p.infection };
  });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = (outputDir: string): TrainOptions => ({
  train: cases.slice(0, 2),
  validation: cases.slice(2),
  outputDir,
  architecture: 'raunet',
  model: { patchSize: [8, 8, 8], levels: 2, baseFilters: 2, attentionHeads: 1, attentionBottleneckFilters: 2 },
  epochs: 2,
  stepsPerEpoch: 3,
  batchSize: 2,
  learningRate: 1e-2,
  seed: 9,
});

/** An `onProgress` that records `tf.memory().numTensors` after every step and epoch. */
const countTensors =
  (counts: number[]): TrainOptions['onProgress'] =>
  (e) => {
    if (e.kind === 'step' || e.kind === 'epoch') counts.push(tf.memory().numTensors);
  };

async function weightsOf(model: tf.LayersModel): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
}

describe('train: checkpoints, resume, abort, logs, no leaks', () => {
  it('2 epochs straight == 1 epoch + resume + 1 epoch == abort mid-epoch + resume (bit-identical weights)', { timeout: 300_000 }, async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const straight = await train({ ...base(join(dir, 'straight')), onProgress: countTensors(counts) });
    expect(straight.epochsCompleted).toBe(2);
    expect(straight.history.map((h) => h.epoch)).toEqual([1, 2]);
    // numTensors flat across steps and epochs (the first step creates Adam's moment variables).
    expect(counts.slice(1), JSON.stringify(counts)).toEqual(counts.slice(1).map(() => counts[1]));
    const expected = await weightsOf(straight.model);

    const first = await train({ ...base(join(dir, 'split')), epochs: 1 });
    expect(first.epochsCompleted).toBe(1);
    first.model.dispose();
    const second = await train({ ...base(join(dir, 'split')), resume: true });
    expect(second.resumed).toBe(true);
    expect(second.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(await weightsOf(second.model)).toEqual(expected);
    second.model.dispose();

    const controller = new AbortController();
    let steps = 0;
    const aborted = await train({
      ...base(join(dir, 'abort')),
      signal: controller.signal,
      onProgress: (e) => {
        if (e.kind === 'step' && ++steps === 4) controller.abort();
      },
    });
    expect(aborted.aborted).toBe(true);
    expect(aborted.epochsCompleted).toBe(1);
    aborted.model.dispose();
    const state = JSON.parse(await readFile(join(dir, 'abort', 'checkpoint', 'state.json'), 'utf8'));
    expect([state.epoch, state.stepInEpoch, state.globalStep]).toEqual([1, 1, 4]);
    const resumed = await train({ ...base(join(dir, 'abort')), resume: true });
    expect(await weightsOf(resumed.model)).toEqual(expected);
    expect(resumed.history.map((h) => h.loss)).toEqual(straight.history.map((h) => h.loss));
    resumed.model.dispose();
    straight.model.dispose();
    // Nothing left behind by the runs, resumed ones included (restoring Adam's beta powers once leaked two scalars).
    expect(tf.memory().numTensors).toBe(before);
  });

  it(
    'batch-norm recalibration changes only the moving statistics, leaves training as it was, and resumes exactly',
    { timeout: 300_000 },
    async () => {
      const plain = await loadModel(join(dir, 'straight', 'model'));
      const options = { ...base(join(dir, 'recal')), batchNormRecalibration: 2 };
      const recal = await train(options);
      const straightLog = (await readFile(join(dir, 'straight', 'log.jsonl'), 'utf8')).trim().split('\n');
      const losses = straightLog.map((l) => (JSON.parse(l) as { loss: number }).loss);
      expect(recal.history.map((h) => h.loss)).toEqual(losses);
      const byName = (m: tf.LayersModel) => new Map(m.weights.map((w) => [w.originalName, w]));
      const a = byName(plain);
      let moving = 0;
      for (const w of recal.model.weights) {
        const ref = Array.from(a.get(w.originalName)!.read().dataSync());
        const got = Array.from(w.read().dataSync());
        if (w.trainable) expect(got, w.originalName).toEqual(ref);
        else if (/moving_/.test(w.originalName)) {
          moving++;
          expect(got, w.originalName).not.toEqual(ref);
        }
      }
      expect(moving).toBeGreaterThan(4);
      const first = await train({ ...options, outputDir: join(dir, 'recal-split'), epochs: 1 });
      first.model.dispose();
      const second = await train({ ...options, outputDir: join(dir, 'recal-split'), resume: true });
      expect(await weightsOf(second.model)).toEqual(await weightsOf(recal.model));
      [second.model, recal.model, plain].forEach((m) => m.dispose());
      await expect(train({ ...options, batchNormRecalibration: -1 })).rejects.toThrow(/batchNormRecalibration/);
    },
  );

  it('writes logs, best and final models, and no temporary files', async () => {
    const out = join(dir, 'straight');
    expect((await readdir(out)).sort()).toEqual(['best', 'checkpoint', 'log.csv', 'log.jsonl', 'model']);
    const csv = (await readFile(join(out, 'log.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('epoch,loss,learning_rate,validation_dsc,seconds,global_step');
    expect(csv).toHaveLength(3);
    const jsonl = (await readFile(join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl.map((r) => r.epoch)).toEqual([1, 2]);
    expect(jsonl[1].validationDsc).toBeGreaterThanOrEqual(0);
    expect(jsonl[1].validationCases[0].name).toBe('p2');
    const best = await loadModel(join(out, 'best'));
    expect(getModelInfo(best)?.preprocessing).toEqual({});
    expect(getModelInfo(best)?.training?.validationDsc).toBeGreaterThanOrEqual(0);
    best.dispose();
  });

  it('trains from NIfTI files found by loadDataset (paths, not volumes)', { timeout: 300_000 }, async () => {
    const root = join(dir, 'files');
    for (const sub of ['COVID-19-CT-Seg_20cases', 'Infection_Mask']) await mkdir(join(root, sub), { recursive: true });
    for (const c of cases) {
      await writeNifti(join(root, 'COVID-19-CT-Seg_20cases', `${c.name}.nii.gz`), c.image);
      await writeNifti(join(root, 'Infection_Mask', `${c.name}.nii.gz`), c.label);
    }
    const ds = await loadDataset({ root });
    const split = splitDataset(ds.cases, { testCount: 0, validationCount: 1, seed: 1 });
    const run = await train({ ...base(join(dir, 'files-run')), train: split.train, validation: split.validation, epochs: 1, stepsPerEpoch: 1 });
    expect(run.epochsCompleted).toBe(1);
    expect(run.history[0].validationCases?.[0].name).toBe(split.validation[0].name);
    run.model.dispose();
  });

  it('rejects bad options before training', async () => {
    await expect(train({ ...base(join(dir, 'bad')), batchSize: 0 })).rejects.toThrow(/batchSize/);
    await expect(train({ ...base(join(dir, 'bad')), train: [] })).rejects.toThrow(/training case/);
  });
});

describe('train with deepSupervision', () => {
  // A 4-level network: deep supervision puts a head on decoder level 1.
  const supervised = (outputDir: string): TrainOptions => ({
    ...base(outputDir),
    model: { patchSize: [16, 16, 8], levels: 4, baseFilters: 2, attentionHeads: 1, attentionBottleneckFilters: 2 },
    loss: 'dice-bce',
    deepSupervision: true,
  });

  it('trains the heads with the network, saves the network alone, keeps tensors flat and resumes exactly', { timeout: 300_000 }, async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const straight = await train({ ...supervised(join(dir, 'ds-straight')), onProgress: countTensors(counts) });
    expect(counts.slice(1), JSON.stringify(counts)).toEqual(counts.slice(1).map(() => counts[1]));
    const expected = await weightsOf(straight.model);
    // The saved model is the plain network: same weights, same count as a network built without heads.
    const saved = await loadModel(straight.finalModelDir);
    const plain = buildRAUnet({ ...supervised('').model, seed: 9 });
    expect(saved.weights.length).toBe(plain.weights.length);
    expect(saved.outputs).toHaveLength(1);
    expect(await weightsOf(saved)).toEqual(expected);
    const state = JSON.parse(await readFile(join(dir, 'ds-straight', 'checkpoint', 'state.json'), 'utf8'));
    expect(state.options.deepSupervision).toBe(true);
    [saved, plain].forEach((m) => m.dispose());

    // The heads change what is learned: the same run without them ends elsewhere.
    const without = await train({ ...supervised(join(dir, 'ds-without')), deepSupervision: false });
    expect(await weightsOf(without.model)).not.toEqual(expected);
    without.model.dispose();

    // Resumed from the checkpoint (heads and their Adam moments included), the run ends bit for bit where it did
    // straight; the resumed run keeps deep supervision from the checkpoint even when the option is left out.
    const first = await train({ ...supervised(join(dir, 'ds-split')), epochs: 1 });
    first.model.dispose();
    const second = await train({ ...supervised(join(dir, 'ds-split')), deepSupervision: undefined, resume: true });
    expect(second.resumed).toBe(true);
    expect(await weightsOf(second.model)).toEqual(expected);
    second.model.dispose();
    straight.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a network too shallow to supervise before reading data', async () => {
    await expect(train({ ...supervised(join(dir, 'ds-bad')), model: { patchSize: [8, 8, 8], levels: 3, baseFilters: 2, attentionHeads: 1 } })).rejects.toThrow(
      /deepSupervision needs a network of at least 4 levels/,
    );
  });
});
