import { describe, expect, it } from 'vitest';
import { weightAtMost, weightedMeanOf, weightedPercentileOf } from './stats.js';

describe('weighted statistics of surfel distances', () => {
  it('weightedPercentileOf: the first value whose cumulative weight reaches p % (no interpolation)', () => {
    const d = [3, 1, 4, 2];
    const w = [1, 1, 1, 1];
    expect(weightedPercentileOf(d, w, 50)).toBe(2); // cumulative 0.25, 0.5 → reaches 50 % at 2
    expect(weightedPercentileOf(d, w, 51)).toBe(3);
    expect(weightedPercentileOf(d, w, 95)).toBe(4);
    expect(weightedPercentileOf(d, w, 0)).toBe(1);
    expect(weightedPercentileOf(d, w, 100)).toBe(4);
    // 96 % of the area at distance 0: HD95 is 0 whatever the far 4 %.
    expect(weightedPercentileOf([0, 10], [96, 4], 95)).toBe(0);
    expect(weightedPercentileOf([0, 10], [94, 6], 95)).toBe(10);
    expect(weightedPercentileOf([], [], 95)).toBeNaN();
    expect(weightedPercentileOf([Infinity, Infinity], [1, 2], 95)).toBe(Infinity);
  });

  it('weightAtMost and weightedMeanOf', () => {
    expect(weightAtMost([0, 1, 2], [5, 6, 7], 1)).toBe(11);
    expect(weightedMeanOf([0, 10], [3, 1])).toBe(2.5);
    expect(weightedMeanOf([], [])).toBeNaN();
  });
});
