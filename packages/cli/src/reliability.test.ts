import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createVolume, withData } from '@raunet/core';
import { readNifti, writeNifti } from '@raunet/io';
import { generatePhantom } from '@raunet/phantom';
import { cli } from './__fixtures__/run-cli.js';
import { COMMANDS } from './internal/registry.js';

// Each failure a user can cause ends in one clear line naming the file, before any long work.
// (docs/reliability.md lists these tests.)

const NIFTI = resolve('../shared/data/nifti');
const haveData = existsSync(NIFTI);
if (!haveData && process.env.CI) throw new Error(`shared data missing in CI: ${NIFTI}`);

let dir = '';
let ct = '';
let nanCt = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'raunet-reliability-'));
  const p = generatePhantom({ dims: [24, 24, 12], seed: 7, lesions: 2 });
  ct = join(dir, 'ct.nii.gz');
  await writeNifti(ct, p.ct);
  const data = Float32Array.from(p.ct.data as ArrayLike<number>);
  for (let i = 0; i < 1000; i++) data[i * 5] = NaN;
  nanCt = join(dir, 'nan_ct.nii.gz');
  await writeNifti(nanCt, withData(p.ct, data), { datatype: 'float32' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The last line of stderr, and the number of lines that are not progress or backend notes. */
const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? '';

describe('NaN / Inf voxels', () => {
  it('predict refuses a CT holding NaN, naming the file and the count, and writes nothing', async () => {
    const out = join(dir, 'nan-out', 'mask.nii.gz');
    const r = await cli('predict', '--model', 'lidc-nodules-unet', '--input', nanCt, '--output', out, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(
      `raunet predict: ${nanCt}: the CT has 1000 NaN or infinite voxel values (of ${24 * 24 * 12}); replace them before use (e.g. numpy.nan_to_num, or fslmaths -nan)`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('info counts NaN voxels and reports statistics of the finite ones, not "mean NaN"', async () => {
    const r = await cli('info', nanCt);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/mean NaN/);
    expect(r.stdout).toContain('1000 NaN or infinite voxels');
    const j = JSON.parse((await cli('info', nanCt, '--json')).stdout) as { intensity: { mean: number; nonFinite: number } };
    expect(j.intensity.nonFinite).toBe(1000);
    expect(Number.isFinite(j.intensity.mean)).toBe(true);
  });

  it('evaluate refuses a mask holding NaN, naming it', async () => {
    const pred = join(dir, 'nan-pred');
    const gt = join(dir, 'nan-gt');
    mkdirSync(pred);
    mkdirSync(gt);
    const m = createVolume({ data: new Float32Array(64).fill(1).map((x, i) => (i === 3 ? NaN : x)), dims: [4, 4, 4] });
    await writeNifti(join(pred, 'c.nii.gz'), m, { datatype: 'float32' });
    await writeNifti(join(gt, 'c.nii.gz'), withData(m, new Uint8Array(64).fill(1)));
    const r = await cli('evaluate', '--pred', pred, '--gt', gt);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toContain(`${join(pred, 'c.nii.gz')}: the predicted mask has 1 NaN or infinite voxel value`);
  });
});

describe('output locations are checked before the work', () => {
  it('predict to a path whose parent is a regular file fails at once (before the backend starts), naming it', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await cli('predict', '--model', 'lidc-nodules-unet', '--input', ct, '--output', join(file, 'sub', 'mask.nii.gz'), '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('backend:'); // no backend started, no inference
    expect(r.stderr.trim().split('\n')).toEqual([`raunet predict: ${join(file, 'sub')}: cannot create the output folder (--output): a part of the path is a file, not a folder`]);
  });

  it('predict with --output naming an existing folder for a single input fails before inference', async () => {
    const folder = join(dir, 'masks.nii.gz');
    mkdirSync(folder);
    const r = await cli('predict', '--model', 'lidc-nodules-unet', '--input', ct, '--output', folder, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('backend:');
    expect(lastLine(r.stderr)).toContain(`${folder}: --output names an existing folder`);
  });

  // root ignores permission bits: the parent-is-a-file test above is the one even root cannot pass.
  it.skipIf(process.getuid?.() === 0)('predict into a read-only folder fails before inference (skipped as root: permissions do not apply)', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const r = await cli('predict', '--model', 'lidc-nodules-unet', '--input', ct, '--output', join(locked, 'm.nii.gz'), '--backend', 'cpu');
    chmodSync(locked, 0o700);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('backend:');
    expect(lastLine(r.stderr)).toContain(`${locked}: cannot write in the output folder (--output): permission denied`);
    expect(readdirSync(locked)).toEqual([]); // no probe left behind
  });

  it('one rule for missing folders: mesh, evaluate --csv and predict create them', async () => {
    const mask = join(dir, 'mask.nii.gz');
    const sphere = new Uint8Array(16 * 16 * 16).map((_, i) => (Math.hypot((i % 16) - 8, (Math.floor(i / 16) % 16) - 8, Math.floor(i / 256) - 8) < 5 ? 1 : 0));
    await writeNifti(mask, createVolume({ data: sphere, dims: [16, 16, 16] }));
    const stl = join(dir, 'new', 'deeper', 'sphere.stl');
    const r = await cli('mesh', '--mask', mask, '--output', stl);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(stl)).toBe(true);
    const gt = join(dir, 'csv-gt');
    mkdirSync(gt);
    await writeNifti(join(gt, 'mask.nii.gz'), await readNifti(mask));
    const csv = join(dir, 'reports', 'sub', 'scores.csv');
    const e = await cli('evaluate', '--pred', gt, '--gt', gt, '--csv', csv);
    expect(e.code).toBe(0);
    expect(existsSync(csv)).toBe(true);
    // and a mesh output under a regular file fails before reading the mask
    const bad = await cli('mesh', '--mask', join(dir, 'missing.nii.gz'), '--output', join(dir, 'a-file', 'x.stl'));
    expect(bad.code).toBe(1);
  });
});

describe('bad inputs name their file', () => {
  it('evaluate on masks on different grids names both files with their folders, in one line', async () => {
    const pred = join(dir, 'grid-pred');
    const gt = join(dir, 'grid-gt');
    mkdirSync(pred);
    mkdirSync(gt);
    await writeNifti(join(pred, 'c.nii.gz'), createVolume({ data: new Uint8Array(64), dims: [4, 4, 4], spacing: [1, 1, 1] }));
    await writeNifti(join(gt, 'c.nii.gz'), createVolume({ data: new Uint8Array(64), dims: [4, 4, 4], spacing: [1, 1, 2] }));
    const r = await cli('evaluate', '--pred', pred, '--gt', gt);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('scoring'));
    expect(lines).toEqual([
      `raunet evaluate: prediction ${join(pred, 'c.nii.gz')} and ground truth ${join(gt, 'c.nii.gz')} are on different grids: voxel size 1 x 1 x 1 vs 1 x 1 x 2 mm`,
    ]);
  });

  it('a 4D input names its file', async () => {
    const four = join(dir, 'four.nii.gz');
    await writeNifti(four, createVolume({ data: new Int16Array(8 * 8 * 4 * 2).fill(-1000), dims: [8, 8, 4, 2] }));
    const r = await cli('predict', '--model', 'lidc-nodules-unet', '--input', four, '--output', join(dir, 'four-out.nii.gz'), '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(`raunet predict: ${four}: the CT must be one 3D volume (or a 2D slice), received dims 8 x 8 x 4 x 2 (2 volumes); split it first (e.g. fslsplit)`);
  });

  it('a 2D (ndim = 2) slice is measured in mm², not "NaN mL"', async () => {
    const p = generatePhantom({ dims: [64, 64, 1], seed: 3, lesions: 2 });
    const slice = join(dir, 'slice.nii.gz');
    await writeNifti(slice, createVolume({ data: p.ct.data, dims: [64, 64], spacing: [0.8, 0.8] }));
    expect((await readNifti(slice)).dims).toEqual([64, 64]);
    const r = await cli('predict', '--model', 'covid-semiseg-unet', '--input', slice, '--output', join(dir, 'slice-mask.nii.gz'), '--backend', 'cpu', '--no-tta');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('NaN');
    const m = /: (\d+) infection voxels \(([\d.]+) mm² in 2D\)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeCloseTo(Number(m![1]) * 0.64, 1);
  });

  it.skipIf(!haveData)('info says a brain MR on 0..255 does not look like a CT, and exits 0', async () => {
    const r = await cli('info', join(NIFTI, 'fmt_pair_ras_nifti1.hdr'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^scale +does not look like a CT: /m);
    expect(r.stdout).not.toMatch(/windowed-0-255/);
  });
});

describe('the npm page of the command', () => {
  it('packages/cli/README.md shows the usage of every command and names every flag', async () => {
    const readme = readFileSync(resolve('packages/cli/README.md'), 'utf8');
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect(readme, name).toContain(`### \`raunet ${name}\``);
      const command = await entry.load();
      for (const flag of Object.keys(command.flags)) expect(readme, `${name} --${flag}`).toContain(`--${flag}`);
    }
  });
});
