import * as tf from '@tensorflow/tfjs';
import { fusedOpsEnabled } from './fused-batch-norm.js';
import type { NormParams, NormWeights } from './norm.js';
import { applyNorm, batchNormInferenceOf, batchNormTrainingOf } from './norm.js';

/**
 * `relu(norm(x) + residual)` (`relu(norm(x))` when `residual` is null), the tail of the residual and RA
 * blocks. Training-mode batch norm runs as one fused autodiff node with the add and the ReLU (see
 * fused-batch-norm.ts), inference-mode batch norm as one `channelAffine` pass; the other cases run
 * {@link applyNorm}, then the add and the ReLU.
 */
export function applyNormRelu(x: tf.Tensor, w: NormWeights, params: NormParams, training: boolean, residual: tf.Tensor | null = null): tf.Tensor {
  if (w.kind === 'batch' && training && fusedOpsEnabled()) return batchNormTrainingOf(x, w, params, residual, true);
  if (w.kind === 'batch' && !training) return batchNormInferenceOf(x, w, params, residual, true);
  const y = applyNorm(x, w, params, training);
  return tf.relu(residual ? tf.add(y, residual) : y);
}
