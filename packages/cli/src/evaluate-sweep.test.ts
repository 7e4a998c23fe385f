import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '@raunet/core';
import { writeNifti } from '@raunet/io';
import { cli } from './__fixtures__/run-cli.js';
import type { ThresholdSweep } from './internal/threshold-sweep.js';

// `raunet evaluate --thresholds`: probability maps whose best threshold and minimum size are known by
// construction, with the DSC of every setting counted by hand.

const N = 16;
let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raunet-sweep-'));
  for (const fold of ['f0', 'f1']) mkdirSync(join(dir, fold));
  mkdirSync(join(dir, 'gt'));
  // each case: a truth cube of 4x4x4 = 64 voxels at p = 0.45, a 2x2x2 = 8 voxel blob at p = 0.6 away from it
  for (const [fold, name, offset] of [
    ['f0', 'a', 2],
    ['f1', 'b', 5],
  ] as const) {
    const p = new Float32Array(N * N * N).fill(0.1);
    const t = new Uint8Array(N * N * N);
    const at = (x: number, y: number, z: number) => x + N * (y + N * z);
    for (let z = offset; z < offset + 4; z++)
      for (let y = 2; y < 6; y++)
        for (let x = 2; x < 6; x++) {
          p[at(x, y, z)] = 0.45;
          t[at(x, y, z)] = 1;
        }
    for (let z = 12; z < 14; z++)
      for (let y = 12; y < 14; y++) for (let x = 12; x < 14; x++) p[at(x, y, z)] = 0.6;
    await writeNifti(join(dir, fold, `${name}.nii.gz`), createVolume({ data: p, dims: [N, N, N] }), {
      datatype: 'float32',
    });
    await writeNifti(join(dir, 'gt', `${name}.nii.gz`), createVolume({ data: t, dims: [N, N, N] }), {
      datatype: 'uint8',
    });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('raunet evaluate --thresholds', () => {
  /** `raunet evaluate` of fold f0 (and the given flags) against the truth. */
  const evaluate = (...flags: string[]) => cli('evaluate', '--pred', join(dir, 'f0'), '--gt', join(dir, 'gt'), ...flags);

  it('picks the threshold and minimum component size with the best mean DSC over the folds, and scores the masks at it', async () => {
    const r = await evaluate('--pred', join(dir, 'f1'), '--thresholds', '0.4,0.5,0.7', '--min-sizes', '0,9', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { sweep: ThresholdSweep; summary: { dice: { mean: number } }; folds: unknown[] };
    const mean = out.sweep.dice.map((row) => row.map((d) => d.mean));
    // p >= 0.4: cube + blob, 2*64 / (72 + 64); p >= 0.5: the blob only, 0; p >= 0.7: empty, 0.
    // Min size 9 removes the 8-voxel blob: the cube alone at 0.4 (DSC 1), nothing at 0.5.
    expect(mean[0][0]).toBeCloseTo(128 / 136, 12);
    expect(mean[0].slice(1)).toEqual([0, 0]);
    expect(mean[1]).toEqual([1, 0, 0]);
    expect(out.sweep.best).toEqual({ threshold: 0.4, minSize: 9, dice: 1 });
    // the full evaluation is of the chosen masks, across the two folds
    expect(out.summary.dice.mean).toBe(1);
    expect(out.folds).toHaveLength(2);
    const text = await evaluate('--thresholds', '0.5,0.4');
    expect(text.stdout).toContain('chosen: threshold 0.4, min size 0 (mean DSC 0.9412)');
  });

  it('refuses a bad list and --min-sizes without --thresholds, as usage errors', async () => {
    const bad = await evaluate('--thresholds', '0.4,1.5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--thresholds must be a comma-separated list of numbers in [0, 1], received '0.4,1.5' ('1.5')");
    const alone = await evaluate('--min-sizes', '10');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--min-sizes needs --thresholds');
  });
});
