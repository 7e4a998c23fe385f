/**
 * Arithmetic precision of a model's forward pass at inference: `'fp32'` (float32 throughout) or `'bf16'`
 * (convolution and matrix-product inputs rounded to bfloat16, products accumulated and outputs kept in
 * float32). bf16 runs only where a native bf16 path exists (`@raunet/cpu-kernels` on a CPU with
 * AVX512_BF16); elsewhere a request for it runs fp32.
 */
export type Precision = 'fp32' | 'bf16';

/** The values of {@link Precision}, for validation and command-line choices. */
export const PRECISIONS: readonly Precision[] = Object.freeze(['fp32', 'bf16'] as const);

/**
 * Names of the two tfjs environment flags (`tf.env()`) through which a predictor asks for bf16 and native
 * kernels offer it, so that neither package imports the other:
 * - `inferenceBf16` (`RAUNET_INFERENCE_BF16`, boolean, default false): set by `predictVolume` /
 *   `tfjsPatchPredictor` of `@raunet/raunet` around their own model calls only; while true, the native
 *   forward convolution and plain 2-D matrix products of `@raunet/cpu-kernels` run in bf16. Gradients
 *   never do.
 * - `nativeBf16` (`RAUNET_NATIVE_BF16`, boolean): true while `@raunet/cpu-kernels`' native kernels are
 *   registered on a CPU with native bf16 arithmetic; a predictor reads it to know whether bf16 will apply.
 *
 * Both are registered by `registerNativeKernels()` of `@raunet/cpu-kernels`; when they are not, no bf16
 * path exists.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { PRECISION_FLAGS } from '@raunet/core';
 *
 * const available = tf.env().getFlags()[PRECISION_FLAGS.nativeBf16] === true;
 * ```
 */
export const PRECISION_FLAGS = Object.freeze({
  inferenceBf16: 'RAUNET_INFERENCE_BF16',
  nativeBf16: 'RAUNET_NATIVE_BF16',
} as const);
