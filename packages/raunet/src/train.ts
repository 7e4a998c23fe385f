import * as tf from '@tensorflow/tfjs';
import { mkdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Rng } from '@raunet/core';
import { hasCheckpoint, readCheckpointState, restoreCheckpoint, writeCheckpoint, type EpochRecord, type TrainingState } from './checkpoint.js';
import type { RAUnetConfig } from './config.js';
import { batchTensor } from './internal/bridge.js';
import { deepSupervisionLoss, deepSupervisionView, type DeepSupervisionView } from './internal/deep-supervision.js';
import { plateauLearningRate, scheduledLearningRate } from './internal/lr-schedule.js';
import { defaultStepsPerEpoch, patchBatchSampler, prepareTrainingCases, recalibrateOnTrainingBatches } from './internal/patch-batches.js';
import { writeTrainingLog } from './internal/training-log.js';
import { validateCases } from './internal/validation.js';
import { diceBceLoss, diceLoss } from './losses.js';
import { assertModelFits } from './memory-estimate.js';
import { buildRAUnet, buildUNet3D } from './model.js';
import { getModelInfo, setModelInfo } from './model-info.js';
import { saveModel } from './model-io.js';
import type { PreprocessingOptions } from './preprocessing.js';
import type { TrainOptions, TrainProgress, TrainResult } from './train-options.js';

export type { TrainOptions, TrainProgress, TrainResult, VolumeCase } from './train-options.js';
export type { LearningRateSchedule } from './internal/lr-schedule.js';

function positive(v: number, name: string, integer = true): void {
  if (!(v > 0) || (integer && !Number.isInteger(v))) throw new InvalidArgumentError(`train: ${name} must be a positive ${integer ? 'integer' : 'number'}, received ${v}`);
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type AdamInternals = { accBeta1: tf.Variable; accBeta2: tf.Variable; learningRate: number };

/**
 * Trains RA-Unet (or the U-Net baseline) with Adam on Dice loss from patches of the training volumes,
 * validating on whole volumes by sliding window (mean DSC), keeping the best model, writing an atomic
 * checkpoint every epoch (weights, Adam state, epoch, step, RNG state, options) and a JSONL/CSV log.
 *
 * Files in `outputDir`: `checkpoint/` (resume), `best/` (best validation DSC), `model/` (final), both
 * loadable with {@link loadModel}; `log.jsonl`, `log.csv`. `tf.memory().numTensors` stays flat.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for bad options; {@link @raunet/core!DatasetError | DatasetError}/{@link @raunet/core!FileAccessError | FileAccessError} for unreadable data.
 * @example
 * ```ts
 * const data = await loadDataset({ root: 'data/COVID-19-CT-Seg' });
 * const split = splitDataset(data.cases, { seed: 1 });
 * const run = await train({ train: split.train, validation: split.validation, outputDir: 'runs/exp1',
 *   onProgress: (e) => e.kind === 'epoch' && console.log(e.record) });
 * run.model.dispose();
 * ```
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const epochs = options.epochs ?? 70;
  const batchSize = options.batchSize ?? 4;
  const baseLr = options.learningRate ?? 1e-4;
  const validationInterval = options.validationInterval ?? 1;
  const seed = options.seed ?? 0;
  positive(epochs, 'epochs');
  positive(batchSize, 'batchSize');
  positive(baseLr, 'learningRate', false);
  positive(validationInterval, 'validationInterval');
  if (!options.train?.length) throw new InvalidArgumentError('train: at least one training case is needed');
  const foregroundFraction = options.foregroundFraction ?? 0.5;
  if (!(foregroundFraction >= 0 && foregroundFraction <= 1)) throw new InvalidArgumentError(`train: foregroundFraction must be in [0, 1], received ${foregroundFraction}`);
  const recalibration = options.batchNormRecalibration ?? 0;
  const schedule = options.learningRateSchedule ?? { kind: 'constant' };
  const outputDir = options.outputDir;
  const checkpointDir = join(outputDir, 'checkpoint');
  const bestModelDir = join(outputDir, 'best');
  const finalModelDir = join(outputDir, 'model');
  await mkdir(outputDir, { recursive: true });

  const resumed = (options.resume ?? false) && (await hasCheckpoint(checkpointDir));
  const previous = resumed ? await readCheckpointState(checkpointDir) : undefined;
  const architecture = (previous?.options.architecture as 'raunet' | 'unet' | undefined) ?? options.architecture ?? 'raunet';
  const preprocessing = (previous?.options.preprocessing as PreprocessingOptions | undefined) ?? options.preprocessing ?? {};
  const modelConfig = (previous?.options.model as Partial<RAUnetConfig> | undefined) ?? { seed, ...options.model };
  const deepSupervision = previous ? previous.options.deepSupervision === true : (options.deepSupervision ?? false);
  const model = architecture === 'unet' ? buildUNet3D(modelConfig) : buildRAUnet(modelConfig);
  const config = getModelInfo(model)!.config;
  let supervised: DeepSupervisionView | undefined;
  setModelInfo(model, { preprocessing, ...(options.inference ? { inference: options.inference } : {}) });
  const [b1, b2] = options.adamBetas ?? [0.9, 0.999];
  const optimizer = tf.train.adam(baseLr, b1, b2, options.adamEpsilon ?? 1e-8);
  const adam = optimizer as unknown as AdamInternals;

  try {
    // The heads of deep supervision: what is trained, checkpointed and restored is this view of the network.
    if (deepSupervision) supervised = deepSupervisionView(model, config, seed);
    const trained = supervised?.model ?? model;
    // Refuse, before reading any data, a configuration whose step cannot fit (e.g. attention on 18,432 tokens).
    assertModelFits(config, { batchSize, training: true, memoryBytes: totalmem(), where: 'train' });
    const trainCases = await prepareTrainingCases(options.train, preprocessing, options.signal);
    const validationCases = await prepareTrainingCases(options.validation ?? [], preprocessing, options.signal);
    if (options.signal?.aborted) {
      // Interrupted while reading the data: nothing was trained, any earlier checkpoint stays as it is.
      return {
        model,
        history: previous?.history ?? [],
        bestDsc: previous?.bestDsc ?? -1,
        bestEpoch: previous?.bestEpoch ?? 0,
        epochsCompleted: previous?.epoch ?? 0,
        stoppedEarly: false,
        aborted: true,
        resumed,
        bestModelDir,
        finalModelDir,
        checkpointDir,
      };
    }
    const size = config.patchSize;
    const stepsPerEpoch = options.stepsPerEpoch ?? defaultStepsPerEpoch(trainCases, size, batchSize);
    positive(stepsPerEpoch, 'stepsPerEpoch');
    if (!(Number.isInteger(recalibration) && recalibration >= 0)) {
      throw new InvalidArgumentError(`train: batchNormRecalibration must be an integer >= 0, received ${recalibration}`);
    }

    const rng = new Rng(seed);
    let state: TrainingState = {
      version: 1,
      epoch: 0,
      stepInEpoch: 0,
      lossSum: 0,
      globalStep: 0,
      rngState: rng.state,
      learningRate: scheduledLearningRate(baseLr, schedule, 0, epochs, baseLr),
      bestDsc: -1,
      bestEpoch: 0,
      validationsWithoutImprovement: 0,
      history: [],
      options: { architecture, preprocessing, model: config, epochs, batchSize, stepsPerEpoch, learningRate: baseLr, seed, ...(deepSupervision ? { deepSupervision } : {}) },
    };
    if (previous) {
      state = await restoreCheckpoint(checkpointDir, trained, optimizer);
      const accBeta = state.adamAccBeta;
      // In a tidy: the scalars are disposed, the variables keep their values (a resumed run leaked the two).
      if (accBeta) {
        tf.tidy(() => {
          adam.accBeta1.assign(tf.scalar(accBeta[0]));
          adam.accBeta2.assign(tf.scalar(accBeta[1]));
        });
      }
      rng.state = state.rngState;
    }

    const lossEpsilon = options.lossEpsilon ?? 1e-5;
    const lossOf = (y: tf.Tensor, p: tf.Tensor): tf.Scalar =>
      options.loss === 'dice-bce' ? diceBceLoss(y, p, { epsilon: lossEpsilon }) : diceLoss(y, p, { epsilon: lossEpsilon });
    const augmentation = options.augmentation === false ? undefined : (options.augmentation ?? {});
    const sample = patchBatchSampler(trainCases, { batchSize, patchSize: size, foregroundFraction, augmentation });
    const vars = trained.trainableWeights.map((w) => w.read() as tf.Variable);
    const checkpoint = async (): Promise<void> => {
      state.rngState = rng.state;
      state.adamAccBeta = [adam.accBeta1.dataSync()[0], adam.accBeta2.dataSync()[0]];
      await writeCheckpoint(checkpointDir, trained, optimizer, state);
    };
    const progress = (kind: TrainProgress['kind'], step: number, loss: number, learningRate: number, more: Partial<TrainProgress> = {}): void =>
      options.onProgress?.({ kind, epoch: state.epoch + 1, epochs, step, stepsPerEpoch, loss, learningRate, ...more });

    let aborted = false;
    let epochStart = performance.now();
    while (state.epoch < epochs && !state.stopped) {
      adam.learningRate = state.learningRate;
      if (state.stepInEpoch === 0) epochStart = performance.now();
      while (state.stepInEpoch < stepsPerEpoch) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        const { images, labels } = sample(rng);
        const cost = tf.tidy(() => {
          const x = batchTensor(images, batchSize, size);
          const y = batchTensor(labels, batchSize, size);
          return optimizer.minimize(
            () =>
              supervised
                ? deepSupervisionLoss(supervised, y, supervised.model.apply(x, { training: true }) as tf.Tensor[], lossOf)
                : lossOf(y, model.apply(x, { training: true }) as tf.Tensor),
            true,
            vars,
          )!;
        });
        const loss = (await cost.data())[0];
        cost.dispose();
        // Let signal handlers run: tfjs's cpu reads resolve as microtasks, so without this a Ctrl-C
        // was only seen at the end of the epoch.
        await yieldToEventLoop();
        state.stepInEpoch++;
        state.globalStep++;
        state.lossSum += loss;
        progress('step', state.stepInEpoch, loss, state.learningRate);
      }
      // Stopped after the epoch's last step: checkpoint before validation (resuming validates).
      if (aborted || options.signal?.aborted) {
        aborted = true;
        break;
      }
      const record: EpochRecord = {
        epoch: state.epoch + 1,
        loss: state.lossSum / stepsPerEpoch,
        learningRate: state.learningRate,
        seconds: 0,
        globalStep: state.globalStep,
      };
      const isLast = state.epoch + 1 === epochs;
      const validating = validationCases.length > 0 && ((state.epoch + 1) % validationInterval === 0 || isLast);
      if (validating || isLast) {
        recalibrateOnTrainingBatches(model, sample, {
          batches: recalibration,
          seed,
          globalStep: state.globalStep,
          batchSize,
          patchSize: size,
          momentum: config.normMomentum,
        });
      }
      if (validating) {
        const v = await validateCases(model, validationCases, {
          patchSize: size,
          ...(options.validationOverlap !== undefined ? { overlap: options.validationOverlap } : {}),
          ...(options.validationBatchSize !== undefined ? { batchSize: options.validationBatchSize } : {}),
          ...(options.validationThreshold !== undefined ? { threshold: options.validationThreshold } : {}),
        });
        record.validationDsc = v.mean;
        record.validationCases = v.cases;
        if (v.mean > state.bestDsc) {
          state.bestDsc = v.mean;
          state.bestEpoch = state.epoch + 1;
          state.validationsWithoutImprovement = 0;
          setModelInfo(model, { training: { epoch: state.epoch + 1, validationDsc: v.mean } });
          await saveModel(model, bestModelDir);
        } else {
          state.validationsWithoutImprovement++;
          state.learningRate = plateauLearningRate(schedule, state.learningRate, state.validationsWithoutImprovement);
        }
        if (options.earlyStoppingPatience !== undefined && state.validationsWithoutImprovement >= options.earlyStoppingPatience) state.stopped = true;
        progress('validation', stepsPerEpoch, record.loss, record.learningRate, { validationDsc: v.mean });
      }
      record.seconds = (performance.now() - epochStart) / 1000;
      state.history.push(record);
      state.epoch++;
      state.stepInEpoch = 0;
      state.lossSum = 0;
      state.learningRate = scheduledLearningRate(baseLr, schedule, state.epoch, epochs, state.learningRate);
      await checkpoint();
      await writeTrainingLog(outputDir, state.history);
      options.onProgress?.({
        kind: 'epoch',
        epoch: record.epoch,
        epochs,
        step: stepsPerEpoch,
        stepsPerEpoch,
        loss: record.loss,
        learningRate: record.learningRate,
        ...(record.validationDsc !== undefined ? { validationDsc: record.validationDsc } : {}),
        record,
      });
    }
    if (aborted) {
      await checkpoint();
    } else {
      setModelInfo(model, { training: { epochs: state.epoch, bestDsc: state.bestDsc, bestEpoch: state.bestEpoch } });
      await saveModel(model, finalModelDir);
    }
    return {
      model,
      history: state.history,
      bestDsc: state.bestDsc,
      bestEpoch: state.bestEpoch,
      epochsCompleted: state.epoch,
      stoppedEarly: state.stopped ?? false,
      aborted,
      resumed,
      bestModelDir,
      finalModelDir,
      checkpointDir,
    };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
    supervised?.dispose();
  }
}
