import { InvalidArgumentError, type Precision } from '@raunet/core';
import type { InferenceSettings, RAUnetModelInfo } from './model-info.js';
import type { PatchPredictor } from './patch-predictor.js';

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
