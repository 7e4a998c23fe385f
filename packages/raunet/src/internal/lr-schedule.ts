/** Learning-rate schedules, evaluated per epoch. */
export type LearningRateSchedule =
  | {
      /** Constant learning rate (the paper). */
      kind: 'constant';
    }
  | {
      /** Multiply by `factor` every `every` epochs. */
      kind: 'step';
      /** Epochs between decays. */
      every: number;
      /** Decay factor. */
      factor: number;
    }
  | {
      /** Cosine annealing from the initial rate to `minLearningRate` over all epochs. */
      kind: 'cosine';
      /** Final learning rate. @defaultValue 0 */
      minLearningRate?: number;
    }
  | {
      /** Multiply by `factor` after `patience` validations without improvement of the DSC. */
      kind: 'plateau';
      /** Validations without improvement before a decay. */
      patience: number;
      /** Decay factor. */
      factor: number;
      /** Lower bound. @defaultValue 0 */
      minLearningRate?: number;
    };

/**
 * The learning rate for `epoch` (0-based, of `epochs`) under an epoch-driven schedule; `'plateau'`
 * keeps `current` (it changes only after validations, see {@link plateauLearningRate}).
 */
export function scheduledLearningRate(
  base: number,
  schedule: LearningRateSchedule,
  epoch: number,
  epochs: number,
  current: number,
): number {
  switch (schedule.kind) {
    case 'step':
      return base * schedule.factor ** Math.floor(epoch / schedule.every);
    case 'cosine': {
      const min = schedule.minLearningRate ?? 0;
      return min + 0.5 * (base - min) * (1 + Math.cos((Math.PI * epoch) / Math.max(1, epochs)));
    }
    case 'plateau':
      return current;
    default:
      return base;
  }
}

/**
 * The learning rate after a validation that did not improve the best DSC, the
 * `validationsWithoutImprovement`-th in a row: under `'plateau'` it is multiplied by `factor` every
 * `patience` such validations (not below `minLearningRate`); other schedules keep `current`.
 */
export function plateauLearningRate(
  schedule: LearningRateSchedule,
  current: number,
  validationsWithoutImprovement: number,
): number {
  if (schedule.kind !== 'plateau' || validationsWithoutImprovement % schedule.patience !== 0) return current;
  return Math.max(schedule.minLearningRate ?? 0, current * schedule.factor);
}
