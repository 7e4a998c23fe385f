import { describe, expect, it } from 'vitest';
import { plateauLearningRate, scheduledLearningRate } from './lr-schedule.js';

describe('learning-rate schedules', () => {
  it('constant, step and cosine depend on the epoch only; plateau keeps the current rate', () => {
    expect(scheduledLearningRate(1e-3, { kind: 'constant' }, 7, 10, 5)).toBe(1e-3);
    expect(scheduledLearningRate(1, { kind: 'step', every: 3, factor: 0.5 }, 7, 10, 5)).toBe(0.25);
    const cosine = { kind: 'cosine', minLearningRate: 0.1 } as const;
    expect(scheduledLearningRate(1, cosine, 0, 10, 5)).toBe(1);
    expect(scheduledLearningRate(1, cosine, 5, 10, 5)).toBeCloseTo(0.55, 15);
    expect(scheduledLearningRate(1, cosine, 10, 10, 5)).toBeCloseTo(0.1, 15);
    expect(scheduledLearningRate(1, { kind: 'plateau', patience: 2, factor: 0.5 }, 7, 10, 0.3)).toBe(0.3);
  });

  it('plateau decays every patience validations without improvement, not below its minimum', () => {
    const plateau = { kind: 'plateau', patience: 2, factor: 0.5, minLearningRate: 0.2 } as const;
    expect(plateauLearningRate(plateau, 1, 1)).toBe(1);
    expect(plateauLearningRate(plateau, 1, 2)).toBe(0.5);
    expect(plateauLearningRate(plateau, 0.3, 4)).toBe(0.2);
    expect(plateauLearningRate({ kind: 'cosine' }, 1, 2)).toBe(1);
  });
});
