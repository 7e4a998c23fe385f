import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '@raunet/core';
import { writeNifti } from '@raunet/io';
import { cli } from './__fixtures__/run-cli.js';

// `raunet compare`: two `raunet evaluate --json` results of the same cases, from masks whose DSC is
// known by construction (a truth of 8 voxels in a row, predictions covering k of them and nothing else:
// DSC = 2k / (8 + k)), paired by name.

const N = 8;
const dice = (k: number) => (2 * k) / (8 + k);
let dir = '';
// per case: voxels of the truth's row covered by model A's and model B's prediction
const CASES: Record<string, [number, number]> = { c1: [8, 4], c2: [6, 6], c3: [2, 5], c4: [7, 3], c5: [0, 1] };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raunet-compare-'));
  for (const d of ['gt', 'a', 'b']) mkdirSync(join(dir, d));
  const row = (k: number) => {
    const v = new Uint8Array(N * N * N);
    for (let x = 0; x < k; x++) v[x + N * (4 + N * 4)] = 1;
    return v;
  };
  const write = (path: string, data: Uint8Array) =>
    writeNifti(path, createVolume({ data, dims: [N, N, N] }), { datatype: 'uint8' });
  for (const [name, [ka, kb]] of Object.entries(CASES)) {
    await write(join(dir, 'gt', `${name}.nii.gz`), row(8));
    await write(join(dir, 'a', `${name}.nii.gz`), row(ka));
    await write(join(dir, 'b', `${name}.nii.gz`), row(kb));
  }
  for (const m of ['a', 'b']) {
    const r = await cli('evaluate', '--pred', join(dir, m), '--gt', join(dir, 'gt'), '--json');
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(dir, `${m}.json`), r.stdout);
  }
  const bOnly = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8')) as { cases: { name: string }[] };
  // B also scored a case A has not.
  bOnly.cases.push({ ...bOnly.cases[0], name: 'extra' });
  writeFileSync(join(dir, 'b.json'), JSON.stringify(bOnly));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('raunet compare', () => {
  it('pairs the cases by name and reports the mean difference, its interval and the tests', async () => {
    const r = await cli('compare', join(dir, 'a.json'), join(dir, 'b.json'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      metric: string;
      aBetter: number;
      aWorse: number;
      onlyInB: string[];
      comparison: { cases: number; meanDifference: number; ci: [number, number]; ties: number; signTestP: number };
    };
    const diffs = Object.values(CASES).map(([ka, kb]) => dice(ka) - dice(kb));
    expect(out.metric).toBe('dice');
    expect(out.comparison.cases).toBe(5);
    expect(out.comparison.meanDifference).toBeCloseTo(diffs.reduce((s, x) => s + x, 0) / 5, 12);
    expect([out.aBetter, out.aWorse, out.comparison.ties]).toEqual([2, 2, 1]);
    expect(out.onlyInB).toEqual(['extra']);
    expect(out.comparison.ci[0]).toBeLessThan(out.comparison.meanDifference);
    expect(out.comparison.signTestP).toBe(1); // 2 against 2

    const text = await cli('compare', join(dir, 'a.json'), join(dir, 'b.json'));
    expect(text.stdout).toContain('dice, A − B over 5 cases');
    expect(text.stdout).toContain('A better on 2, worse on 2, tied on 1 (higher is better)');
    expect(text.stdout).toContain('only in B, not compared (1): extra');
  });

  it('leaves out a case whose distance is undefined (an empty prediction: evaluate writes null) and names it', async () => {
    const r = await cli('compare', join(dir, 'a.json'), join(dir, 'b.json'), '--metric', 'hausdorff95', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { notFinite: string[]; higherIsBetter: boolean; comparison: { cases: number } };
    expect(out.notFinite).toEqual(['c5']);
    expect(out.higherIsBetter).toBe(false);
    expect(out.comparison.cases).toBe(4);
  });

  it('names the file that is not an evaluation, and wants exactly two', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"summary": {}}');
    const r = await cli('compare', join(dir, 'a.json'), bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toContain('no cases array');
    const garbled = join(dir, 'garbled.json');
    writeFileSync(garbled, '{"cases": [');
    expect((await cli('compare', garbled, join(dir, 'a.json'))).stderr).toContain(garbled);
    const one = await cli('compare', join(dir, 'a.json'));
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('exactly two');
  });
});
