import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';

import { readNifti, writeNifti } from '@raunet/io';
import { infectionBurden, segmentLungs } from '@raunet/lungs';
import { generatePhantom } from '@raunet/phantom';
import { buildUNet3D, saveModel } from '@raunet/raunet';
import { cli } from './__fixtures__/run-cli.js';

const DATA = resolve('../shared/data/nifti');
const haveData = existsSync(DATA);
if (!haveData && process.env.CI === 'true') throw new Error(`shared data missing in CI: ${DATA}`);

let dir = '';
const ph = generatePhantom({ dims: [48, 48, 24], seed: 4, lesions: 3, consolidationProbability: 0.5 });
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'raunet-lungs-'));
  for (const sub of ['ct', 'truth', 'lung']) mkdirSync(join(dir, sub));
  await writeNifti(join(dir, 'ct', 'case1.nii.gz'), ph.ct);
  await writeNifti(join(dir, 'truth', 'case1.nii.gz'), ph.infection);
  await writeNifti(join(dir, 'lung', 'case1.nii.gz'), ph.lung);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('raunet lungs', () => {
  it('writes a 0/1/2 lung mask, a picture and a mesh; volumes agree with the mask written', async () => {
    const out = join(dir, 'lungs', 'l.nii.gz');
    const r = await cli(
      'lungs',
      join(dir, 'ct', 'case1.nii.gz'),
      '--output',
      out,
      '--png',
      join(dir, 'lungs', 'l.png'),
      '--mesh',
      join(dir, 'lungs', 'l.stl'),
      '--json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      leftVolumeMl: number;
      rightVolumeMl: number;
      meshVolumeMl: number;
    };
    const mask = await readNifti(out);
    expect(mask.dims).toEqual(ph.ct.dims);
    const d = mask.data as Uint8Array;
    const count = [0, 0, 0];
    for (const v of d) count[v]++;
    const ml = (ph.ct.spacing[0] * ph.ct.spacing[1] * ph.ct.spacing[2]) / 1000;
    expect(summary.leftVolumeMl).toBeCloseTo(count[1] * ml, 6);
    expect(summary.rightVolumeMl).toBeCloseTo(count[2] * ml, 6);
    expect(summary.meshVolumeMl).toBeGreaterThan(0.8 * (count[1] + count[2]) * ml);
    expect(
      readFileSync(join(dir, 'lungs', 'l.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const bad = await cli('lungs', join(dir, 'ct', 'case1.nii.gz'), '--output', join(dir, 'x.png'));
    expect(bad.code).toBe(2);
    expect((await cli('lungs', '--output', out)).code).toBe(2);
  });

  it.skipIf(!haveData)('on the real CIP chest CT: two lungs, about 4.5 L', async () => {
    const r = await cli(
      'lungs',
      join(DATA, 'chest_ct_cip64_int16.nii.gz'),
      '--output',
      join(dir, 'cip.nii.gz'),
      '--json',
    );
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { leftVolumeMl: number; rightVolumeMl: number; tracheaFound: boolean };
    expect(s.leftVolumeMl + s.rightVolumeMl).toBeGreaterThan(4300);
    expect(s.leftVolumeMl + s.rightVolumeMl).toBeLessThan(4800);
    expect(s.tracheaFound).toBe(true);
  });
});

describe('raunet predict --auto-lungs --burden, evaluate --images/--lungs', () => {
  it('reports the burden per case on stdout and in a file, restricted to the automatic lungs, and nothing else in the mask folder', async () => {
    const model = buildUNet3D({ patchSize: [16, 16, 8], levels: 2, baseFilters: 2, seed: 3 });
    const modelDir = join(dir, 'model');
    await saveModel(model, modelDir);
    model.dispose();
    const out = join(dir, 'pred');
    const common = [
      '--model',
      modelDir,
      '--input',
      join(dir, 'ct'),
      '--output',
      out,
      '--backend',
      'cpu',
      '--overlap',
      '0',
      '--threshold',
      '0.3',
    ];
    const r = await cli('predict', ...common, '--auto-lungs', '--burden', join(dir, 'burden.csv'), '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as {
      cases: { name: string; burden: ReturnType<typeof infectionBurden> }[];
    };
    expect(readdirSync(out)).toEqual(['case1.nii.gz']);
    const mask = await readNifti(join(out, 'case1.nii.gz'));
    const expected = infectionBurden(mask, segmentLungs(ph.ct).mask);
    expect(result.cases[0].name).toBe('case1');
    expect(result.cases[0].burden.left.volumeMl).toBeCloseTo(expected.left.volumeMl, 6);
    expect(result.cases[0].burden.right.percentInvolved).toBeCloseTo(expected.right.percentInvolved, 6);
    expect(result.cases[0].burden.outsideLungsMl).toBe(0);
    expect(result.cases[0].burden.infectionMl).toBeGreaterThan(0);
    const csv = readFileSync(join(dir, 'burden.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toContain('left_percent');
    expect(csv[1].startsWith('"case1",')).toBe(true);
    expect(Number(csv[1].split(',')[5])).toBeCloseTo(expected.left.percentInvolved, 3);
    const both = await cli('predict', ...common, '--auto-lungs', '--lungs', join(dir, 'lung'));
    expect(both.code).toBe(2);

    // evaluate: the truth against itself has no burden error; the prediction's error is its burden minus the truth's.
    const self = await cli(
      'evaluate',
      '--pred',
      join(dir, 'truth'),
      '--gt',
      join(dir, 'truth'),
      '--lungs',
      join(dir, 'lung'),
      '--json',
    );
    expect(self.code).toBe(0);
    const selfResult = JSON.parse(self.stdout) as { burden: { cases: { error: Record<string, number> }[] } };
    expect(selfResult.burden.cases[0].error).toEqual({
      infectionMl: 0,
      leftPercent: 0,
      rightPercent: 0,
      totalPercent: 0,
    });
    const ev = await cli(
      'evaluate',
      '--pred',
      out,
      '--gt',
      join(dir, 'truth'),
      '--images',
      join(dir, 'ct'),
      '--burden',
      join(dir, 'eval-burden.json'),
    );
    expect(ev.code).toBe(0);
    expect(ev.stdout).toContain('burden error');
    const file = JSON.parse(readFileSync(join(dir, 'eval-burden.json'), 'utf8')) as {
      cases: {
        predicted: { infectionMl: number };
        truth: { infectionMl: number };
        error: { infectionMl: number };
      }[];
    };
    const c = file.cases[0];
    expect(c.error.infectionMl).toBeCloseTo(c.predicted.infectionMl - c.truth.infectionMl, 9);
    expect(c.predicted.infectionMl).toBeCloseTo(result.cases[0].burden.infectionMl, 6);
    expect((await cli('evaluate', '--pred', out, '--gt', out, '--burden', join(dir, 'b.json'))).code).toBe(2);
  });
});
