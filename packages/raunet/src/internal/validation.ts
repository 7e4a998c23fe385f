import type * as tf from '@tensorflow/tfjs';
import { withData, type Volume } from '@raunet/core';
import { dice } from '@raunet/metrics';
import { tfjsPatchPredictor } from '../patch-predictor.js';
import { SLIDING_DEFAULTS, slidingWindowProbability, thresholdProbability } from './sliding.js';

/** A validation case, preprocessed like the training cases. */
export interface ValidationCase {
  /** Case name, reported with its DSC. */
  name: string;
  /** Normalized image on the working grid. */
  image: Volume;
  /** Infection mask on the image's grid. */
  label: Volume;
}

/** Options of {@link validateCases}; the rest of the sliding window is {@link SLIDING_DEFAULTS}. */
export interface ValidateCasesOptions {
  /** The model's patch size (x, y, z). */
  patchSize: [number, number, number];
  /** Sliding-window overlap. @defaultValue SLIDING_DEFAULTS.overlap */
  overlap?: number;
  /** Patches per model call. @defaultValue autoBatchSize of the patch */
  batchSize?: number;
  /** Threshold of the masks. @defaultValue SLIDING_DEFAULTS.threshold */
  threshold?: number;
}

/** Result of {@link validateCases}. */
export interface ValidationResult {
  /** Mean DSC over the cases. */
  mean: number;
  /** DSC of each case, in input order. */
  cases: { name: string; dsc: number }[];
}

/**
 * Scores a model on whole validation volumes: the sliding-window probability map of each case (the same
 * window as prediction), thresholded, against its label by DSC.
 */
export async function validateCases(
  model: tf.LayersModel,
  cases: readonly ValidationCase[],
  options: ValidateCasesOptions,
): Promise<ValidationResult> {
  const threshold = options.threshold ?? SLIDING_DEFAULTS.threshold;
  const scores: { name: string; dsc: number }[] = [];
  const predictor = tfjsPatchPredictor(model);
  for (const c of cases) {
    const p = await slidingWindowProbability(predictor, c.image, {
      patchSize: options.patchSize,
      overlap: options.overlap ?? SLIDING_DEFAULTS.overlap,
      batchSize: options.batchSize ?? SLIDING_DEFAULTS.batchSize,
      flipTta: SLIDING_DEFAULTS.flipTta,
      sigmaScale: SLIDING_DEFAULTS.sigmaScale,
      blending: SLIDING_DEFAULTS.blending,
    });
    scores.push({ name: c.name, dsc: dice(withData(c.image, thresholdProbability(p, threshold)), c.label) });
  }
  return { mean: scores.reduce((s, c) => s + c.dsc, 0) / scores.length, cases: scores };
}
