import * as tf from '@tensorflow/tfjs';
import type { Precision } from '@raunet/core';
import { batchTensor, modelPatchSize } from './internal/bridge.js';
import { bf16FallbackMessage, checkPrecision, nativeBf16Available, runInBf16, warnOnce } from './internal/precision.js';
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
   * Arithmetic precision its model calls run at (see {@link @raunet/core!Precision | Precision}); float32
   * when absent. Only {@link tfjsPatchPredictor} on `@raunet/cpu-kernels`' native kernels runs `'bf16'`.
   */
  readonly precision?: Precision;
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

/** Options of {@link tfjsPatchPredictor}. */
export interface TfjsPatchPredictorOptions {
  /**
   * Arithmetic precision of the model calls. `'bf16'` rounds the inputs of the forward convolutions and of
   * the 2-D matrix products (1x1x1 convolutions, projections) to bfloat16 and accumulates in float32, about
   * twice the speed on a CPU with AVX512_BF16; it needs `@raunet/cpu-kernels`' native kernels
   * (`registerNativeKernels()`) on the `cpu` backend. Where they are missing (JS kernels, wasm, WebGL, a
   * CPU without AVX512_BF16) the calls run float32 and a warning says so once. The request is a tfjs flag
   * set only during this predictor's own model calls and restored after, so other computations (training,
   * other models) never see it.
   * @defaultValue the model's {@link InferenceSettings.precision}, else `'fp32'`
   */
  precision?: Precision;
  /**
   * Receives the warning of a bf16 request that runs float32.
   * @defaultValue `console.warn`, once per process per message
   */
  onWarning?: (message: string) => void;
}

/**
 * The {@link PatchPredictor} of a tfjs model on the active tfjs backend: one `model.predict` per batch,
 * every tensor disposed, in float32 or (where `@raunet/cpu-kernels` provides it) bf16.
 *
 * @example
 * ```ts
 * const predictor = tfjsPatchPredictor(await loadModel('runs/exp1/best'), { precision: 'bf16' });
 * const probabilities = await predictor.predictPatches(patches, 2);
 * predictor.precision; // 'bf16' with the native kernels on an AVX512_BF16 CPU, else 'fp32'
 * ```
 */
export function tfjsPatchPredictor(model: tf.LayersModel, options: TfjsPatchPredictorOptions = {}): PatchPredictor {
  const patchSize = modelPatchSize(model);
  const info = getModelInfo(model);
  const requested = checkPrecision(options.precision ?? info?.inference?.precision ?? 'fp32', 'tfjsPatchPredictor: precision');
  let precision: Precision = 'fp32';
  if (requested === 'bf16') {
    if (nativeBf16Available()) precision = 'bf16';
    else {
      const why =
        tf.getBackend() === 'cpu'
          ? 'no native bf16 kernels are registered (registerNativeKernels() of @raunet/cpu-kernels, on a CPU with AVX512_BF16)'
          : `the '${tf.getBackend()}' backend has no bf16 path (only the cpu backend with @raunet/cpu-kernels)`;
      warnOnce(bf16FallbackMessage(why), options.onWarning);
    }
  }
  const call = (patches: Float32Array, count: number) =>
    tf.tidy(() => model.predict(batchTensor(patches, count, patchSize)) as tf.Tensor);
  return {
    patchSize,
    precision,
    ...(info ? { info } : {}),
    async predictPatches(patches: Float32Array, count: number): Promise<Float32Array> {
      // the cpu backend's kernels run inside model.predict, so the flag is on for exactly this call
      const y = precision === 'bf16' ? runInBf16(() => call(patches, count)) : call(patches, count);
      try {
        return (await y.data()) as Float32Array;
      } finally {
        y.dispose();
      }
    },
  };
}
