import * as tf from '@tensorflow/tfjs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileAccessError } from '@raunet/core';
import { replaceDirAtomic } from '@raunet/core/node';

type NamedTensor = { name: string; tensor: tf.Tensor };

/** Everything besides tensors needed to continue a training run exactly. */
export interface TrainingState {
  /** Format version of the checkpoint. */
  version: 1;
  /** Epoch in progress (0-based); equals `epochs` when training finished. */
  epoch: number;
  /** Steps already done inside `epoch`. */
  stepInEpoch: number;
  /** Sum of the losses of the steps already done inside `epoch`. */
  lossSum: number;
  /** Optimizer steps done since the start. */
  globalStep: number;
  /** State of the run's {@link @raunet/core!Rng}. */
  rngState: number;
  /** Current learning rate. */
  learningRate: number;
  /** Adam's running `beta1^t` and `beta2^t`, restored bit-exactly (tfjs' setWeights recomputes them with `pow`). */
  adamAccBeta?: [number, number];
  /** Best validation DSC so far (-1 before the first validation). */
  bestDsc: number;
  /** Epoch (1-based) of the best validation DSC (0 before). */
  bestEpoch: number;
  /** Validations since the best one, for early stopping. */
  validationsWithoutImprovement: number;
  /** One record per finished epoch. */
  history: EpochRecord[];
  /** The run's options (JSON-serializable part) including the model config. */
  options: Record<string, unknown>;
  /** Whether early stopping ended the run. */
  stopped?: boolean;
}

/** One line of the training log. */
export interface EpochRecord {
  /** Epoch number (1-based). */
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Learning rate used in the epoch. */
  learningRate: number;
  /** Mean validation DSC when validated this epoch. */
  validationDsc?: number;
  /** Per-case validation DSC. */
  validationCases?: { name: string; dsc: number }[];
  /** Wall time of the epoch in seconds (training and validation). */
  seconds: number;
  /** Optimizer steps done since the start at the end of the epoch. */
  globalStep: number;
}

const WEIGHTS = 'weights.bin';
const WEIGHTS_JSON = 'weights.json';
const OPT = 'optimizer.bin';
const OPT_JSON = 'optimizer.json';
const STATE = 'state.json';

async function encode(named: NamedTensor[]): Promise<{ data: Uint8Array; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(named);
  return { data: new Uint8Array(data), specs };
}

/**
 * Writes a checkpoint directory atomically: the model's weights (in `model.weights` order), Adam's
 * weights (`optimizer.getWeights()`), and the JSON state.
 */
export async function writeCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer, state: TrainingState): Promise<void> {
  const weights = await encode(model.weights.map((w, i) => ({ name: `${i}:${w.originalName}`, tensor: w.read() })));
  const named = await optimizer.getWeights();
  const opt = await encode(named);
  // getWeights() creates a fresh scalar for the iteration count; the moments are the optimizer's own variables.
  tf.dispose(named.filter((n) => !(n.tensor instanceof tf.Variable)).map((n) => n.tensor));
  await replaceDirAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, WEIGHTS), weights.data);
    await writeFile(join(tmp, WEIGHTS_JSON), JSON.stringify(weights.specs));
    await writeFile(join(tmp, OPT), opt.data);
    await writeFile(join(tmp, OPT_JSON), JSON.stringify(opt.specs));
    await writeFile(join(tmp, STATE), JSON.stringify(state, null, 1));
  });
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    throw new FileAccessError(`cannot read checkpoint file: ${(error as Error).message}`, { file, cause: error });
  }
}

async function decode(dir: string, bin: string, json: string): Promise<NamedTensor[]> {
  const specs = await readJson<tf.io.WeightsManifestEntry[]>(join(dir, json));
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, bin));
  } catch (error) {
    throw new FileAccessError(`cannot read checkpoint file: ${(error as Error).message}`, { file: join(dir, bin), cause: error });
  }
  const buffer = new Uint8Array(bytes).buffer;
  const map = tf.io.decodeWeights(buffer, specs);
  return specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
}

/** Whether `dir` holds a checkpoint (its `state.json`). */
export async function hasCheckpoint(dir: string): Promise<boolean> {
  try {
    await stat(join(dir, STATE));
    return true;
  } catch {
    return false;
  }
}

/** Reads only the JSON state of a checkpoint directory. */
export async function readCheckpointState(dir: string): Promise<TrainingState> {
  return readJson<TrainingState>(join(dir, STATE));
}

/**
 * Restores a checkpoint into a model of the same architecture and an optimizer; returns the state.
 * Tensors created while reading are disposed (the optimizer keeps its own variables).
 */
export async function restoreCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer): Promise<TrainingState> {
  const state = await readCheckpointState(dir);
  const weights = await decode(dir, WEIGHTS, WEIGHTS_JSON);
  if (weights.length !== model.weights.length) {
    tf.dispose(weights.map((w) => w.tensor));
    throw new FileAccessError(`checkpoint holds ${weights.length} weights, the model has ${model.weights.length}`, { file: dir });
  }
  model.setWeights(weights.map((w) => w.tensor));
  tf.dispose(weights.map((w) => w.tensor));
  const opt = await decode(dir, OPT, OPT_JSON);
  await optimizer.setWeights(opt);
  tf.dispose(opt.map((w) => w.tensor));
  return state;
}
