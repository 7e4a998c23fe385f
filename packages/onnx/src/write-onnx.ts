import type * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '@raunet/core/node';
import { exportOnnx, type ExportOnnxOptions, type ExportOnnxResult } from './export-onnx.js';

/**
 * Exports a model, or an ensemble's members into one graph, with {@link exportOnnx} and writes the `.onnx` file atomically (a temporary name renamed
 * over `path`, so a failed export leaves no half-written file).
 *
 * @example
 * ```ts
 * const { opCounts } = await writeOnnx('model.onnx', await loadModel('runs/exp1/best'));
 * ```
 */
export async function writeOnnx(path: string, model: tf.LayersModel | readonly tf.LayersModel[], options: ExportOnnxOptions = {}): Promise<ExportOnnxResult> {
  const result = exportOnnx(model, options);
  await writeFileAtomic(path, result.bytes);
  return result;
}
