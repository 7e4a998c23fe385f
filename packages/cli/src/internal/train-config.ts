import { InvalidArgumentError } from '@raunet/core';
import type { LoadDatasetOptions, SplitDatasetOptions, TrainOptions } from '@raunet/raunet';
import { readJsonFile } from './fs.js';

/** What a `--config` JSON file may hold: training options, the split and the dataset. */
export interface TrainConfigFile extends Omit<
  TrainOptions,
  'train' | 'validation' | 'outputDir' | 'onProgress' | 'signal'
> {
  /**
   * How cases are split into train, validation and test; with `folds` and `fold`, K-fold
   * cross-validation grouped by patient instead (`kFoldSplit` of `@raunet/raunet`; no test part).
   */
  split?: SplitDatasetOptions & { folds?: number; fold?: number };
  /** Where the data is (flags win). */
  dataset?: LoadDatasetOptions;
}

// A record over every key of TrainConfigFile: the compiler refuses a missing or unknown key, so the
// accepted keys cannot drift from the options type.
const KEYS: Record<keyof TrainConfigFile, true> = {
  architecture: true,
  model: true,
  preprocessing: true,
  epochs: true,
  stepsPerEpoch: true,
  batchSize: true,
  learningRate: true,
  adamBetas: true,
  adamEpsilon: true,
  loss: true,
  lossEpsilon: true,
  foregroundFraction: true,
  deepSupervision: true,
  augmentation: true,
  validationInterval: true,
  validationOverlap: true,
  validationBatchSize: true,
  validationThreshold: true,
  earlyStoppingPatience: true,
  batchNormRecalibration: true,
  inference: true,
  learningRateSchedule: true,
  seed: true,
  resume: true,
  split: true,
  dataset: true,
};
const CONFIG_KEYS = new Set(Object.keys(KEYS));

/** Reads and checks a training config file; unknown keys are an error naming them. */
export async function readTrainConfig(path: string): Promise<TrainConfigFile> {
  const parsed = await readJsonFile(path);
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
