import * as tf from '@tensorflow/tfjs';
import { DatasetError, errorWithFile, RaunetError, Rng, type Volume } from '@raunet/core';
import { readNifti } from '@raunet/io';
import { augmentPatch, samplePatches, type AugmentOptions } from '@raunet/preprocess';
import { recalibrateBatchNorm } from '../batch-norm-statistics.js';
import type { DatasetCase } from '../dataset.js';
import { prepareCase, type PreparedCase, type PreprocessingOptions } from '../preprocessing.js';
import type { VolumeCase } from '../train-options.js';
import { batchTensor } from './bridge.js';

/** A case ready for patch sampling: preprocessed, with its label binarized on the working grid. */
export interface TrainingCase extends PreparedCase {
  /** Case name. */
  name: string;
  /** Value outside the image (its minimum), for patches that reach past the border. */
  padValue: number;
  /** Infection mask on the working grid. */
  label: Volume<Uint8Array>;
  /** Whether the label has an infection voxel (foreground-centred patches need one). */
  hasForeground: boolean;
}

/** One batch of patches, NDHWC order flattened (x fastest), labels 0/1. */
export interface PatchBatch {
  /** `batchSize` image patches. */
  images: Float32Array;
  /** `batchSize` label patches. */
  labels: Float32Array;
}

/** Options of {@link patchBatchSampler}. */
export interface PatchBatchSamplerOptions {
  /** Patches per batch. */
  batchSize: number;
  /** Patch size (x, y, z). */
  patchSize: [number, number, number];
  /** Probability that a patch is centred on an infection voxel (when the case has one). */
  foregroundFraction: number;
  /** Augmentation of each patch pair, or `undefined` for none. */
  augmentation: AugmentOptions | undefined;
}

async function loadCase(c: DatasetCase | VolumeCase): Promise<VolumeCase> {
  if (typeof c.image !== 'string') return c as VolumeCase;
  const d = c as DatasetCase;
  const [image, label, lung] = await Promise.all([readNifti(d.image), readNifti(d.label), d.lung ? readNifti(d.lung) : undefined]);
  return { name: d.name, image, label, ...(lung ? { lung } : {}) };
}

/**
 * A preprocessing failure of one training case, naming its image file (or case name) and, when the
 * intensity scale could not be detected, how to declare it.
 */
function caseError(error: unknown, c: DatasetCase | VolumeCase): unknown {
  if (!RaunetError.isInstance(error) || error.file !== undefined) return error;
  const file = typeof c.image === 'string' ? c.image : `case '${c.name}'`;
  if (!error.message.startsWith('detectIntensityScale')) return errorWithFile(error, file);
  return new DatasetError(
    `${error.message}. If this is a CT, declare its scale in the training options (config file): preprocessing.intensityScale 'hu', 'windowed-0-255' or 'raw' (stored values as they are)`,
    { file, cause: error },
  );
}

/** Reads (NIfTI paths) and preprocesses the cases one at a time, in order; stops early (fewer cases) once `signal` is aborted. */
export async function prepareTrainingCases(
  cases: readonly (DatasetCase | VolumeCase)[],
  preprocessing: PreprocessingOptions,
  signal?: AbortSignal,
): Promise<TrainingCase[]> {
  const out: TrainingCase[] = [];
  for (const c of cases) {
    if (signal?.aborted) break;
    const v = await loadCase(c);
    let p: PreparedCase;
    try {
      p = prepareCase(v.image, { label: v.label, lung: v.lung, options: preprocessing });
    } catch (e) {
      throw caseError(e, c);
    }
    let min = Infinity;
    for (const x of p.image.data) if (x < min) min = x;
    out.push({ ...p, name: v.name, padValue: min, label: p.label!, hasForeground: p.label!.data.some((x) => x !== 0) });
  }
  return out;
}

/**
 * Optimizer steps of one epoch by default: as many batches as patches tiling the training volumes once,
 * `ceil(Σ ceil(nx/px)·ceil(ny/py)·ceil(nz/pz) / batchSize)`, at least 1.
 */
export function defaultStepsPerEpoch(cases: readonly TrainingCase[], patchSize: readonly number[], batchSize: number): number {
  const tiles = cases.reduce(
    (n, c) => n + Math.ceil(c.image.dims[0] / patchSize[0]) * Math.ceil(c.image.dims[1] / patchSize[1]) * Math.ceil(c.image.dims[2] / patchSize[2]),
    0,
  );
  return Math.max(1, Math.ceil(tiles / batchSize));
}

/**
 * A sampler of training batches: each patch from a random case, centred on an infection voxel with
 * probability `foregroundFraction`, then augmented. All randomness comes from the `rng` passed to each
 * call, in a fixed order, so a run replays exactly from a saved RNG state.
 */
export function patchBatchSampler(cases: readonly TrainingCase[], options: PatchBatchSamplerOptions): (rng: Rng) => PatchBatch {
  const { batchSize, patchSize: size, foregroundFraction, augmentation } = options;
  const patchVoxels = size[0] * size[1] * size[2];
  return (rng) => {
    const images = new Float32Array(batchSize * patchVoxels);
    const labels = new Float32Array(batchSize * patchVoxels);
    for (let b = 0; b < batchSize; b++) {
      const c = cases[rng.int(0, cases.length)];
      const fg = c.hasForeground && rng.chance(foregroundFraction);
      const [pair] = samplePatches(c.image, c.label, { count: 1, size, foregroundFraction: fg ? 1 : 0, rng, padValue: c.padValue });
      let image: Volume = pair.image;
      let label: Volume = pair.label;
      // augmentPatch draws what augmentPair would on the cut patch (same rng stream), but reads rotated and
      // zoomed corners from the whole volume instead of padding them
      if (augmentation) ({ image, label } = augmentPatch(c.image, c.label, pair.origin, size, { padValue: c.padValue, ...augmentation }, rng));
      images.set(image.data as Float32Array, b * patchVoxels);
      const l = label.data;
      for (let i = 0; i < patchVoxels; i++) labels[b * patchVoxels + i] = Number(l[i]) > 0 ? 1 : 0;
    }
    return { images, labels };
  };
}

/** Options of {@link recalibrateOnTrainingBatches}. */
export interface RecalibrateOnTrainingBatchesOptions {
  /** Batches to recompute the statistics from (0: nothing happens). */
  batches: number;
  /** The run's seed and global step, which seed the batches' own random stream. */
  seed: number;
  /** Optimizer steps done so far. */
  globalStep: number;
  /** Patches per batch. */
  batchSize: number;
  /** Patch size (x, y, z). */
  patchSize: [number, number, number];
  /** The model's batch-norm momentum. */
  momentum: number;
}

/**
 * "Precise BN": recomputes the batch-norm moving statistics from training batches drawn from their own
 * stream, seeded by the step, so the training sequence and resume stay exactly as without it.
 */
export function recalibrateOnTrainingBatches(
  model: tf.LayersModel,
  sample: (rng: Rng) => PatchBatch,
  options: RecalibrateOnTrainingBatchesOptions,
): void {
  if (options.batches === 0) return;
  const from = new Rng(options.seed * 1_000_003 + options.globalStep + 1);
  const batches = Array.from({ length: options.batches }, () => batchTensor(sample(from).images, options.batchSize, options.patchSize));
  try {
    recalibrateBatchNorm(model, batches, { momentum: options.momentum });
  } finally {
    tf.dispose(batches);
  }
}
