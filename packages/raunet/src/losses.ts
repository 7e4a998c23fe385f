import * as tf from '@tensorflow/tfjs';

/** Options of {@link diceLoss}. */
export interface DiceLossOptions {
  /** Smoothing term added to numerator and denominator (SPEC: eps). @defaultValue 1e-5 */
  epsilon?: number;
  /**
   * `'batch'`: one Dice over every voxel of the batch (SPEC's formula with the sums running over the
   * whole batch; stable when some patches hold no infection). `'sample'`: one Dice per sample, averaged.
   * @defaultValue 'batch'
   */
  reduction?: 'batch' | 'sample';
}

function sumsOf(yTrue: tf.Tensor, yPred: tf.Tensor, perSample: boolean): [tf.Tensor, tf.Tensor] {
  const t = yTrue.toFloat();
  const axes = perSample ? Array.from({ length: yPred.rank - 1 }, (_, i) => i + 1) : undefined;
  const inter = tf.sum(tf.mul(t, yPred), axes);
  const total = tf.add(tf.sum(t, axes), tf.sum(yPred, axes));
  return [inter, total];
}

/**
 * Soft Dice loss of the paper: `1 - (2 Σ p g + eps) / (Σ p + Σ g + eps)`, with `p` the predicted
 * probabilities and `g` the ground truth (0/1), shapes `[batch, z, y, x, 1]`.
 *
 * @returns a scalar tensor in [0, 1].
 * @example
 * ```ts
 * const loss = diceLoss(labels, model.apply(images, { training: true }) as tf.Tensor);
 * ```
 */
export function diceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, options: DiceLossOptions = {}): tf.Scalar {
  const eps = options.epsilon ?? 1e-5;
  return tf.tidy(() => {
    const [inter, total] = sumsOf(yTrue, yPred, options.reduction === 'sample');
    const dice = tf.div(tf.add(tf.mul(inter, 2), eps), tf.add(total, eps));
    return tf.sub<tf.Scalar>(1, tf.mean(dice));
  });
}

/** Options of {@link diceBceLoss}. */
export interface DiceBceLossOptions extends DiceLossOptions {
  /** Weight of the Dice term. @defaultValue 1 */
  diceWeight?: number;
  /** Weight of the binary cross-entropy term (mean over voxels). @defaultValue 1 */
  bceWeight?: number;
}

/**
 * `diceWeight * diceLoss + bceWeight * BCE`, the binary cross-entropy averaged over every voxel
 * (probabilities clipped to [1e-7, 1 - 1e-7]).
 *
 * @example
 * ```ts
 * const loss = diceBceLoss(labels, probabilities, { bceWeight: 0.5 });
 * ```
 */
export function diceBceLoss(yTrue: tf.Tensor, yPred: tf.Tensor, options: DiceBceLossOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const d = diceLoss(yTrue, yPred, options);
    const t = yTrue.toFloat();
    const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
    const bce = tf.neg(tf.mean(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p))))));
    return tf.add<tf.Scalar>(tf.mul(d, options.diceWeight ?? 1), tf.mul(bce, options.bceWeight ?? 1));
  });
}

/** Options of {@link diceCoefficient}. */
export interface DiceCoefficientOptions {
  /** Probabilities at or above this value count as foreground. @defaultValue 0.5 */
  threshold?: number;
}

/**
 * Hard Dice similarity coefficient `2|P ∩ T| / (|P| + |T|)` of thresholded predictions over the whole
 * tensor (1 when both are empty). For volumes use `dice` of `@raunet/metrics`.
 *
 * @example
 * ```ts
 * const dsc = diceCoefficient(labels, probabilities).dataSync()[0];
 * ```
 */
export function diceCoefficient(yTrue: tf.Tensor, yPred: tf.Tensor, options: DiceCoefficientOptions = {}): tf.Scalar {
  const threshold = options.threshold ?? 0.5;
  return tf.tidy(() => {
    const p = tf.greaterEqual(yPred, threshold).toFloat();
    const t = tf.greater(yTrue, 0.5).toFloat();
    const inter = tf.sum(tf.mul(p, t));
    const total = tf.add(tf.sum(p), tf.sum(t));
    return tf.where(tf.equal(total, 0), tf.scalar(1), tf.div(tf.mul(inter, 2), total)) as tf.Scalar;
  });
}
