import type * as tf from '@tensorflow/tfjs';
import { FileAccessError, InvalidArgumentError, type Precision } from '@raunet/core';
import type { InferenceSettings, RAUnetModelInfo } from './model-info.js';
import { tfjsPatchPredictor, type PatchPredictor } from './patch-predictor.js';

/** The file that makes a folder an ensemble of models (see {@link EnsembleManifest}). */
export const ENSEMBLE_JSON = 'ensemble.json';

/**
 * `ensemble.json`: a folder of several trained models (one sub-folder each, model.json + weights.bin)
 * whose probabilities are averaged at prediction, e.g. the five folds of a cross-validation.
 */
export interface EnsembleManifest {
  /** Always `'raunet-ensemble'`. */
  format: 'raunet-ensemble';
  /** Version of this layout: 1. */
  version: 1;
  /** The members' folders, relative to the ensemble folder. */
  members: string[];
  /** Inference settings of the ensemble, over the first member's (e.g. a threshold chosen for the mean). */
  inference?: InferenceSettings;
}

/**
 * Checks a parsed `ensemble.json` and returns it typed. Works without Node built-ins (the browser entry
 * reads ensembles over HTTP with it).
 *
 * @param json - The parsed file.
 * @param file - Path or URL of the file, named in the errors.
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming `file` when it is not an ensemble manifest (wrong
 * format or version, no members, a member outside the ensemble folder).
 * @example
 * ```ts
 * const manifest = parseEnsembleManifest(await (await fetch(url)).json(), url);
 * ```
 */
export function parseEnsembleManifest(json: unknown, file: string): EnsembleManifest {
  const m = json as Partial<EnsembleManifest> | null;
  if (m === null || typeof m !== 'object' || m.format !== 'raunet-ensemble')
    throw new FileAccessError('not an ensemble manifest: "format" must be "raunet-ensemble"', { file });
  if (m.version !== 1) throw new FileAccessError(`ensemble manifest version ${String(m.version)} is not supported (this version reads 1)`, { file });
  const members: unknown = m.members;
  if (!Array.isArray(members) || members.length === 0) throw new FileAccessError('the ensemble manifest lists no members', { file });
  for (const member of members as unknown[]) {
    // relative, and never climbing out: '/a', 'C:\\a' and any '..' step are refused
    if (typeof member !== 'string' || member.length === 0 || /^([\\/]|[A-Za-z]:)/.test(member) || member.split(/[\\/]/).includes('..'))
      throw new FileAccessError(`ensemble member ${JSON.stringify(member)} is not a folder inside the ensemble folder`, { file });
  }
  return { format: 'raunet-ensemble', version: 1, members: members as string[], ...(m.inference ? { inference: m.inference } : {}) };
}

/** What `loadPredictor` (Node, from a folder) and {@link loadPredictorFromUrl} (over HTTP) loaded. */
export interface LoadedPredictor {
  /** The model (one model folder) or the ensemble's averaging predictor, for `predictVolume`. */
  model: tf.LayersModel | PatchPredictor;
  /** Models loaded: 1 for a model folder, the members of an ensemble. */
  members: number;
  /** Frees every loaded model. */
  dispose(): void;
}

/** Options of `loadPredictor` and {@link loadPredictorFromUrl}: how an ensemble's members run. */
export interface LoadPredictorOptions {
  /** Precision of an ensemble's members (see `tfjsPatchPredictor`); a single model takes it from `predictVolume`. @defaultValue each member's */
  precision?: Precision;
  /** Receives the warning of a bf16 request that runs float32. @defaultValue `console.warn`, once per process */
  onWarning?: (message: string) => void;
}

/**
 * Loads an ensemble's members one after the other with `load` and averages them; on any failure the
 * members loaded so far are freed. The one home of ensemble assembly for the folder and URL loaders.
 *
 * @internal
 */
export async function assembleEnsemble(
  manifest: EnsembleManifest,
  load: (member: string, index: number) => Promise<tf.LayersModel>,
  options: LoadPredictorOptions,
): Promise<LoadedPredictor> {
  const models: tf.LayersModel[] = [];
  const dispose = (): void => models.forEach((m) => m.dispose());
  try {
    for (const [i, member] of manifest.members.entries()) models.push(await load(member, i));
    const predictor = ensemblePatchPredictor(
      models.map((m) => tfjsPatchPredictor(m, { ...(options.precision ? { precision: options.precision } : {}), ...(options.onWarning ? { onWarning: options.onWarning } : {}) })),
      manifest.inference ? { inference: manifest.inference } : {},
    );
    return { model: predictor, members: models.length, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

/** Options of {@link ensemblePatchPredictor}. */
export interface EnsemblePatchPredictorOptions {
  /**
   * Inference settings of the ensemble (e.g. the threshold chosen on the ensemble's own cross-validation);
   * fields given here replace the first member's, the others stay as the first member stores them.
   * @defaultValue the first member's
   */
  inference?: InferenceSettings;
}

/** A stable text of a JSON value with sorted object keys, to compare stored settings. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/**
 * One {@link PatchPredictor} of several trained models: each batch of patches runs through every member
 * and the probabilities are averaged, as nnU-Net averages the softmax of its five cross-validation folds.
 * Averaging per patch is the same as averaging the members' whole-volume probability maps, because the
 * sliding-window blending is linear; the threshold and post-processing then apply once, to the mean.
 *
 * The members must agree on what `predictVolume` does around them: the same patch size and the same
 * stored preprocessing (intensity scale, window, spacing...), else the average would mix differently
 * prepared inputs. Their inference settings come from the first member, or from `options.inference`.
 * The ensemble runs at `'bf16'` only when every member does.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for no members, members that differ in patch
 * size or preprocessing (naming the first that differs), or `options.inference` for members without RA-Unet metadata.
 * @example
 * ```ts
 * const folds = await Promise.all([0, 1, 2, 3, 4].map((i) => loadModel(`runs/fold-${i}/model`)));
 * const ensemble = ensemblePatchPredictor(folds.map((m) => tfjsPatchPredictor(m)));
 * const { mask } = await predictVolume(ensemble, ct);
 * ```
 */
export function ensemblePatchPredictor(members: readonly PatchPredictor[], options: EnsemblePatchPredictorOptions = {}): PatchPredictor {
  if (!members?.length) throw new InvalidArgumentError('ensemblePatchPredictor: members must hold at least one predictor');
  const first = members[0];
  const [px, py, pz] = first.patchSize;
  members.forEach((m, i) => {
    if (m.patchSize.some((v: number, a: number) => v !== first.patchSize[a]))
      throw new InvalidArgumentError(
        `ensemblePatchPredictor: member ${i} has patch ${m.patchSize.join('x')}, member 0 ${px}x${py}x${pz}: the members of an ensemble must share their patch size`,
      );
    const a = canonical(first.info?.preprocessing ?? null);
    const b = canonical(m.info?.preprocessing ?? null);
    if (a !== b)
      throw new InvalidArgumentError(
        `ensemblePatchPredictor: member ${i} stores the preprocessing ${b}, member 0 ${a}: the members of an ensemble must be trained with the same preprocessing`,
      );
  });
  const precision: Precision = members.every((m) => m.precision === 'bf16') ? 'bf16' : 'fp32';
  let info: RAUnetModelInfo | undefined = first.info;
  if (options.inference) {
    if (!info)
      throw new InvalidArgumentError(
        'ensemblePatchPredictor: options.inference needs members with RA-Unet metadata; for foreign models pass the settings to predictVolume',
      );
    info = { ...info, inference: { ...info.inference, ...options.inference } };
  }
  const scale = 1 / members.length;
  return {
    patchSize: [px, py, pz],
    precision,
    ...(info ? { info } : {}),
    async predictPatches(patches: Float32Array, count: number): Promise<Float32Array> {
      let sum: Float32Array | undefined;
      for (const m of members) {
        const p = await m.predictPatches(patches, count);
        if (!sum) sum = Float32Array.from(p);
        else {
          if (p.length !== sum.length)
            throw new InvalidArgumentError(
              `ensemblePatchPredictor: the members return ${sum.length} and ${p.length} values for the same ${count} patches (different output classes)`,
            );
          for (let i = 0; i < p.length; i++) sum[i] += p[i];
        }
      }
      if (members.length > 1) for (let i = 0; i < sum!.length; i++) sum![i] *= scale;
      return sum!;
    },
  };
}
