import type * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '@raunet/core/node';
import { isEnsembleDir, loadModel, readEnsembleManifest } from '@raunet/raunet';
import { exportOnnx, type ExportOnnxOptions, type ExportOnnxResult } from './export-onnx.js';

/**
 * Exports a model, or an ensemble's members into one graph, with {@link exportOnnx} and writes the `.onnx`
 * file atomically (a temporary name renamed over `path`, so a failed export leaves no half-written file).
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

/**
 * Exports a saved model folder (model.json + weights.bin, `loadModel`) with {@link exportOnnx}, in memory;
 * an ensemble folder (`raunet ensemble`, or a shipped ensemble) becomes one graph of all its members with
 * the ensemble's own inference settings from its `ensemble.json` (`options.inference`, when given, wins).
 * The tfjs models are loaded on the current backend and disposed before it returns.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} when the folder or a member does not load or
 * the ensemble manifest is invalid; what {@link exportOnnx} throws.
 * @example
 * ```ts
 * const { bytes, members } = await exportOnnxDir(shippedModelDir('covid-semiseg')); // members === 2
 * await writeFile('covid-semiseg.onnx', bytes);
 * ```
 */
export async function exportOnnxDir(dir: string, options: ExportOnnxOptions = {}): Promise<ExportOnnxResult> {
  const manifest = (await isEnsembleDir(dir)) ? await readEnsembleManifest(dir) : undefined;
  const inference = manifest?.inference || options.inference ? { ...manifest?.inference, ...options.inference } : undefined;
  const models: tf.LayersModel[] = [];
  try {
    for (const memberDir of manifest?.memberDirs ?? [dir]) models.push(await loadModel(memberDir));
    return exportOnnx(models, { ...options, ...(inference ? { inference } : {}) });
  } finally {
    for (const m of models) m.dispose();
  }
}
