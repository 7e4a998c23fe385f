import type * as tf from '@tensorflow/tfjs';
import type { Volume } from '@raunet/core';
import type { AugmentOptions } from '@raunet/preprocess';
import type { EpochRecord } from './checkpoint.js';
import type { RAUnetConfig } from './config.js';
import type { DatasetCase } from './dataset.js';
import type { LearningRateSchedule } from './internal/lr-schedule.js';
import type { InferenceSettings } from './model-info.js';
import type { PreprocessingOptions } from './preprocessing.js';

/** A training case held in memory (volumes on one grid). */
export interface VolumeCase {
  /** Case name used in logs. */
  name: string;
  /** CT volume (HU or windowed 0..255, detected). */
  image: Volume;
  /** Infection mask (nonzero = infection) on the image's grid. */
  label: Volume;
  /** Optional lung mask on the image's grid. */
  lung?: Volume;
}

/** One event passed to {@link TrainOptions.onProgress}. */
export interface TrainProgress {
  /** `'step'` after each optimizer step, `'validation'` after a validation, `'epoch'` after each epoch's checkpoint. */
  kind: 'step' | 'validation' | 'epoch';
  /** Epoch (1-based). */
  epoch: number;
  /** Total epochs. */
  epochs: number;
  /** Step inside the epoch (1-based). */
  step: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** Loss of this step (`'step'`) or mean loss of the epoch so far. */
  loss: number;
  /** Learning rate in use. */
  learningRate: number;
  /** Mean validation DSC (`'validation'`, and `'epoch'` when validated). */
  validationDsc?: number;
  /** The finished epoch's record (`'epoch'`). */
  record?: EpochRecord;
}

/** Options of {@link train}. Every number has the paper's value (or the SPEC's choice) as default. */
export interface TrainOptions {
  /** Training cases: NIfTI paths (from {@link loadDataset}/{@link splitDataset}) or volumes. */
  train: readonly (DatasetCase | VolumeCase)[];
  /** Validation cases (whole volumes, sliding window). @defaultValue [] (no validation) */
  validation?: readonly (DatasetCase | VolumeCase)[];
  /** Folder for `checkpoint/`, `best/`, `model/`, `log.jsonl` and `log.csv`. Created if missing. */
  outputDir: string;
  /** `'raunet'` or the `'unet'` baseline. @defaultValue 'raunet' */
  architecture?: 'raunet' | 'unet';
  /** Model config overrides (see {@link RAUnetConfig}); `seed` defaults to this run's `seed`. @defaultValue paper defaults */
  model?: Partial<RAUnetConfig>;
  /** Preprocessing (stored in the saved model for prediction). @defaultValue see {@link PreprocessingOptions} */
  preprocessing?: PreprocessingOptions;
  /**
   * How the trained model is to be applied (overlap, TTA, threshold, post-processing), stored in the saved
   * model so that `predictVolume` and `raunet predict` use it by default. @defaultValue undefined (predict's defaults)
   */
  inference?: InferenceSettings;
  /** Epochs. @defaultValue 70 */
  epochs?: number;
  /**
   * Optimizer steps per epoch. @defaultValue as many batches as patches tiling the training volumes
   * once: `ceil(Σ ceil(nx/px)·ceil(ny/py)·ceil(nz/pz) / batchSize)` on the working grid [choice]
   */
  stepsPerEpoch?: number;
  /** Patches per batch. @defaultValue 4 */
  batchSize?: number;
  /** Adam learning rate. @defaultValue 1e-4 */
  learningRate?: number;
  /** Adam betas. @defaultValue [0.9, 0.999] */
  adamBetas?: [number, number];
  /** Adam epsilon. @defaultValue 1e-8 (PyTorch's) */
  adamEpsilon?: number;
  /** `'dice'` (the paper) or `'dice-bce'`. @defaultValue 'dice' */
  loss?: 'dice' | 'dice-bce';
  /** Dice smoothing eps. @defaultValue 1e-5 */
  lossEpsilon?: number;
  /**
   * Deep supervision, as nnU-Net trains: during training only, a 1x1x1 sigmoid head on each decoder level
   * `1 .. levels - 3` predicts the labels average-pooled to its grid, and the loss is the sum over the
   * network's output and these heads weighted `1 / 2^level`, normalized to 1 (for 5 levels: 4/7, 2/7 and
   * 1/7). The heads are not part of the saved model, so inference and the model files are unchanged.
   * Needs at least 4 levels. Kept in the checkpoint: a resumed run continues as it started.
   * @defaultValue false
   */
  deepSupervision?: boolean;
  /** Fraction of patches centred on an infection voxel (when the case has one). @defaultValue 0.5 */
  foregroundFraction?: number;
  /** Augmentation options of `augmentPair` (`@raunet/preprocess`), or `false` for none. @defaultValue {} (its defaults) */
  augmentation?: AugmentOptions | false;
  /** Validate every N epochs (and after the last). @defaultValue 1 */
  validationInterval?: number;
  /** Sliding-window overlap for validation. @defaultValue 0.5 */
  validationOverlap?: number;
  /** Patches per model call in validation. @defaultValue as `predictVolume`: 2 for a 192x192x32 patch, up to 16 for small patches */
  validationBatchSize?: number;
  /** Threshold of the validation masks. @defaultValue 0.5 */
  validationThreshold?: number;
  /** Stop after this many validations without improvement of the best DSC. @defaultValue undefined (never) */
  earlyStoppingPatience?: number;
  /**
   * Batch-norm recalibration ("precise BN", see {@link @raunet/raunet!recalibrateBatchNorm | recalibrateBatchNorm}): before each validation and
   * before the final model is saved, the moving statistics are recomputed from this many training batches,
   * sampled as in training (foreground bias and augmentation) but from their own seeded stream, so the
   * training sequence is unchanged. 0 turns it off (the moving averages of training are kept, as in the
   * paper). No effect on models without batch norm. (Recalibrating on uniformly sampled patches instead,
   * what inference sees, lowered the demo's test DSC from 0.87 to 0.72: the network is trained on the
   * statistics of foreground-biased batches.) @defaultValue 0
   */
  batchNormRecalibration?: number;
  /** Learning-rate schedule. @defaultValue { kind: 'constant' } */
  learningRateSchedule?: LearningRateSchedule;
  /** Seed of initialization, sampling and augmentation. @defaultValue 0 */
  seed?: number;
  /**
   * Continue from `outputDir/checkpoint` when it exists: weights, Adam state, epoch and step, RNG,
   * learning rate, best DSC and history are restored, and model config and preprocessing are taken from
   * the checkpoint. @defaultValue false
   */
  resume?: boolean;
  /** Called after each step, validation and epoch. */
  onProgress?: (event: TrainProgress) => void;
  /**
   * Aborting stops after the current optimizer step (the loop yields to the event loop after each step,
   * so a signal handler runs), writes a complete checkpoint, resumable at the exact step (in the first
   * epoch too), and returns with `aborted: true`. Aborted during an epoch's validation, the validation is
   * finished first. Aborted while the cases are still being read, nothing was trained: no checkpoint is
   * written and an earlier one stays as it was.
   */
  signal?: AbortSignal;
}

/** Result of {@link train}. */
export interface TrainResult {
  /** The trained model (last weights). The caller owns it (`model.dispose()`). */
  model: tf.LayersModel;
  /** One record per finished epoch (resumed runs include earlier ones). */
  history: EpochRecord[];
  /** Best mean validation DSC (-1 without validation). */
  bestDsc: number;
  /** Epoch of the best DSC (0 without validation). */
  bestEpoch: number;
  /** Epochs finished. */
  epochsCompleted: number;
  /** True when early stopping ended the run. */
  stoppedEarly: boolean;
  /** True when the signal aborted the run. */
  aborted: boolean;
  /** Whether the run resumed from a checkpoint. */
  resumed: boolean;
  /** Folder of the best model (by validation DSC), loadable with `loadModel`. */
  bestModelDir: string;
  /** Folder of the final model, loadable with `loadModel` (written when the run ends without abort). */
  finalModelDir: string;
  /** Folder of the last checkpoint. */
  checkpointDir: string;
}
