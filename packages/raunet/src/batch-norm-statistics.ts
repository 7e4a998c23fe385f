import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, UnsupportedError } from '@raunet/core';
import { getModelInfo } from './model-info.js';

/** Options of {@link recalibrateBatchNorm}. */
export interface RecalibrateBatchNormOptions {
  /**
   * Moving-average momentum of the model's batch-norm layers (Keras convention), needed to read a batch's
   * statistics back from the moving ones. @defaultValue the model's `normMomentum` when it was built by
   * this package, else the one `momentum` all its layers' configs agree on
   */
  momentum?: number;
}

/** Result of {@link recalibrateBatchNorm}. */
export interface RecalibrateBatchNormResult {
  /** Batch-norm layers (moving mean and variance pairs) recalibrated; 0 when the model has none. */
  layers: number;
  /** Batches the statistics were computed from. */
  batches: number;
}

interface MovingPair {
  mean: tf.LayerVariable;
  variance: tf.LayerVariable;
}

/** The model's batch-norm moving statistics, paired by weight-name prefix (`<prefix>moving_mean`, `<prefix>moving_variance`). */
function movingPairs(model: tf.LayersModel): MovingPair[] {
  const byPrefix = new Map<string, Partial<MovingPair>>();
  for (const w of model.weights) {
    const m = /^(.*)moving_(mean|variance)(_\d+)?$/.exec(w.originalName);
    if (!m) continue;
    const key = `${m[1]}|${m[3] ?? ''}`;
    const pair = byPrefix.get(key) ?? {};
    pair[m[2] === 'mean' ? 'mean' : 'variance'] = w;
    byPrefix.set(key, pair);
  }
  const pairs: MovingPair[] = [];
  for (const [key, p] of byPrefix) {
    if (!p.mean || !p.variance)
      throw new UnsupportedError(
        `recalibrateBatchNorm: moving mean or variance missing for '${key.split('|')[0]}'`,
      );
    pairs.push(p as MovingPair);
  }
  return pairs;
}

function modelMomentum(model: tf.LayersModel): number {
  const info = getModelInfo(model);
  if (info) return info.config.normMomentum;
  const found = new Set<number>();
  for (const layer of model.layers) {
    const m = (layer.getConfig() as { momentum?: unknown }).momentum;
    if (typeof m === 'number') found.add(m);
  }
  if (found.size !== 1) {
    throw new InvalidArgumentError(
      `recalibrateBatchNorm: cannot tell the batch-norm momentum from the model (${found.size === 0 ? 'no layer states one' : `layers state ${[...found].join(', ')}`}); pass options.momentum`,
    );
  }
  return [...found][0];
}

/**
 * Replaces the moving mean and variance of every batch-norm layer of `model` by the population statistics of
 * `batches` ("precise BN", Wu and Johnson 2021): each batch is run forward in training mode, its per-layer
 * batch mean and variance are read back, and the moving statistics become their average: the mean of the
 * batch means, and the mean of the batch variances plus the (biased) variance of the batch means. The batch
 * variances are what the layers feed their moving variance: unbiased (n / (n - 1), n = values per channel)
 * for `@raunet/layers-3d` and PyTorch, so the result is the unbiased pooled variance up to a relative
 * O(1 / n) (exact for one batch); biased for tfjs-layers' own BatchNormalization. No trainable weight changes.
 *
 * Why: with small batches and a fast-moving network the exponential moving averages lag and wobble, and
 * inference (which uses them) then differs from training (which used batch statistics). Recalibrating on
 * patches drawn the way inference sees them (uniformly, no augmentation) removes that gap.
 *
 * Works for models whose batch-norm layers update their moving statistics as Keras and `@raunet/layers-3d`
 * do (`moving = moving * momentum + batch * (1 - momentum)`), nested ones included. The model must not use
 * dropout or other training-only randomness. A model without batch norm is left as it is.
 *
 * @param batches input tensors `[b, D, H, W, C]`; not disposed.
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when no batch is given or the
 * momentum cannot be told; {@link @raunet/core!UnsupportedError | UnsupportedError} for an unpaired moving statistic.
 * @example
 * ```ts
 * recalibrateBatchNorm(model, [patchesA, patchesB, patchesC]); // then model.predict(...)
 * ```
 */
export function recalibrateBatchNorm(
  model: tf.LayersModel,
  batches: Iterable<tf.Tensor>,
  options: RecalibrateBatchNormOptions = {},
): RecalibrateBatchNormResult {
  const pairs = movingPairs(model);
  if (pairs.length === 0) return { layers: 0, batches: 0 };
  const momentum = options.momentum ?? modelMomentum(model);
  if (!(momentum >= 0 && momentum < 1))
    throw new InvalidArgumentError(`recalibrateBatchNorm: momentum must be in [0, 1), received ${momentum}`);
  const keep = 1 - momentum;
  const sums = pairs.map((p) => {
    const channels = p.mean.read().size;
    return { mean: new Float64Array(channels), square: new Float64Array(channels) };
  });
  let n = 0;
  for (const x of batches) {
    // zero the moving statistics, so that after one training-mode pass they hold batch * (1 - momentum)
    for (const p of pairs) {
      tf.tidy(() => {
        p.mean.write(tf.zerosLike(p.mean.read()));
        p.variance.write(tf.zerosLike(p.variance.read()));
      });
    }
    tf.tidy(() => {
      const y = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
      (Array.isArray(y) ? y : [y]).forEach((t) => t.dataSync());
    });
    pairs.forEach((p, i) => {
      const mean = p.mean.read().dataSync();
      const variance = p.variance.read().dataSync();
      const s = sums[i];
      for (let c = 0; c < mean.length; c++) {
        const m = mean[c] / keep;
        s.mean[c] += m;
        s.square[c] += variance[c] / keep + m * m;
      }
    });
    n++;
  }
  if (n === 0) throw new InvalidArgumentError('recalibrateBatchNorm: at least one batch is needed');
  pairs.forEach((p, i) => {
    const s = sums[i];
    const mean = new Float32Array(s.mean.length);
    const variance = new Float32Array(s.mean.length);
    for (let c = 0; c < mean.length; c++) {
      const m = s.mean[c] / n;
      mean[c] = m;
      variance[c] = Math.max(0, s.square[c] / n - m * m);
    }
    tf.tidy(() => {
      p.mean.write(tf.tensor1d(mean));
      p.variance.write(tf.tensor1d(variance));
    });
  });
  return { layers: pairs.length, batches: n };
}
