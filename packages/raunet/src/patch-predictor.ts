import * as tf from '@tensorflow/tfjs';
import { batchTensor, modelPatchSize } from './internal/bridge.js';
import { getModelInfo, type RAUnetModelInfo } from './model-info.js';

/**
 * What sliding-window prediction ({@link predictVolume}) needs of a network: its patch size, its stored
 * settings, and a function that runs a batch of patches. The tfjs model ({@link tfjsPatchPredictor}) is
 * one; an ONNX Runtime session (`createOnnxPatchPredictor` of `@raunet/onnx/node`) is another. Windowing,
 * flip TTA, blending and stitching are shared, so both give the same result up to float rounding.
 */
export interface PatchPredictor {
  /** Patch size (x, y, z) in voxels. */
  readonly patchSize: [number, number, number];
  /** The model's stored preprocessing and inference settings, when it has them. */
  readonly info?: RAUnetModelInfo;
  /**
   * Runs `count` one-channel patches, `[count, z, y, x]` x fastest (as a tfjs `[count, z, y, x, 1]` NDHWC
   * batch), and resolves to the probabilities `[count, z, y, x, classes]`, classes fastest (NDHWC).
   */
  predictPatches(patches: Float32Array, count: number): Promise<Float32Array>;
}

/** True when `value` is a {@link PatchPredictor} (rather than a `tf.LayersModel`). */
export function isPatchPredictor(value: unknown): value is PatchPredictor {
  return typeof value === 'object' && value !== null && typeof (value as PatchPredictor).predictPatches === 'function';
}

/**
 * The {@link PatchPredictor} of a tfjs model on the active tfjs backend: one `model.predict` per batch,
 * every tensor disposed.
 *
 * @example
 * ```ts
 * const predictor = tfjsPatchPredictor(await loadModel('runs/exp1/best'));
 * const probabilities = await predictor.predictPatches(patches, 2);
 * ```
 */
export function tfjsPatchPredictor(model: tf.LayersModel): PatchPredictor {
  const patchSize = modelPatchSize(model);
  const info = getModelInfo(model);
  return {
    patchSize,
    ...(info ? { info } : {}),
    async predictPatches(patches: Float32Array, count: number): Promise<Float32Array> {
      const y = tf.tidy(() => model.predict(batchTensor(patches, count, patchSize)) as tf.Tensor);
      try {
        return (await y.data()) as Float32Array;
      } finally {
        y.dispose();
      }
    },
  };
}
