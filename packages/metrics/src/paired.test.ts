import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@raunet/core';
import type { CaseMetrics, EvaluateSetResult } from './evaluate.js';
import { normalUpperTail, signTestP, studentQuantile, studentTwoSidedP } from './internal/distributions.js';
import { compareEvaluations, pairedComparison } from './paired.js';

// Reference values from scipy 1.17.1 (`scipy.stats`): ttest_rel(a, b) with .confidence_interval(0.95),
// wilcoxon(a, b) (method 'auto'), binomtest(k, n), t.ppf, t.sf, norm.sf. The data: gen(n) is
// a = 0.6 + 0.3 sin(1.7 i), b = a − 0.01 + 0.05 cos(2.3 i), i = 0..n−1 (numpy and V8 agree to the last
// bits that matter here); ties12 / ties20 are integer differences with ties and zeros.
function gen(n: number): [number[], number[]] {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    a.push(0.6 + 0.3 * Math.sin(i * 1.7));
    b.push(a[i] - 0.01 + 0.05 * Math.cos(i * 2.3));
  }
  return [a, b];
}
const TIES12 = [1, 1, 2, -1, 0, 3, 3, -2, 4, 0, 5, 2];
const TIES20 = [...TIES12, 6, -3, 7, 1, 2, 8, -4, 9];

// [t, t p, ci low, ci high, wilcoxon statistic, wilcoxon p, positive, negative, sign test p, wilcoxon method]
const SCIPY: Record<string, [number, number, number, number, number, number, number, number, number, 'exact' | 'normal']> = {
  gen10: [0.596391743323083, 0.5656103396757174, -0.019871833778984445, 0.03410120539627904, 21, 0.556640625, 5, 5, 1, 'exact'],
  gen50: [1.7865399110109847, 0.0801994186630404, -0.0011392513160959367, 0.01939033270575926, 447, 0.06633200503891068, 27, 23, 0.6718110337653656, 'exact'],
  gen60: [2.174876839303457, 0.03365992069844694, 0.0008020223121803297, 0.019261068245897243, 618, 0.028786639322366157, 34, 26, 0.36629400670329104, 'normal'],
  // with ties and zeros: 12 pairs is scipy's exhaustive permutation test, 20 its normal approximation
  ties12: [2.5137917447891764, 0.02879167486371809, 0.18665423578501628, 2.8133457642149837, 7, 0.0390625, 8, 2, 0.109375, 'exact'],
  ties20: [2.7845635683966385, 0.011814053412056557, 0.5463645894248144, 3.853635410575186, 31.5, 0.018338104517391415, 14, 4, 0.0308837890625, 'normal'],
};

describe('pairedComparison against scipy', () => {
  const data: Record<string, [number[], number[]]> = {
    gen10: gen(10),
    gen50: gen(50),
    gen60: gen(60),
    ties12: [TIES12, TIES12.map(() => 0)],
    ties20: [TIES20, TIES20.map(() => 0)],
  };
  for (const [name, [a, b]] of Object.entries(data)) {
    it(`${name}: t test and its interval, Wilcoxon signed-rank, sign test`, () => {
      const [t, tp, lo, hi, w, wp, pos, neg, sp, method] = SCIPY[name];
      const c = pairedComparison(a, b);
      expect(c.cases).toBe(a.length);
      expect(c.tStatistic).toBeCloseTo(t, 9);
      expect(c.tTestP).toBeCloseTo(tp, 10);
      expect(c.ci[0]).toBeCloseTo(lo, 10);
      expect(c.ci[1]).toBeCloseTo(hi, 10);
      expect(c.wilcoxonStatistic).toBe(w);
      expect(c.wilcoxonMethod).toBe(method);
      expect(c.wilcoxonP).toBeCloseTo(wp, 10);
      expect([c.positive, c.negative, c.ties]).toEqual([pos, neg, a.length - pos - neg]);
      expect(c.signTestP).toBeCloseTo(sp, 12);
      const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
      expect(c.meanDifference).toBeCloseTo(mean(a) - mean(b), 14);
      expect(c.meanA).toBeCloseTo(mean(a), 14);
    });
  }

  it('the interval narrows with a lower confidence, and the mean stays in it', () => {
    const [a, b] = gen(50);
    const c95 = pairedComparison(a, b);
    const c80 = pairedComparison(a, b, { confidence: 0.8 });
    expect(c80.ci[1] - c80.ci[0]).toBeLessThan(c95.ci[1] - c95.ci[0]);
    expect(c80.ci[0]).toBeLessThan(c80.meanDifference);
    expect(c80.ci[1]).toBeGreaterThan(c80.meanDifference);
  });

  it('identical measurements: no difference, every test p = 1 or undefined', () => {
    const c = pairedComparison([0.5, 0.7, 0.9], [0.5, 0.7, 0.9]);
    expect(c.meanDifference).toBe(0);
    expect(c.ties).toBe(3);
    expect(c.signTestP).toBe(1);
    expect(c.wilcoxonP).toBe(1);
    expect(c.tTestP).toBeNaN(); // 0 / 0, as scipy
  });

  it('refuses mismatched, empty or non-finite input and bad options', () => {
    expect(() => pairedComparison([1, 2], [1])).toThrow(InvalidArgumentError);
    expect(() => pairedComparison([], [])).toThrow(/no pairs/);
    expect(() => pairedComparison([1, Number.NaN], [1, 2])).toThrow(/pair 1 is not finite/);
    expect(() => pairedComparison([1, 2], [1, 2], { confidence: 1 })).toThrow(/confidence/);
    expect(() => pairedComparison([1, 2], [1, 2], { tieTolerance: -1 })).toThrow(/tieTolerance/);
  });
});

describe('distribution functions against scipy', () => {
  it("Student's t quantiles and two-sided tails", () => {
    expect(studentQuantile(0.975, 49)).toBeCloseTo(2.0095752371292392, 12);
    expect(studentQuantile(0.975, 1)).toBeCloseTo(12.706204736174694, 10);
    expect(studentQuantile(0.995, 9)).toBeCloseTo(3.249835541592126, 12);
    expect(studentQuantile(0.025, 4)).toBeCloseTo(-2.7764451051977943, 12);
    expect(studentQuantile(0.9, 1000)).toBeCloseTo(1.2823987214609247, 10); // log-gamma differences of large arguments lose a few digits
    expect(studentTwoSidedP(3.5, 7)).toBeCloseTo(0.009993040881885549, 14);
    expect(studentTwoSidedP(0.1, 30)).toBeCloseTo(0.9210096117902712, 14);
    expect(studentTwoSidedP(40, 3) / 3.4380680789158506e-5).toBeCloseTo(1, 10);
  });

  it('the normal upper tail, both tails to full relative precision', () => {
    expect(normalUpperTail(0.3)).toBeCloseTo(0.3820885778110474, 15);
    expect(normalUpperTail(1.2)).toBeCloseTo(0.11506967022170822, 15);
    expect(normalUpperTail(1.96)).toBeCloseTo(0.024997895148220435, 15);
    expect(normalUpperTail(-2)).toBeCloseTo(0.9772498680518208, 15);
    expect(normalUpperTail(10) / 7.61985302416047e-24).toBeCloseTo(1, 10);
  });

  it('the exact sign test', () => {
    expect(signTestP(31, 50)).toBeCloseTo(0.11892045255943628, 14);
    expect(signTestP(0, 10)).toBe(0.001953125);
    expect(signTestP(5, 10)).toBe(1);
    expect(signTestP(400, 1000) / 2.728464156065947e-10).toBeCloseTo(1, 9);
    expect(signTestP(0, 0)).toBe(1);
  });
});

describe('compareEvaluations', () => {
  const result = (cases: [string, number, number][]): EvaluateSetResult =>
    ({
      cases: cases.map(([name, dice, hausdorff95]) => ({ name, dice, hausdorff95 }) as unknown as CaseMetrics),
      summary: {},
    }) as unknown as EvaluateSetResult;

  it('pairs cases by name, lists the unpaired and non-finite ones, and says which side is better', () => {
    const a = result([
      ['x', 0.8, 2],
      ['y', 0.6, Infinity],
      ['z', 0.7, 5],
      ['only-a', 0.1, 1],
    ]);
    const b = result([
      ['z', 0.5, 7],
      ['x', 0.9, 1],
      ['y', 0.4, 3],
      ['only-b', 0.3, 1],
    ]);
    const dice = compareEvaluations(a, b, 'dice');
    expect(dice.comparison.cases).toBe(3);
    expect(dice.comparison.meanDifference).toBeCloseTo((-0.1 + 0.2 + 0.2) / 3, 14);
    expect([dice.aBetter, dice.aWorse]).toEqual([2, 1]);
    expect(dice.onlyInA).toEqual(['only-a']);
    expect(dice.onlyInB).toEqual(['only-b']);
    expect(dice.notFinite).toEqual([]);
    // HD95: lower is better; y's infinite distance is left out and named.
    const hd = compareEvaluations(a, b, 'hausdorff95');
    expect(hd.higherIsBetter).toBe(false);
    expect(hd.notFinite).toEqual(['y']);
    expect(hd.comparison.cases).toBe(2);
    expect([hd.aBetter, hd.aWorse]).toEqual([1, 1]); // z: 5 < 7 better; x: 2 > 1 worse
  });

  it('refuses a repeated case, a missing metric and results with nothing in common', () => {
    const a = result([['x', 0.8, 2], ['x', 0.7, 2]]);
    expect(() => compareEvaluations(a, result([['x', 0.5, 1]]))).toThrow(/holds case 'x' twice/);
    expect(() => compareEvaluations(result([['x', 0.8, 2]]), result([['y', 0.5, 1]]))).toThrow(/no case to pair/);
    expect(() => compareEvaluations(result([['x', 0.8, 2]]), result([['x', 0.5, 1]]), 'nsd')).toThrow(/no numeric nsd/);
  });
});
