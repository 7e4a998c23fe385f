import type * as tf from '@tensorflow/tfjs';
import { assertSameGrid, InvalidArgumentError, withData, type Precision, type Volume } from '@raunet/core';
import { removeSmallComponents } from './internal/components.js';
import { SLIDING_DEFAULTS, slidingWindowProbability, thresholdProbability, windowOrigins } from './internal/sliding.js';
import { automaticLungMask } from './internal/auto-lungs.js';
import { isPatchPredictor, tfjsPatchPredictor, type PatchPredictor } from './patch-predictor.js';
import { bf16FallbackMessage, checkPrecision, warnOnce } from './internal/precision.js';
import { defaultPreprocessing, prepareCase, restoreToInput, type PreprocessingOptions } from './preprocessing.js';
import { AIR_WINDOW_HU, defaultInferenceSettings, getModelInfo } from './model-info.js';

/**
 * Options of {@link predictVolume}. Where a field is not given, the model's own
 * {@link InferenceSettings} (stored by `train`, see {@link @raunet/raunet!getModelInfo | getModelInfo}) apply, then the defaults below.
 */
export interface PredictVolumeOptions {
  /** Fraction of the patch shared by neighbouring windows, in [0, 1). @defaultValue the model's, else 0.5 */
  overlap?: number;
  /**
   * Patches per model call, flipped copies of test-time augmentation included. @defaultValue `'auto'`: as many
   * as fit in the input voxels of two 192x192x32 patches, at most 16 (2 for the paper's patch, 16 for 48x48x16)
   */
  batchSize?: number | 'auto';
  /** Average the predictions of the patch and its flips along z, y and x (4 passes; 3 for a one-slice patch, which has no z flip). @defaultValue the model's, else false */
  flipTta?: boolean;
  /**
   * In-plane zoom factors of multi-scale test-time augmentation: the case is predicted once per factor, on its
   * working grid with the x and y spacing divided by the factor (above 1 magnifies; z is kept), each probability
   * map is mapped back to the input grid, and the maps are averaged with equal weights (flip TTA, when on, runs
   * within each). `[1]` predicts at the working grid only. Costs about the sum of the factors' squares in
   * model calls (3.2x for `[0.8, 1, 1.25]`); all the zoomed working images are held at once.
   * @defaultValue the model's, else `[1]`
   */
  scaleTta?: readonly number[];
  /** Blending of overlapping windows. @defaultValue the model's, else 'gaussian' */
  blending?: 'gaussian' | 'constant';
  /** Standard deviation of the Gaussian importance map as a fraction of the patch size. @defaultValue the model's, else 0.125 */
  sigmaScale?: number;
  /** Probabilities at or above this value are foreground in `mask`. @defaultValue the model's, else 0.5 */
  threshold?: number;
  /** Remove connected foreground components (26-connectivity) smaller than this many voxels. @defaultValue the model's, else 0 (keep all) */
  minComponentSize?: number;
  /**
   * Lung mask on the CT's grid: probabilities outside it are set to 0, and it drives the crop when the
   * preprocessing says `cropToLungs`. `'auto'` computes it from the CT (`segmentLungs` of
   * `@raunet/lungs`, on the CT in HU) and always crops to it, as the paper does.
   * @defaultValue undefined, or `'auto'` when the model's {@link InferenceSettings} say `autoLungs`
   */
  lungMask?: Volume | 'auto';
  /**
   * Preprocessing; by default the one stored in the model's metadata by `train` (see
   * {@link @raunet/raunet!getModelInfo | getModelInfo}), else the defaults of {@link PreprocessingOptions}. @defaultValue from the model
   */
  preprocessing?: PreprocessingOptions;
  /**
   * Do not run sliding windows over the air around the body (see {@link InferenceSettings.skipAirWindows}): CT
   * in HU with min-max normalization only. @defaultValue the model's, else true
   */
  skipAirWindows?: boolean;
  /**
   * Arithmetic precision of the model calls: `'fp32'`, or `'bf16'` (bfloat16 inputs of the forward
   * convolutions and 2-D matrix products, float32 accumulation; needs `@raunet/cpu-kernels`' native kernels
   * on a CPU with AVX512_BF16, else it runs float32 and warns once). Applies to a tfjs model; a
   * {@link PatchPredictor} runs at its own precision. See `tfjsPatchPredictor`.
   * @defaultValue the model's, else `'fp32'`
   */
  precision?: Precision;
  /** Receives warnings (a bf16 request that runs float32). @defaultValue `console.warn`, once per process per message */
  onWarning?: (message: string) => void;
  /** Called after each batch of patches with (patches done, patches total). */
  onProgress?: (done: number, total: number) => void;
}

/** Result of {@link predictVolume}: both volumes on the input CT's own grid (dims, spacing, affine). */
export interface PredictVolumeResult {
  /** Infection probability per voxel, in [0, 1]. */
  probability: Volume<Float32Array>;
  /** Binary infection mask (0/1). */
  mask: Volume<Uint8Array>;
  /** The lung mask the prediction was restricted to (the computed one for `'auto'`: 1 = left, 2 = right), when there was one. */
  lungs?: Volume;
  /** The precision the model calls ran at (`'fp32'` when bf16 was asked for but is not available here). */
  precision: Precision;
}

/**
 * `{ skipBelow }`: {@link AIR_WINDOW_HU} in the normalized units of a CT in HU under min-max normalization
 * (`{}` for other scales and normalizations, or a window that starts above it: nothing is skipped).
 */
function airBelow(scale: string, preprocessing: PreprocessingOptions): { skipBelow?: number } {
  const [lo, hi] = preprocessing.window ?? defaultPreprocessing.window;
  if (scale !== 'hu' || (preprocessing.normalization ?? defaultPreprocessing.normalization) !== 'minmax' || !(hi > lo) || lo >= AIR_WINDOW_HU) return {};
  // rounded as normalizeIntensity rounds a voxel of exactly AIR_WINDOW_HU
  return { skipBelow: Math.fround((AIR_WINDOW_HU - lo) * (1 / (hi - lo))) };
}

/**
 * Segments a whole CT volume: the training preprocessing, sliding-window prediction with overlap and
 * Gaussian blending (a batch of patches per model call), optional flip and multi-scale test-time augmentation,
 * mapping back to the input grid (exact inverse of reorientation, resampling through world
 * coordinates, uncrop), lung restriction, threshold and small-component removal. Works for volumes of
 * any size, smaller than a patch included (padded).
 *
 * `model` is a tfjs model (run on the active tfjs backend) or any {@link PatchPredictor}, e.g. an ONNX
 * Runtime session from `createOnnxPatchPredictor` of `@raunet/onnx/node`; the windowing, TTA and
 * stitching are the same for both.
 *
 * @example
 * ```ts
 * const model = await loadModel('runs/exp1/best');
 * const ct = await readNifti('ct.nii.gz');
 * const { probability, mask } = await predictVolume(model, ct, { overlap: 0.5, flipTta: true });
 * await writeNifti('mask.nii.gz', mask, { datatype: 'uint8' });
 * ```
 */
export async function predictVolume(model: tf.LayersModel | PatchPredictor, ct: Volume, options: PredictVolumeOptions = {}): Promise<PredictVolumeResult> {
  const settings = (isPatchPredictor(model) ? model.info : getModelInfo(model))?.inference ?? {};
  const precision = checkPrecision(options.precision ?? settings.precision ?? 'fp32', 'predictVolume: precision');
  const predictor = isPatchPredictor(model) ? model : tfjsPatchPredictor(model, { precision, onWarning: options.onWarning });
  if (isPatchPredictor(model) && precision === 'bf16' && model.precision !== 'bf16') {
    warnOnce(bf16FallbackMessage('the given PatchPredictor runs float32'), options.onWarning);
  }
  const info = predictor.info;
  const overlap = options.overlap ?? settings.overlap ?? SLIDING_DEFAULTS.overlap;
  if (!(overlap >= 0 && overlap < 1)) throw new InvalidArgumentError(`predictVolume: overlap must be in [0, 1), received ${overlap}`);
  const batchSize = options.batchSize ?? SLIDING_DEFAULTS.batchSize;
  if (batchSize !== 'auto' && (!Number.isInteger(batchSize) || batchSize < 1)) throw new InvalidArgumentError(`predictVolume: batchSize must be a positive integer, received ${batchSize}`);
  const threshold = options.threshold ?? settings.threshold ?? SLIDING_DEFAULTS.threshold;
  if (ct.dims.length > 3 && ct.dims.slice(3).some((d) => d !== 1)) {
    throw new InvalidArgumentError(`predictVolume: ct must be a 3D volume, received dims [${ct.dims.join(', ')}]`);
  }
  const patchSize = predictor.patchSize;
  if ((ct.dims[2] ?? 1) === 1 && patchSize[2] > 1) {
    throw new InvalidArgumentError(
      `predictVolume: the input is a single slice (2D, dims [${ct.dims.slice(0, 3).join(', ')}]) but the model is 3D (patch ${patchSize.join('x')} voxels, ${patchSize[2]} slices); use a model trained on slices (patch z = 1)`,
    );
  }
  let preprocessing = options.preprocessing ?? info?.preprocessing ?? {};
  let lungMask = options.lungMask === 'auto' ? undefined : options.lungMask;
  if (options.lungMask === 'auto' || (options.lungMask === undefined && settings.autoLungs === true)) {
    lungMask = automaticLungMask(ct, preprocessing);
    preprocessing = { ...preprocessing, cropToLungs: true };
  }
  if (lungMask) assertSameGrid(ct, lungMask, 'predictVolume: ct and lungMask');
  const scales = options.scaleTta ?? settings.scaleTta ?? defaultInferenceSettings.scaleTta;
  checkScaleTta(scales);
  const first = prepareCase(ct, { lung: lungMask, options: preprocessing, zoom: scales[0] });
  // the other zooms read the intensities as the first did: the scale is detected (when 'auto') once
  const declared: PreprocessingOptions = { ...preprocessing, intensityScale: first.transform.intensityScale };
  const views = [first, ...scales.slice(1).map((zoom) => prepareCase(ct, { lung: lungMask, options: declared, zoom }))];
  const sliding = {
    patchSize,
    overlap,
    batchSize,
    flipTta: options.flipTta ?? settings.flipTta ?? SLIDING_DEFAULTS.flipTta,
    sigmaScale: options.sigmaScale ?? settings.sigmaScale ?? SLIDING_DEFAULTS.sigmaScale,
    blending: options.blending ?? settings.blending ?? SLIDING_DEFAULTS.blending,
    ...(options.skipAirWindows ?? settings.skipAirWindows ?? defaultInferenceSettings.skipAirWindows ? airBelow(first.transform.intensityScale, preprocessing) : {}),
  };
  const origins = views.map((view) => windowOrigins(view.image, sliding));
  // progress over the windows of every zoom
  const total = origins.reduce((n, o) => n + o.length, 0);
  let before = 0;
  let sum: Float32Array | undefined;
  for (const [k, view] of views.entries()) {
    const offset = before;
    const onPatch = options.onProgress && ((done: number) => options.onProgress!(offset + done, total));
    const values = await slidingWindowProbability(predictor, view.image, { ...sliding, origins: origins[k], ...(onPatch ? { onPatch } : {}) });
    before += origins[k].length;
    const restored = restoreToInput(withData(view.image, values), view.transform).data;
    if (!sum) sum = restored;
    else for (let i = 0; i < sum.length; i++) sum[i] += restored[i];
  }
  if (views.length > 1) for (let i = 0; i < sum!.length; i++) sum![i] /= views.length;
  const probability = withData(ct, sum!);
  const p = probability.data;
  if (lungMask) {
    const lung = lungMask.data;
    for (let i = 0; i < p.length; i++) if (!(Number(lung[i]) > 0)) p[i] = 0;
  }
  const mask = maskFromProbability(probability, { threshold, minComponentSize: options.minComponentSize ?? settings.minComponentSize ?? 0 });
  return { probability, mask: withData(ct, mask.data), ...(lungMask ? { lungs: lungMask } : {}), precision: predictor.precision ?? 'fp32' };
}

/** Checks the zoom factors of `scaleTta`: a non-empty list of finite positive numbers. */
function checkScaleTta(scales: unknown): void {
  if (!Array.isArray(scales) || scales.length === 0 || !scales.every((s: unknown) => typeof s === 'number' && Number.isFinite(s) && s > 0)) {
    throw new InvalidArgumentError(`predictVolume: scaleTta must be a non-empty list of positive zoom factors, received ${JSON.stringify(scales)}`);
  }
}

/** Options of {@link maskFromProbability}. */
export interface MaskFromProbabilityOptions {
  /** Probabilities at or above this value are foreground. @defaultValue 0.5 */
  threshold?: number;
  /** Remove connected foreground components (26-connectivity) smaller than this many voxels. @defaultValue 0 (keep all) */
  minComponentSize?: number;
}

/**
 * The binary mask of a probability map, as {@link predictVolume} makes it: 1 where `p >= threshold`, then the
 * 26-connected components smaller than `minComponentSize` voxels removed. `raunet evaluate --thresholds` uses it
 * to choose a model's threshold and minimum size from out-of-fold probability maps.
 *
 * @example
 * ```ts
 * const mask = maskFromProbability(probability, { threshold: 0.4, minComponentSize: 50 });
 * ```
 */
export function maskFromProbability(probability: Volume, options: MaskFromProbabilityOptions = {}): Volume<Uint8Array> {
  const threshold = options.threshold ?? SLIDING_DEFAULTS.threshold;
  const minComponentSize = options.minComponentSize ?? 0;
  if (!(threshold >= 0 && threshold <= 1)) throw new InvalidArgumentError(`maskFromProbability: threshold must be in [0, 1], received ${threshold}`);
  if (!(Number.isInteger(minComponentSize) && minComponentSize >= 0)) {
    throw new InvalidArgumentError(`maskFromProbability: minComponentSize must be an integer >= 0, received ${minComponentSize}`);
  }
  let mask: Uint8Array<ArrayBuffer> = thresholdProbability(probability.data as ArrayLike<number>, threshold);
  if (minComponentSize > 1) mask = removeSmallComponents(mask, probability.dims, minComponentSize);
  return withData(probability, mask);
}
