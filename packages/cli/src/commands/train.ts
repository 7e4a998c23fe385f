import { join } from 'node:path';
import {
  kFoldSplit,
  loadDataset,
  splitDataset,
  train,
  type LoadDatasetOptions,
  type TrainOptions,
} from '@raunet/raunet';
import { writeFileAtomic } from '@raunet/core/node';
import { defineCommand } from '../internal/command.js';
import { BACKEND_FLAG, startBackend } from '../internal/backend.js';
import { CliUsageError } from '../internal/context.js';
import { finishBeforeExit } from '../internal/interrupt.js';
import { prepareOutputDir } from '../internal/output-paths.js';
import { readTrainConfig, type TrainConfigFile } from '../internal/train-config.js';
import { ARCHITECTURE_FLAG, architectureTitle, trainingProgress, writeTrainingCurves } from '../internal/training.js';

/** `raunet train ...`. */
export const command = defineCommand({
  usage:
    'raunet train (--images DIR --labels DIR [--lungs DIR] | --root DIR | --list FILE) [--config FILE] [--model raunet|unet] [--out DIR] [--resume] [--backend B] [flags]',
  flags: {
    images: { type: 'string', value: 'DIR', description: 'folder of CT volumes (NIfTI)' },
    labels: {
      type: 'string',
      value: 'DIR',
      description: 'folder of infection masks with the same file names',
    },
    lungs: {
      type: 'string',
      value: 'DIR',
      description: 'optional folder of lung masks with the same file names',
    },
    root: {
      type: 'string',
      value: 'DIR',
      description: 'a COVID-19-CT-Seg folder (COVID-19-CT-Seg_20cases, Infection_Mask, Lung_Mask)',
    },
    list: { type: 'string', value: 'FILE', description: 'JSON list of {image, label, lung?} cases' },
    config: { type: 'string', value: 'FILE', description: 'JSON file of training options (flags win)' },
    model: { ...ARCHITECTURE_FLAG, defaultText: "the config's, else raunet" },
    out: {
      type: 'string',
      value: 'DIR',
      default: 'runs/raunet',
      description: 'output folder for checkpoints, models and logs',
    },
    resume: { type: 'boolean', description: 'continue from OUT/checkpoint' },
    backend: BACKEND_FLAG,
    epochs: { type: 'integer', min: 1, value: 'N', description: 'epochs', defaultText: '70' },
    steps: {
      type: 'integer',
      min: 1,
      value: 'N',
      description: 'optimizer steps per epoch', defaultText: 'patches tiling the volumes once',
    },
    'batch-size': { type: 'integer', min: 1, value: 'N', description: 'patches per batch', defaultText: '4' },
    lr: { type: 'number', min: 0, value: 'RATE', description: 'Adam learning rate', defaultText: '1e-4' },
    patch: { type: 'dims', description: 'patch size in voxels', defaultText: "the config's, else 192,192,32" },
    seed: { type: 'integer', value: 'N', description: 'seed of split, initialization, sampling', defaultText: "the config's, else 0" },
    test: {
      type: 'integer',
      min: 0,
      value: 'N',
      description: 'cases held out for testing', defaultText: '15%, the paper: 3 of 19',
    },
    validation: {
      type: 'integer',
      min: 0,
      value: 'N',
      description: 'cases held out for validation', defaultText: '5%, at least 1',
    },
    folds: {
      type: 'integer',
      min: 2,
      value: 'K',
      description: 'K-fold cross-validation grouped by patient: validate on fold --fold, train on the others (no test part)',
    },
    fold: { type: 'integer', min: 0, value: 'I', description: 'the validation fold, 0..K-1 (with --folds)' },
    'deep-supervision': {
      type: 'boolean',
      description: "deep supervision (nnU-Net's): training-only heads on decoder levels 1..levels-3; the saved model is unchanged (needs 4+ levels)",
      defaultText: "the config's, else off",
    },
    json: { type: 'boolean', description: 'print a JSON summary on stdout' },
  },
  async run({ flags }, io) {
    const cfg = flags.config ? await readTrainConfig(flags.config) : {};
    const out = flags.out;
    const architecture = flags.model ?? cfg.architecture ?? 'raunet';
    const dataset: LoadDatasetOptions = { ...cfg.dataset };
    for (const [flag, key] of [
      ['images', 'imagesDir'],
      ['labels', 'labelsDir'],
      ['lungs', 'lungDir'],
      ['root', 'root'],
      ['list', 'list'],
    ] as const) {
      const v = flags[flag];
      if (v !== undefined) dataset[key] = v;
    }
    if (!dataset.list && !dataset.root && !(dataset.imagesDir && dataset.labelsDir)) {
      throw new CliUsageError('train: give --images DIR and --labels DIR, or --root DIR, or --list FILE');
    }
    const split: NonNullable<TrainConfigFile['split']> = { ...cfg.split };
    const seed = flags.seed ?? cfg.seed ?? 0;
    split.seed ??= seed;
    if (flags.test !== undefined) split.testCount = flags.test;
    if (flags.validation !== undefined) split.validationCount = flags.validation;

    const overrides: Partial<TrainOptions> = {
      ...(flags.epochs !== undefined ? { epochs: flags.epochs } : {}),
      ...(flags.steps !== undefined ? { stepsPerEpoch: flags.steps } : {}),
      ...(flags['batch-size'] !== undefined ? { batchSize: flags['batch-size'] } : {}),
      ...(flags.lr !== undefined ? { learningRate: flags.lr } : {}),
      ...(flags['deep-supervision'] ? { deepSupervision: true } : {}),
    };
    const data = await loadDataset(dataset);
    const folds = flags.folds ?? split.folds;
    const fold = flags.fold ?? split.fold;
    if ((folds === undefined) !== (fold === undefined)) throw new CliUsageError('train: --folds K and --fold I go together');
    const parts =
      folds !== undefined && fold !== undefined
        ? { ...kFoldSplit(data.cases, { folds, fold, seed: split.seed, ...(split.grouping ? { grouping: split.grouping } : {}) }), test: [] }
        : splitDataset(data.cases, split);
    io.stderr(
      `dataset: ${data.cases.length} cases: ${parts.train.length} train, ${parts.validation.length} validation, ${parts.test.length} test (${parts.test.map((c) => c.name).join(', ') || 'none'})\n`,
    );
    await prepareOutputDir(out, 'out');
    await startBackend(flags.backend, io);
    const { ...rest } = cfg;
    delete rest.split;
    delete rest.dataset;
    const progress = trainingProgress(io);
    // A second Ctrl-C waits for this: the current step and its checkpoint complete.
    const result = await finishBeforeExit(() => train({
      ...rest,
      train: parts.train,
      validation: parts.validation,
      outputDir: out,
      architecture,
      seed,
      ...(flags.patch ? { model: { ...cfg.model, patchSize: flags.patch } } : {}),
      ...overrides,
      resume: flags.resume || Boolean(cfg.resume),
      onProgress: progress.onProgress,
      ...(io.signal ? { signal: io.signal } : {}),
    }));
    progress.done();
    result.model.dispose();
    await writeTrainingCurves(out, result.history, architectureTitle(architecture));
    await writeFileAtomic(
      join(out, 'split.json'),
      JSON.stringify(
        {
          seed: split.seed,
          ...(folds !== undefined ? { folds, fold } : {}),
          train: parts.train.map((c) => c.name),
          validation: parts.validation.map((c) => c.name),
          test: parts.test.map((c) => c.name),
        },
        null,
        2,
      ) + '\n',
    );
    const summary = {
      outputDir: out,
      architecture,
      epochsCompleted: result.epochsCompleted,
      bestDsc: result.bestDsc,
      bestEpoch: result.bestEpoch,
      stoppedEarly: result.stoppedEarly,
      aborted: result.aborted,
      resumed: result.resumed,
      bestModelDir: result.bestModelDir,
      finalModelDir: result.finalModelDir,
      checkpointDir: result.checkpointDir,
      test: parts.test.map((c) => c.name),
    };
    if (flags.json) io.stdout(JSON.stringify(summary, null, 2) + '\n');
    else
      io.stdout(
        result.aborted
          ? `stopped at epoch ${result.epochsCompleted}; checkpoint in ${result.checkpointDir} (resume with --resume)\n`
          : `trained ${result.epochsCompleted} epochs; best validation DSC ${result.bestDsc.toFixed(4)} at epoch ${result.bestEpoch}; models in ${result.bestModelDir} and ${result.finalModelDir}\n`,
      );
    return result.aborted ? 130 : 0;
  },
});
