import type * as tf from '@tensorflow/tfjs';
import type { Precision } from '@raunet/core';
import type { RAUnetConfig } from './config.js';
import { SLIDING_DEFAULTS } from './internal/sliding.js';
import type { PreprocessingOptions } from './preprocessing.js';

/**
 * How a model is best applied, chosen when it was trained and stored with it, so that prediction with
 * no flags gives the model's intended result. Every field is optional; `predictVolume`'s own
 * options win over these, and its defaults fill what is missing.
 */
export interface InferenceSettings {
  /** Sliding-window overlap in [0, 1). */
  overlap?: number;
  /** Flip test-time augmentation (z, y, x flips averaged). */
  flipTta?: boolean;
  /** In-plane zoom factors of multi-scale test-time augmentation (`predictVolume`'s `scaleTta`); `[1]` = none. */
  scaleTta?: number[];
  /** Blending of overlapping windows. */
  blending?: 'gaussian' | 'constant';
  /** Gaussian importance map standard deviation, fraction of the patch. */
  sigmaScale?: number;
  /** Probability threshold of the mask. */
  threshold?: number;
  /** Remove connected components smaller than this many voxels. */
  minComponentSize?: number;
  /**
   * When no lung mask is given, compute one (`segmentLungs` of `@raunet/lungs`), crop to it and restrict
   * the infection to it, as `predictVolume`'s `lungMask: 'auto'`.
   */
  autoLungs?: boolean;
  /**
   * Do not run sliding windows over air, for CT in HU with min-max normalization: on each axis where it takes
   * fewer windows, the grid covers just the bounding box of the voxels at or above {@link AIR_WINDOW_HU}
   * (-800 HU, after resampling: the body), and windows with no such voxel are not run. Voxels no window
   * reached get probability 0 (no lesion, not even ground glass, is that dark). On a whole chest CT this
   * drops the windows around the body; on crops of the lung (vessels, nodules) the grid stays as it is.
   */
  skipAirWindows?: boolean;
  /**
   * Arithmetic precision of the forward pass (`'bf16'`: bfloat16 inputs of convolutions and matrix
   * products, float32 accumulation; see `tfjsPatchPredictor`). Set `'bf16'` only for a model whose masks
   * were shown to agree with float32 (`bench/bf16-agreement.ts`); it applies where a native bf16 path
   * exists, float32 elsewhere.
   */
  precision?: Precision;
}

/** The density below which a whole sliding window counts as air (see {@link InferenceSettings.skipAirWindows}), in HU. */
export const AIR_WINDOW_HU = -800;

/**
 * The {@link InferenceSettings} that apply when neither the model nor the caller gives one: half-patch
 * overlap, no flip TTA, no multi-scale TTA, Gaussian blending with sigma = patch / 8, threshold 0.5, no component removal, no
 * automatic lung mask, windows of air skipped, float32.
 */
export const defaultInferenceSettings: Readonly<Required<InferenceSettings>> = Object.freeze({
  overlap: SLIDING_DEFAULTS.overlap,
  flipTta: SLIDING_DEFAULTS.flipTta,
  scaleTta: [1],
  blending: SLIDING_DEFAULTS.blending,
  sigmaScale: SLIDING_DEFAULTS.sigmaScale,
  threshold: SLIDING_DEFAULTS.threshold,
  minComponentSize: 0,
  autoLungs: false,
  skipAirWindows: true,
  precision: 'fp32',
});

/** What an RA-Unet model records about itself in `userDefinedMetadata` (saved in model.json). */
export interface RAUnetModelInfo {
  /** Always `'raunet'`. */
  format: 'raunet';
  /** `'raunet'` (with the RA block) or `'unet'` (the baseline). */
  architecture: 'raunet' | 'unet';
  /**
   * The full architecture config, as resolved when the model was built. A model saved before a field
   * existed lacks it (e.g. `normEpsilon`, `downsamplePadding`, `poolStrides`): rebuilding from such a config
   * gives the new defaults, while loading the saved model keeps what its layer configs store (epsilon 1e-3,
   * TF `'same'` padding, the attention's key bias).
   */
  config: RAUnetConfig;
  /** Preprocessing used in training; {@link predictVolume} repeats it. */
  preprocessing?: PreprocessingOptions;
  /** How to apply the model (overlap, TTA, threshold, post-processing); `predictVolume` defaults to it. */
  inference?: InferenceSettings;
  /** Training facts (epoch, validation DSC…), set by `train`. */
  training?: Record<string, unknown>;
}

/** The {@link RAUnetModelInfo} stored on a model, or `undefined` for a foreign model. */
export function getModelInfo(model: tf.LayersModel): RAUnetModelInfo | undefined {
  const meta = model.getUserDefinedMetadata() as { raunet?: RAUnetModelInfo } | undefined;
  return meta?.raunet?.format === 'raunet' ? meta.raunet : undefined;
}

/** Stores (merges) {@link RAUnetModelInfo} fields on a model; they are saved by `saveModel`. */
export function setModelInfo(model: tf.LayersModel, info: Partial<RAUnetModelInfo>): void {
  const meta = (model.getUserDefinedMetadata() ?? {}) as Record<string, unknown>;
  const previous = (meta.raunet ?? {}) as Partial<RAUnetModelInfo>;
  model.setUserDefinedMetadata({ ...meta, raunet: { ...previous, ...info, format: 'raunet' } });
}
