import * as tf from '@tensorflow/tfjs';
import { FileAccessError } from '@raunet/core';
import { assembleEnsemble, ENSEMBLE_JSON, parseEnsembleManifest, type LoadedPredictor, type LoadPredictorOptions } from './ensemble.js';
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
 * const model = await loadModelFromUrl('/models/my-model/model.json'); // one network's folder (an ensemble: loadPredictorFromUrl)
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

/** Options of {@link loadPredictorFromUrl}: how files are fetched, and how an ensemble's members run. */
export interface LoadPredictorFromUrlOptions extends LoadModelFromUrlOptions, LoadPredictorOptions {}

/**
 * Loads what `predictVolume` runs over HTTP, the browser twin of `loadPredictor`: a `model.json` URL loads
 * one model ({@link loadModelFromUrl}); an `ensemble.json` URL (an ensemble folder served as files, e.g.
 * `shippedModelUrl` of `@raunet/models` for an ensemble) loads each member's `<member>/model.json` beside
 * it and averages them ({@link ensemblePatchPredictor}). Works in browsers and workers.
 *
 * @param url - URL of a `model.json` or an `ensemble.json` (absolute, or relative to the page).
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming the URL that cannot be fetched or is not a
 * model or an ensemble manifest.
 * @example
 * ```ts
 * const { model, dispose } = await loadPredictorFromUrl('/models/covid-semiseg/ensemble.json');
 * const { mask } = await predictVolume(model, decodeNifti(bytes));
 * dispose();
 * ```
 */
export async function loadPredictorFromUrl(url: string | URL, options: LoadPredictorFromUrlOptions = {}): Promise<LoadedPredictor> {
  const href = url.toString();
  const path = href.split(/[?#]/)[0];
  if (path !== ENSEMBLE_JSON && !path.endsWith(`/${ENSEMBLE_JSON}`)) {
    const model = await loadModelFromUrl(href, options);
    return { model, members: 1, dispose: () => model.dispose() };
  }
  let json: unknown;
  try {
    const response = await (options.fetchFunc ?? fetch)(href);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    json = await response.json();
  } catch (error) {
    throw new FileAccessError(`cannot fetch an ensemble manifest: ${(error as Error).message}`, { file: href, cause: error });
  }
  const manifest = parseEnsembleManifest(json, href);
  const base = path.slice(0, path.lastIndexOf('/') + 1);
  const n = manifest.members.length;
  const { onProgress } = options;
  return assembleEnsemble(
    manifest,
    (member, i) =>
      loadModelFromUrl(`${base}${member.replace(/[\\/]+$/, '')}/model.json`, {
        ...(options.fetchFunc ? { fetchFunc: options.fetchFunc } : {}),
        ...(onProgress ? { onProgress: (f: number) => onProgress((i + f) / n) } : {}),
      }),
    options,
  );
}
