import { InvalidArgumentError } from '@raunet/core';
import { describe, expect, it } from 'vitest';
import { splitDataset } from './dataset.js';
import { assignFolds, caseGroup, kFoldSplit } from './folds.js';

/** LIDC-style names: patient p has (p % 4) + 1 VOIs. */
function lidcNames(patients: number): string[] {
  const names: string[] = [];
  for (let p = 1; p <= patients; p++) for (let r = 1; r <= (p % 4) + 1; r++) names.push(`LIDC-IDRI-${String(p).padStart(4, '0')}_R_${r}`);
  return names;
}

describe('caseGroup', () => {
  it('finds the LIDC patient, leaves other names alone, and takes a custom pattern', () => {
    expect(caseGroup('LIDC-IDRI-0003_R_2')).toBe('LIDC-IDRI-0003');
    expect(caseGroup('LIDC-IDRI-0003_R_12')).toBe('LIDC-IDRI-0003');
    expect(caseGroup('semiseg_012')).toBe('semiseg_012');
    expect(caseGroup('coronacases_001')).toBe('coronacases_001');
    expect(caseGroup('LIDC-IDRI-0003_R_2', 'none')).toBe('LIDC-IDRI-0003_R_2');
    expect(caseGroup('p07_slice3', '^(p\\d+)_')).toBe('p07');
    expect(caseGroup('q07', '^(p\\d+)_')).toBe('q07');
    expect(() => caseGroup('x', '(')).toThrow(InvalidArgumentError);
  });
});

describe('assignFolds / kFoldSplit', () => {
  const names = lidcNames(40);

  it('keeps every patient in one fold, balances the folds, and covers every case exactly once', () => {
    const folds = assignFolds(names, { folds: 5 });
    const byPatient = new Map<string, Set<number>>();
    names.forEach((n, i) => byPatient.set(caseGroup(n), (byPatient.get(caseGroup(n)) ?? new Set()).add(folds[i])));
    for (const s of byPatient.values()) expect(s.size).toBe(1);
    const sizes = [0, 1, 2, 3, 4].map((f) => folds.filter((x) => x === f).length);
    expect(sizes.reduce((a, b) => a + b)).toBe(names.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(4); // at most one patient's VOIs apart
    const seen = new Set<string>();
    for (let f = 0; f < 5; f++) {
      const { train, validation } = kFoldSplit(
        names.map((name) => ({ name })),
        { folds: 5, fold: f },
      );
      expect(train.length + validation.length).toBe(names.length);
      const trainPatients = new Set(train.map((c) => caseGroup(c.name)));
      for (const c of validation) {
        expect(trainPatients.has(caseGroup(c.name))).toBe(false);
        seen.add(c.name);
      }
    }
    expect(seen.size).toBe(names.length);
  });

  it('is stable: the same folds whatever the order of the list, different for another seed', () => {
    const a = assignFolds(names, { folds: 5, seed: 3 });
    const reversed = [...names].reverse();
    const b = assignFolds(reversed, { folds: 5, seed: 3 });
    names.forEach((n, i) => expect(b[reversed.indexOf(n)]).toBe(a[i]));
    const c = assignFolds(names, { folds: 5, seed: 4 });
    expect(c).not.toEqual(a);
  });

  it('refuses bad fold numbers and too few patients', () => {
    expect(() => assignFolds(names, { folds: 1 })).toThrow(/folds must be an integer >= 2/);
    expect(() => assignFolds(['LIDC-IDRI-0001_R_1', 'LIDC-IDRI-0001_R_2'], { folds: 2 })).toThrow(/1 patients/);
    expect(() => kFoldSplit([{ name: 'a' }, { name: 'b' }], { folds: 2, fold: 2 })).toThrow(/fold must be an integer in \[0, 1\]/);
  });
});

describe('splitDataset grouping', () => {
  it('never puts one patient in two parts', () => {
    const cases = lidcNames(30).map((name) => ({ name }));
    for (const seed of [0, 1, 2]) {
      const s = splitDataset(cases, { seed, testCount: 10, validationCount: 10 });
      const part = new Map<string, string>();
      for (const [label, list] of [['test', s.test], ['validation', s.validation], ['train', s.train]] as const) {
        for (const c of list) {
          const p = caseGroup(c.name);
          expect(part.get(p) ?? label).toBe(label);
          part.set(p, label);
        }
      }
      expect(s.test.length).toBeGreaterThanOrEqual(10);
      expect(s.validation.length).toBeGreaterThanOrEqual(10);
      expect(s.test.length + s.validation.length + s.train.length).toBe(cases.length);
    }
  });

  it('with one case per patient splits exactly as without grouping', () => {
    const cases = Array.from({ length: 20 }, (_, i) => ({ name: `case_${String(i).padStart(2, '0')}` }));
    expect(splitDataset(cases, { seed: 5 })).toEqual(splitDataset(cases, { seed: 5, grouping: 'none' }));
  });
});
