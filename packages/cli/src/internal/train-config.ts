import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '@raunet/core';
import type { LoadDatasetOptions, SplitDatasetOptions, TrainOptions } from '@raunet/raunet';
import { assertExists } from './fs.js';

/** What a `--config` JSON file may hold: training options, the split and the dataset. */
export interface TrainConfigFile extends Omit<
  TrainOptions,
  'train' | 'validation' | 'outputDir' | 'onProgress' | 'signal'
> {
  /** How cases are split into train, validation and test. */
  split?: SplitDatasetOptions;
  /** Where the data is (flags win). */
  dataset?: LoadDatasetOptions;
}

const CONFIG_KEYS = new Set([
  'architecture',
  'model',
  'preprocessing',
  'epochs',
  'stepsPerEpoch',
  'batchSize',
  'learningRate',
  'adamBetas',
  'adamEpsilon',
  'loss',
  'lossEpsilon',
  'foregroundFraction',
  'augmentation',
  'validationInterval',
  'validationOverlap',
  'validationBatchSize',
  'validationThreshold',
  'earlyStoppingPatience',
  'batchNormRecalibration',
  'learningRateSchedule',
  'seed',
  'resume',
  'split',
  'dataset',
]);

/** Reads and checks a training config file; unknown keys are an error naming them. */
export async function readTrainConfig(path: string): Promise<TrainConfigFile> {
  await assertExists(path, 'file');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new InvalidArgumentError(`not valid JSON: ${(e as Error).message}`, { file: path, cause: e });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError('must hold a JSON object of training options', { file: path });
  const unknown = Object.keys(parsed).filter((k) => !CONFIG_KEYS.has(k));
  if (unknown.length)
    throw new InvalidArgumentError(
      `unknown option(s) ${unknown.join(', ')}; allowed: ${[...CONFIG_KEYS].join(', ')}`,
      { file: path },
    );
  return parsed;
}
