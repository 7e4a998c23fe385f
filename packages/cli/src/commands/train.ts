import { join } from 'node:path';
import {
  kFoldSplit,
  loadDataset,
  splitDataset,
  train,
  type LoadDatasetOptions,
  type TrainOptions,
} from '@raunet/raunet';
import { renderTrainingCurves, writePng, writeSvg } from '@raunet/viz';
import { writeFileAtomic } from '@raunet/core/node';
import type { CommandModule } from '../internal/command.js';
import { choiceFlag, numberFlag, stringFlag } from '../internal/args.js';
import { BACKENDS, startBackend } from '../internal/backend.js';
import { CliUsageError } from '../internal/context.js';
import { finishBeforeExit } from '../internal/interrupt.js';
import { prepareOutputDir } from '../internal/output-paths.js';
import { readTrainConfig, type TrainConfigFile } from '../internal/train-config.js';
import { trainingProgress } from '../internal/training.js';

function parseSize(command: string, raw: string | undefined): [number, number, number] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(/[x,]/).map(Number);
  if (parts.length !== 3 || !parts.every((p) => Number.isInteger(p) && p > 0)) {
    throw new CliUsageError(
      `${command}: --patch must be three positive integers x,y,z (e.g. 192,192,32), received '${raw}'`,
    );
  }
  return parts as [number, number, number];
}

/** `raunet train ...`. */
export const command: CommandModule = {
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
    model: { type: 'string', value: 'raunet|unet', description: 'architecture (default raunet)' },
    out: {
      type: 'string',
      value: 'DIR',
      description: 'output folder for checkpoints, models and logs (default runs/raunet)',
    },
    resume: { type: 'boolean', description: 'continue from OUT/checkpoint' },
    backend: {
      type: 'string',
      value: 'B',
      description: `tfjs backend: ${BACKENDS.join(', ')} (default auto)`,
    },
    epochs: { type: 'string', value: 'N', description: 'epochs (default 70)' },
    steps: {
      type: 'string',
      value: 'N',
      description: 'optimizer steps per epoch (default: patches tiling the volumes once)',
    },
    'batch-size': { type: 'string', value: 'N', description: 'patches per batch (default 4)' },
    lr: { type: 'string', value: 'RATE', description: 'Adam learning rate (default 1e-4)' },
    patch: { type: 'string', value: 'X,Y,Z', description: 'patch size in voxels (default 192,192,32)' },
    seed: { type: 'string', value: 'N', description: 'seed of split, initialization, sampling (default 0)' },
    test: {
      type: 'string',
      value: 'N',
      description: 'cases held out for testing (default 15%, the paper: 3 of 19)',
    },
    validation: {
      type: 'string',
      value: 'N',
      description: 'cases held out for validation (default 5%, at least 1)',
    },
    folds: {
      type: 'string',
      value: 'K',
      description: 'K-fold cross-validation grouped by patient: validate on fold --fold, train on the others (no test part)',
    },
    fold: { type: 'string', value: 'I', description: 'the validation fold, 0..K-1 (with --folds)' },
    json: { type: 'boolean', description: 'print a JSON summary on stdout' },
  },
  async run(args, io) {
    const cfg = args.flags.config ? await readTrainConfig(String(args.flags.config)) : {};
    const out = stringFlag(args, 'out') ?? 'runs/raunet';
    const backend = choiceFlag('train', args, 'backend', BACKENDS) ?? 'auto';
    const architecture =
      choiceFlag('train', args, 'model', ['raunet', 'unet'] as const) ?? cfg.architecture ?? 'raunet';
    const dataset: LoadDatasetOptions = { ...cfg.dataset };
    for (const [flag, key] of [
      ['images', 'imagesDir'],
      ['labels', 'labelsDir'],
      ['lungs', 'lungDir'],
      ['root', 'root'],
      ['list', 'list'],
    ] as const) {
      const v = stringFlag(args, flag);
      if (v !== undefined) dataset[key] = v;
    }
    if (!dataset.list && !dataset.root && !(dataset.imagesDir && dataset.labelsDir)) {
      throw new CliUsageError('train: give --images DIR and --labels DIR, or --root DIR, or --list FILE');
    }
    const patch = parseSize('train', stringFlag(args, 'patch'));
    const split: NonNullable<TrainConfigFile['split']> = { ...cfg.split };
    const seed = numberFlag('train', args, 'seed', { integer: true }) ?? cfg.seed ?? 0;
    split.seed ??= seed;
    const testCount = numberFlag('train', args, 'test', { integer: true, min: 0 });
    const validationCount = numberFlag('train', args, 'validation', { integer: true, min: 0 });
    if (testCount !== undefined) split.testCount = testCount;
    if (validationCount !== undefined) split.validationCount = validationCount;

    const overrides: Partial<TrainOptions> = {};
    const epochs = numberFlag('train', args, 'epochs', { integer: true, min: 1 });
    const stepsPerEpoch = numberFlag('train', args, 'steps', { integer: true, min: 1 });
    const batchSize = numberFlag('train', args, 'batch-size', { integer: true, min: 1 });
    const learningRate = numberFlag('train', args, 'lr', { min: 0 });
    if (epochs !== undefined) overrides.epochs = epochs;
    if (stepsPerEpoch !== undefined) overrides.stepsPerEpoch = stepsPerEpoch;
    if (batchSize !== undefined) overrides.batchSize = batchSize;
    if (learningRate !== undefined) overrides.learningRate = learningRate;
    const data = await loadDataset(dataset);
    const folds = numberFlag('train', args, 'folds', { integer: true, min: 2 }) ?? split.folds;
    const fold = numberFlag('train', args, 'fold', { integer: true, min: 0 }) ?? split.fold;
    if ((folds === undefined) !== (fold === undefined)) throw new CliUsageError('train: --folds K and --fold I go together');
    const parts =
      folds !== undefined && fold !== undefined
        ? { ...kFoldSplit(data.cases, { folds, fold, seed: split.seed, ...(split.grouping ? { grouping: split.grouping } : {}) }), test: [] }
        : splitDataset(data.cases, split);
    io.stderr(
      `dataset: ${data.cases.length} cases: ${parts.train.length} train, ${parts.validation.length} validation, ${parts.test.length} test (${parts.test.map((c) => c.name).join(', ') || 'none'})\n`,
    );
    await prepareOutputDir(out, 'out');
    await startBackend(backend, io);
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
      ...(patch ? { model: { ...cfg.model, patchSize: patch } } : {}),
      ...overrides,
      resume: Boolean(args.flags.resume) || Boolean(cfg.resume),
      onProgress: progress.onProgress,
      ...(io.signal ? { signal: io.signal } : {}),
    }));
    progress.done();
    result.model.dispose();
    const history = result.history.map((r) => ({
      epoch: r.epoch,
      loss: r.loss,
      ...(r.validationDsc !== undefined ? { valDice: r.validationDsc } : {}),
    }));
    if (history.length) {
      const curves = renderTrainingCurves({ history, title: architecture === 'unet' ? 'U-Net' : 'RA-Unet' });
      await writeSvg(join(out, 'curves.svg'), curves.svg);
      await writePng(join(out, 'curves.png'), curves.image);
    }
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
    if (args.flags.json) io.stdout(JSON.stringify(summary, null, 2) + '\n');
    else
      io.stdout(
        result.aborted
          ? `stopped at epoch ${result.epochsCompleted}; checkpoint in ${result.checkpointDir} (resume with --resume)\n`
          : `trained ${result.epochsCompleted} epochs; best validation DSC ${result.bestDsc.toFixed(4)} at epoch ${result.bestEpoch}; models in ${result.bestModelDir} and ${result.finalModelDir}\n`,
      );
    return result.aborted ? 130 : 0;
  },
};
