import * as tf from '@tensorflow/tfjs';
import { FileAccessError } from '@raunet/core';
import '@raunet/layers-3d';

/** Options of {@link loadModelFromUrl}. */
export interface LoadModelFromUrlOptions {
  /** Called with the fraction (0..1) of the model's files fetched so far. @defaultValue undefined */
  onProgress?: (fraction: number) => void;
  /** The `fetch` used for `model.json` and its weight files. @defaultValue the global `fetch` */
  fetchFunc?: typeof fetch;
}

/**
 * Loads a tfjs layers model (a {@link saveModel} folder, or `shippedModelUrl` of `@raunet/models`) over
 * HTTP: `model.json` at `url` and its weight files beside it. Works in browsers and workers (no Node
 * built-ins); importing this package registers the custom layers of `@raunet/layers-3d`.
 *
 * @param url - URL of the `model.json` (absolute, or relative to the page).
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming the URL when the files cannot be
 * fetched or are not a tfjs layers model.
 * @example
 * ```ts
 * const model = await loadModelFromUrl('/models/lidc-nodules/model.json');
 * const { mask } = await predictVolume(model, decodeNifti(bytes));
 * ```
 */
export async function loadModelFromUrl(url: string | URL, options: LoadModelFromUrlOptions = {}): Promise<tf.LayersModel> {
  const href = url.toString();
  try {
    return await tf.loadLayersModel(href, {
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.fetchFunc ? { fetchFunc: options.fetchFunc } : {}),
    });
  } catch (error) {
    throw new FileAccessError(`cannot load a tfjs layers model: ${(error as Error).message}`, { file: href, cause: error });
  }
}
