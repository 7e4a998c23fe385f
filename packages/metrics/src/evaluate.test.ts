import { ShapeMismatchError } from '@raunet/core';
import { describe, expect, it } from 'vitest';
import { ballMask, boxMask, vol, type Dims, type Spacing } from './__fixtures__/reference.js';
import { CASE_METRIC_NAMES, evaluateCase, evaluateSet, summarizeCases, type CaseMetrics } from './evaluate.js';
import { dice, iou, lesionVolumeMl, precision, recall, relativeVolumeDifference, specificity } from './overlap.js';
import { fromJson, toCsv, toJson } from './report.js';
import { assd, hausdorff, hausdorff95, normalizedSurfaceDice } from './surface.js';

const dims: Dims = [14, 14, 10];
const s: Spacing = [0.8, 0.8, 2];
const truth = vol(ballMask(dims, [7, 7, 5], 4), dims, s);
const pred = vol(ballMask(dims, [8, 7, 5], 4.4), dims, s);
const empty = vol(new Uint8Array(dims[0] * dims[1] * dims[2]), dims, s);
const cube = vol(boxMask(dims, [2, 2, 2], [5, 5, 5]), dims, s);

describe('evaluateCase', () => {
  it('equals the individual metric functions', () => {
    const m = evaluateCase(pred, truth, { name: 'a', toleranceMm: 1.5 });
    expect(m.name).toBe('a');
    expect(m.dice).toBe(dice(pred, truth));
    expect(m.iou).toBe(iou(pred, truth));
    expect(m.precision).toBe(precision(pred, truth));
    expect(m.recall).toBe(recall(pred, truth));
    expect(m.specificity).toBe(specificity(pred, truth));
    expect(m.relativeVolumeDifference).toBe(relativeVolumeDifference(pred, truth));
    expect(m.predictionVolumeMl).toBeCloseTo(lesionVolumeMl(pred), 12);
    expect(m.truthVolumeMl).toBeCloseTo(lesionVolumeMl(truth), 12);
    expect(m.hausdorff).toBe(hausdorff(pred, truth));
    expect(m.hausdorff95).toBe(hausdorff95(pred, truth));
    expect(m.assd).toBe(assd(pred, truth));
    expect(m.nsd).toBe(normalizedSurfaceDice(pred, truth, { toleranceMm: 1.5 }));
    expect(m.dice).toBeGreaterThan(0.5);
    expect(m.dice).toBeLessThan(1);
  });

  it('skips surface metrics on request', () => {
    const m = evaluateCase(pred, truth, { surface: false });
    expect(m.hausdorff).toBeNaN();
    expect(m.dice).toBe(dice(pred, truth));
  });

  it('names the case in a grid mismatch', () => {
    const other = vol(new Uint8Array(dims[0] * dims[1] * dims[2]), dims, [1, 1, 1]);
    expect(() => evaluateCase(pred, other, { name: 'case_7' })).toThrow(ShapeMismatchError);
    expect(() => evaluateCase(pred, other, { name: 'case_7' })).toThrow(/case_7/);
  });
});

describe('evaluateSet and its summary', () => {
  const result = evaluateSet(
    [
      { name: 'good', prediction: truth, truth },
      { name: 'shifted', prediction: pred, truth },
      { name: 'missed', prediction: empty, truth },
      { name: 'both-empty', prediction: empty, truth: empty },
      { name: 'cube, "quoted"', prediction: cube, truth },
    ],
    { toleranceMm: 2 },
  );

  it('gives one row per case, in order', () => {
    expect(result.cases.map((c) => c.name)).toEqual(['good', 'shifted', 'missed', 'both-empty', 'cube, "quoted"']);
    expect(result.cases[0].dice).toBe(1);
    expect(result.cases[2].hausdorff).toBe(Infinity);
    expect(result.cases[3].hausdorff).toBeNaN();
    expect(result.cases[3].dice).toBe(1);
    expect(result.toleranceMm).toBe(2);
  });

  it('mean, std (n−1), median over finite values, NaN/Infinity counted apart', () => {
    const dices = result.cases.map((c) => c.dice);
    const mean = dices.reduce((a, b) => a + b, 0) / 5;
    const std = Math.sqrt(dices.reduce((a, b) => a + (b - mean) ** 2, 0) / 4);
    const sorted = [...dices].sort((a, b) => a - b);
    expect(result.summary.dice.mean).toBeCloseTo(mean, 14);
    expect(result.summary.dice.std).toBeCloseTo(std, 14);
    expect(result.summary.dice.median).toBe(sorted[2]);
    expect(result.summary.dice.count).toBe(5);
    const hds = [result.cases[0].hausdorff, result.cases[1].hausdorff, result.cases[4].hausdorff].sort((a, b) => a - b);
    expect(result.summary.hausdorff).toMatchObject({ count: 3, nanCount: 1, infiniteCount: 1, median: hds[1], min: hds[0], max: hds[2] });
    expect(Object.keys(result.summary)).toEqual([...CASE_METRIC_NAMES]);
  });

  it('summarizes hand-made values (even count median, single value std NaN)', () => {
    const base = evaluateCase(truth, truth);
    const mk = (d: number): CaseMetrics => ({ ...base, dice: d });
    const sum = summarizeCases([mk(0.2), mk(0.4), mk(0.9), mk(Number.NaN), mk(0.5)]);
    expect(sum.dice.median).toBeCloseTo(0.45, 15);
    expect(sum.dice.mean).toBeCloseTo(0.5, 15);
    expect(sum.dice.std).toBeCloseTo(Math.sqrt((0.09 + 0.01 + 0.16 + 0) / 3), 15);
    expect(summarizeCases([mk(0.3)]).dice.std).toBeNaN();
    expect(summarizeCases([]).dice.mean).toBeNaN();
  });

  it('writes CSV with a header, quoted names, non-finite values and summary rows', () => {
    const csv = toCsv(result);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(['case', ...CASE_METRIC_NAMES].join(','));
    expect(lines).toHaveLength(1 + 5 + 3);
    expect(lines[1].split(',')[1]).toBe('1');
    expect(lines[3].split(',')[CASE_METRIC_NAMES.indexOf('hausdorff') + 1]).toBe('Infinity');
    expect(lines[4].split(',')[CASE_METRIC_NAMES.indexOf('hausdorff') + 1]).toBe('NaN');
    expect(lines[5].startsWith('"cube, ""quoted""",')).toBe(true);
    expect(lines[6].startsWith('(mean),')).toBe(true);
    expect(Number(lines[6].split(',')[1])).toBe(result.summary.dice.mean);
    const noSummary = toCsv(result, { summary: false, counts: true }).trimEnd().split('\n');
    expect(noSummary).toHaveLength(6);
    expect(noSummary[0].endsWith(',tp,fp,fn,tn')).toBe(true);
  });

  it('writes valid JSON with NaN/Infinity as strings, and reads it back', () => {
    const text = toJson(result);
    const raw = JSON.parse(text) as { cases: Record<string, unknown>[] };
    expect(raw.cases[2].hausdorff).toBe('Infinity');
    expect(raw.cases[3].hausdorff).toBe('NaN');
    const back = fromJson(text);
    expect(back.cases[2].hausdorff).toBe(Infinity);
    expect(back.cases[3].hausdorff).toBeNaN();
    expect(back.cases[1]).toEqual(result.cases[1]);
    expect(back.summary.dice).toEqual(result.summary.dice);
  });

  it('reads the null that JSON.stringify writes for a non-finite number as NaN', () => {
    const back = fromJson(JSON.stringify(result));
    expect(back.cases[2].hausdorff).toBeNaN(); // Infinity, written as null: its sign is lost
    expect(back.cases[3].hausdorff).toBeNaN();
    expect(back.cases[1]).toEqual(result.cases[1]);
  });
});
