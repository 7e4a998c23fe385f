import type * as tf from '@tensorflow/tfjs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileAccessError, InvalidArgumentError } from '@raunet/core';
import { replaceDirAtomic } from '@raunet/core/node';
import { assembleEnsemble, ENSEMBLE_JSON, ensemblePatchPredictor, parseEnsembleManifest, type EnsembleManifest, type LoadPredictorOptions, type LoadedPredictor } from './ensemble.js';
import { loadModel, saveModel, type SaveModelOptions } from './model-io.js';
import type { InferenceSettings } from './model-info.js';
import { tfjsPatchPredictor } from './patch-predictor.js';

/** True when `dir` holds an {@link ENSEMBLE_JSON} (an ensemble folder rather than one model's). */
export async function isEnsembleDir(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, ENSEMBLE_JSON))).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads and checks the {@link EnsembleManifest} of an ensemble folder; `memberDirs` are the members'
 * folders as paths (joined to `dir`).
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming ensemble.json when it is missing, not JSON, or not
 * an ensemble manifest (wrong format, no members, a member outside the folder).
 */
export async function readEnsembleManifest(dir: string): Promise<EnsembleManifest & { memberDirs: string[] }> {
  const file = join(dir, ENSEMBLE_JSON);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new FileAccessError(`cannot read an ensemble manifest: ${(error as Error).message}`, { file, cause: error });
  }
  const manifest = parseEnsembleManifest(json, file);
  return { ...manifest, memberDirs: manifest.members.map((m) => join(dir, m)) };
}

/**
 * The folders of the networks a model folder holds: the folder itself for one network, or the member folders
 * of an ensemble folder (read and checked by {@link readEnsembleManifest}). Each loads with `loadModel`.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} for an ensemble folder whose ensemble.json is not a
 * valid manifest.
 * @example
 * ```ts
 * const networks = await networkDirs('runs/ensemble'); // ['runs/ensemble/member-0', 'runs/ensemble/member-1']
 * const first = await loadModel(networks[0]);
 * ```
 */
export async function networkDirs(dir: string): Promise<string[]> {
  return (await isEnsembleDir(dir)) ? (await readEnsembleManifest(dir)).memberDirs : [dir];
}

/** Options of {@link saveEnsemble}. */
export interface SaveEnsembleOptions {
  /** How the members' weights are stored (see {@link SaveModelOptions.weightDtype}). @defaultValue `'float32'` */
  weightDtype?: SaveModelOptions['weightDtype'];
  /** Inference settings of the ensemble, stored in ensemble.json over the first member's. */
  inference?: InferenceSettings;
}

/**
 * Writes an ensemble folder: each model folder of `memberDirs` saved again as `member-0`, `member-1`, ...
 * (optionally with float16 weights), and an {@link EnsembleManifest}. The members are checked first (same
 * patch size and preprocessing, see {@link ensemblePatchPredictor}); the folder is written under a
 * temporary name and renamed, so it is whole or absent. `raunet predict --model DIR` and
 * {@link loadPredictor} read it.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} for a member folder that does not load, and
 * {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for members that cannot be averaged.
 * @example
 * ```ts
 * await saveEnsemble('runs/ensemble', [0, 1, 2, 3, 4].map((i) => `runs/fold-${i}/model`), { weightDtype: 'float16' });
 * ```
 */
export async function saveEnsemble(dir: string, memberDirs: readonly string[], options: SaveEnsembleOptions = {}): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('saveEnsemble: dir must be a non-empty path');
  if (!memberDirs?.length) throw new InvalidArgumentError('saveEnsemble: memberDirs must list at least one model folder');
  const models: tf.LayersModel[] = [];
  try {
    for (const d of memberDirs) models.push(await loadModel(d));
    // checks that the members can be averaged, naming the first that cannot
    ensemblePatchPredictor(
      models.map((m) => tfjsPatchPredictor(m, { precision: 'fp32' })),
      options.inference ? { inference: options.inference } : {},
    );
    const members = models.map((_, i) => `member-${i}`);
    const manifest: EnsembleManifest = { format: 'raunet-ensemble', version: 1, members, ...(options.inference ? { inference: options.inference } : {}) };
    await replaceDirAtomic(dir, async (tmp) => {
      for (let i = 0; i < models.length; i++) await saveModel(models[i], join(tmp, members[i]), { weightDtype: options.weightDtype ?? 'float32' });
      await writeFile(join(tmp, ENSEMBLE_JSON), JSON.stringify(manifest, null, 2) + '\n');
    });
  } finally {
    for (const m of models) m.dispose();
  }
}

/**
 * Loads what `predictVolume` runs from a folder: a model folder ({@link loadModel}) or an ensemble folder
 * ({@link saveEnsemble}; its members averaged by {@link ensemblePatchPredictor}).
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming the file that is missing or unreadable.
 * @example
 * ```ts
 * const { model, dispose } = await loadPredictor('runs/ensemble');
 * const { mask } = await predictVolume(model, ct);
 * dispose();
 * ```
 */
export async function loadPredictor(dir: string, options: LoadPredictorOptions = {}): Promise<LoadedPredictor> {
  if (!(await isEnsembleDir(dir))) {
    const model = await loadModel(dir);
    return { model, members: 1, dispose: () => model.dispose() };
  }
  const manifest = await readEnsembleManifest(dir);
  return assembleEnsemble(manifest, (_, i) => loadModel(manifest.memberDirs[i]), options);
}
