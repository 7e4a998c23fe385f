import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * Prediction settings carried by a job; a field left out takes the model's own setting (as
 * `raunet predict` without the flag). The fields of `PredictVolumeOptions` of `@raunet/raunet` that a
 * whole batch shares.
 */
export interface PredictJobSettings {
  /** Sliding-window overlap in [0, 1). @defaultValue the model's */
  overlap?: number;
  /** Probability threshold of the mask. @defaultValue the model's */
  threshold?: number;
  /** Remove components smaller than this many voxels. @defaultValue the model's */
  minComponentSize?: number;
  /** Flip test-time augmentation. @defaultValue the model's */
  flipTta?: boolean;
  /** In-plane zoom factors of multi-scale test-time augmentation (`scaleTta` of `predictVolume`). @defaultValue the model's */
  scaleTta?: number[];
  /** Skip the sliding windows over the air around the body (`skipAirWindows` of `predictVolume`). @defaultValue the model's */
  skipAirWindows?: boolean;
}

/** One job of the queue: a CT to segment and where its mask goes. Paths are absolute, on storage every worker sees. */
export interface PredictJobData {
  /** The case's name (the input's file name without `.nii.gz`), shown by the status. */
  caseName: string;
  /** Absolute path of the CT (NIfTI). */
  input: string;
  /** Absolute path of the mask to write (`.nii.gz`). */
  output: string;
  /**
   * The model: a shipped model's name (each worker finds its own installed copy) or an absolute model
   * folder. Absent: the worker's own model. @defaultValue the worker's
   */
  model?: string;
  /** Prediction settings of the batch. @defaultValue the model's */
  settings?: PredictJobSettings;
}

/** What a worker stores with a completed job. */
export interface PredictJobResult {
  /** The mask written. */
  output: string;
  /** Foreground voxels of the mask. */
  voxels: number;
  /** Foreground volume in millilitres. */
  volumeMl: number;
  /** Wall time of the job in seconds (reading, prediction, writing). */
  seconds: number;
  /** The worker that did it (`host:pid`). */
  worker: string;
}

/**
 * The job id of an input: `ct-` and 24 hex digits of the SHA-256 of its absolute path. The same CT
 * submitted twice gets the same id, and BullMQ does not add a job whose id is already in the queue
 * (waiting, active, completed or failed), so re-submitting a folder adds only the new CTs.
 *
 * @param input - The CT's path (made absolute against the working directory).
 * @example
 * ```ts
 * predictJobId('/data/ct/case_01.nii.gz'); // 'ct-3f1c…'
 * ```
 */
export function predictJobId(input: string): string {
  return `ct-${createHash('sha256').update(resolve(input)).digest('hex').slice(0, 24)}`;
}
