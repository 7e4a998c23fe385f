import { InvalidArgumentError, ShapeMismatchError, createVolume } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boxMask, padMask, vol, type Dims } from './__fixtures__/reference.js';
import {
  confusionCounts,
  dice,
  diceFromCounts,
  iou,
  iouFromCounts,
  jaccard,
  lesionVolumeMl,
  precision,
  recall,
  relativeVolumeDifference,
  sensitivity,
  specificity,
} from './overlap.js';

const v1 = (bits: number[], spacing: [number, number, number] = [1, 1, 1]) =>
  vol(Uint8Array.from(bits), [bits.length, 1, 1], spacing);

describe('overlap metrics, hand-known', () => {
  // prediction 1100 1100, truth 0110 0000 → TP 1, FP 3, FN 1, TN 3
  const p = v1([1, 1, 0, 0, 1, 1, 0, 0]);
  const t = v1([0, 1, 1, 0, 0, 0, 0, 0]);

  it('counts the confusion matrix', () => {
    expect(confusionCounts(p, t)).toEqual({ truePositive: 1, falsePositive: 3, falseNegative: 1, trueNegative: 3 });
  });

  it('computes Dice, IoU, precision, recall, specificity, RVD', () => {
    expect(dice(p, t)).toBeCloseTo(2 / 6, 15);
    expect(iou(p, t)).toBeCloseTo(1 / 5, 15);
    expect(jaccard(p, t)).toBe(iou(p, t));
    expect(precision(p, t)).toBeCloseTo(1 / 4, 15);
    expect(recall(p, t)).toBeCloseTo(1 / 2, 15);
    expect(sensitivity(p, t)).toBe(recall(p, t));
    expect(specificity(p, t)).toBeCloseTo(3 / 6, 15);
    expect(relativeVolumeDifference(p, t)).toBeCloseTo((4 - 2) / 2, 15);
  });

  it('two 4x4x4 cubes shifted by 2 along x: Dice 1/2, IoU 1/3', () => {
    const dims: Dims = [10, 6, 6];
    const a = vol(boxMask(dims, [1, 1, 1], [4, 4, 4]), dims);
    const b = vol(boxMask(dims, [3, 1, 1], [6, 4, 4]), dims);
    expect(dice(a, b)).toBe(0.5);
    expect(iou(a, b)).toBeCloseTo(1 / 3, 15);
  });

  it('reads one class of a label map and any typed array (float, bigint)', () => {
    const labels = createVolume({ data: Int16Array.from([0, 2, 2, 1, 7, 2]), dims: [6, 1, 1] });
    const truth = createVolume({ data: Float32Array.from([0, 2, 0, 2, 2, Number.NaN]), dims: [6, 1, 1] });
    expect(confusionCounts(labels, truth, { label: 2 })).toEqual({ truePositive: 1, falsePositive: 2, falseNegative: 2, trueNegative: 1 });
    // nonzero mode: NaN is background
    expect(confusionCounts(labels, truth)).toEqual({ truePositive: 3, falsePositive: 2, falseNegative: 0, trueNegative: 1 });
    const big = createVolume({ data: BigInt64Array.from([0n, 2n, 2n, 1n, 7n, 2n]), dims: [6, 1, 1] });
    expect(confusionCounts(big, labels, { label: 2 }).truePositive).toBe(3);
    expect(confusionCounts(big, labels).truePositive).toBe(5);
  });

  it('lesion volume in mL uses the spacing', () => {
    const m = v1([1, 1, 1, 0], [2, 2.5, 4]);
    expect(lesionVolumeMl(m)).toBeCloseTo((3 * 20) / 1000, 15);
    const labels = createVolume({ data: Uint8Array.from([1, 2, 2, 2]), dims: [4, 1, 1], spacing: [10, 10, 10] });
    expect(lesionVolumeMl(labels, { label: 2 })).toBe(3);
  });
});

describe('edge cases (documented conventions)', () => {
  const empty = v1([0, 0, 0, 0]);
  const some = v1([0, 1, 1, 0]);
  const full = v1([1, 1, 1, 1]);

  it('both empty: Dice/IoU 1 (or emptyScore), precision/recall/RVD NaN, specificity 1', () => {
    expect(dice(empty, empty)).toBe(1);
    expect(iou(empty, empty)).toBe(1);
    expect(dice(empty, empty, { emptyScore: Number.NaN })).toBeNaN();
    expect(precision(empty, empty)).toBeNaN();
    expect(recall(empty, empty)).toBeNaN();
    expect(relativeVolumeDifference(empty, empty)).toBeNaN();
    expect(specificity(empty, empty)).toBe(1);
  });

  it('emptyScore: the score of an empty truth (NaN drops every empty-truth case, as MONAI ignore_empty=True)', () => {
    // Empty truth, non-empty prediction: 0 by default (MONAI ignore_empty=False), NaN with emptyScore NaN.
    expect(dice(some, empty)).toBe(0);
    expect(iou(some, empty)).toBe(0);
    expect(dice(some, empty, { emptyScore: Number.NaN })).toBeNaN();
    expect(iou(some, empty, { emptyScore: Number.NaN })).toBeNaN();
    expect(dice(some, empty, { emptyScore: 0.5 })).toBe(0);
    // Both empty: emptyScore itself.
    expect(dice(empty, empty, { emptyScore: 0.5 })).toBe(0.5);
    expect(iou(empty, empty, { emptyScore: Number.NaN })).toBeNaN();
    // Empty prediction on a non-empty truth is a plain miss, whatever emptyScore.
    expect(dice(empty, some, { emptyScore: Number.NaN })).toBe(0);
    expect(iou(empty, some, { emptyScore: Number.NaN })).toBe(0);
    const counts = { truePositive: 0, falsePositive: 3, falseNegative: 0, trueNegative: 5 };
    expect(diceFromCounts(counts)).toBe(0);
    expect(diceFromCounts(counts, Number.NaN)).toBeNaN();
    expect(iouFromCounts(counts, Number.NaN)).toBeNaN();
  });

  it('one empty: Dice 0, RVD -1 or Infinity', () => {
    expect(dice(empty, some)).toBe(0);
    expect(dice(some, empty)).toBe(0);
    expect(iou(some, empty)).toBe(0);
    expect(relativeVolumeDifference(empty, some)).toBe(-1);
    expect(relativeVolumeDifference(some, empty)).toBe(Infinity);
    expect(precision(empty, some)).toBeNaN();
    expect(recall(empty, some)).toBe(0);
    expect(specificity(full, full)).toBeNaN();
  });

  it('different grids → ShapeMismatchError; bad masks → InvalidArgumentError', () => {
    const a = vol(new Uint8Array(8), [2, 2, 2]);
    const b = vol(new Uint8Array(8), [2, 4, 1]);
    const c = vol(new Uint8Array(8), [2, 2, 2], [1, 1, 2]);
    expect(() => dice(a, b)).toThrow(ShapeMismatchError);
    expect(() => dice(a, c)).toThrow(ShapeMismatchError);
    const rgb = createVolume({ data: new Uint8Array(24), dims: [2, 2, 2], components: 3 });
    expect(() => dice(rgb, rgb)).toThrow(InvalidArgumentError);
    const fourD = createVolume({ data: new Uint8Array(16), dims: [2, 2, 2, 2] });
    expect(() => dice(fourD, fourD)).toThrow(InvalidArgumentError);
    expect(() => dice(a, a, { label: Number.NaN })).toThrow(InvalidArgumentError);
  });

  it('does not mutate its inputs', () => {
    const a = v1([1, 0, 3, 0]);
    const copy = Uint8Array.from(a.data);
    dice(a, a, { label: 3 });
    expect(a.data).toEqual(copy);
  });
});

const pairArb = fc
  .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }))
  .chain((dims) => {
    const n = dims[0] * dims[1] * dims[2];
    return fc.record({
      dims: fc.constant(dims),
      a: fc.uint8Array({ minLength: n, maxLength: n, min: 0, max: 1 }),
      b: fc.uint8Array({ minLength: n, maxLength: n, min: 0, max: 1 }),
    });
  });

describe('overlap properties (fast-check)', () => {
  it('Dice is symmetric, in [0, 1], IoU = D / (2 − D), 1 on identical non-empty masks', () => {
    fc.assert(
      fc.property(pairArb, ({ dims, a, b }) => {
        const A = vol(a, dims);
        const B = vol(b, dims);
        const d = dice(A, B);
        expect(d).toBe(dice(B, A));
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(1);
        expect(iou(A, B)).toBeCloseTo(d / (2 - d), 12);
        if (a.some((x) => x)) expect(dice(A, A)).toBe(1);
        // the integer fast path and the generic (float) path agree, with and without a label
        const F = createVolume({ data: Float32Array.from(b), dims });
        expect(confusionCounts(A, F)).toEqual(confusionCounts(A, B));
        expect(confusionCounts(A, F, { label: 1 })).toEqual(confusionCounts(A, B, { label: 1 }));
        expect(confusionCounts(A, B, { label: 0 }).truePositive).toBe(a.filter((x, i) => x === 0 && b[i] === 0).length);
      }),
      { numRuns: 300 },
    );
  });

  it('is invariant to padding both masks with background', () => {
    fc.assert(
      fc.property(pairArb, fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)), ({ dims, a, b }, p) => {
        const pad: [Dims, Dims] = [
          [p[0], p[1], p[2]],
          [p[3], p[4], p[5]],
        ];
        const pa = padMask(a, dims, pad);
        const pb = padMask(b, dims, pad);
        const A = vol(a, dims);
        const B = vol(b, dims);
        const PA = vol(pa.data, pa.dims);
        const PB = vol(pb.data, pb.dims);
        expect(dice(PA, PB)).toBe(dice(A, B));
        expect(precision(PA, PB)).toBe(precision(A, B));
        expect(recall(PA, PB)).toBe(recall(A, B));
        expect(relativeVolumeDifference(PA, PB)).toBe(relativeVolumeDifference(A, B));
      }),
      { numRuns: 200 },
    );
  });
});
