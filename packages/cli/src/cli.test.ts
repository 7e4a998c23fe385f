import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '@raunet/core';
import { readNifti, writeNifti } from '@raunet/io';
import { generatePhantom, writePhantomDataset } from '@raunet/phantom';
import * as tf from '@tensorflow/tfjs';
import { cli } from './__fixtures__/run-cli.js';
import { DEMO_DEFAULTS } from './internal/demo-defaults.js';
import { COMMANDS } from './internal/registry.js';

const DATA = resolve('../shared/data/nifti');
const haveData = existsSync(DATA);
if (!haveData && process.env.CI) throw new Error(`shared data missing in CI: ${DATA}`);

let dir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'raunet-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('raunet (usage)', () => {
  it('prints help and rejects unknown commands and flags with exit code 2', async () => {
    expect((await cli('--help')).stdout).toContain('Usage: raunet <command>');
    const unknown = await cli('segment');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'segment'");
    const badFlag = await cli('info', '--nope', 'x.nii');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("Unknown option '--nope'");
    expect((await cli('predict', '--help')).stdout).toContain('--model <NAME|DIR>');
  });
  it('shows each command with one summary, in the main help and at the top of its own help', async () => {
    const main = (await cli('--help')).stdout;
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect(main).toContain(`  ${name.padEnd(10)} ${entry.summary}\n`);
      expect((await cli(name, '--help')).stdout.split('\n')[0]).toBe(entry.summary);
    }
  });
  it('rejects malformed flag values before doing any work', async () => {
    const r = await cli('evaluate', '--pred', dir, '--gt', dir, '--tolerance', 'abc');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--tolerance must be a number >= 0, received 'abc'");
    const m = await cli('mesh', '--mask', 'm.nii', '--output', 'lesion.vtk');
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('.stl, .ply or .obj');
    const p = await cli('predict', '--model', 'lidc-nodules', '--input', dir, '--output', dir, '--precision', 'fp16');
    expect(p.code).toBe(2);
    expect(p.stderr).toContain("--precision must be one of fp32, bf16, received 'fp16'");
  });
});

describe('raunet info', () => {
  it.skipIf(!haveData)(
    'summarizes a real CT written by other software (needs ../shared/data/nifti)',
    async () => {
      const r = await cli('info', join(DATA, 'chest_ct_cip64_int16.nii.gz'), '--json');
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as {
        dims: number[];
        orientation: string;
        datatype: string;
        intensityScale: string;
        intensity: { min: number };
      };
      expect(s.dims).toEqual([64, 64, 79]);
      expect(s.orientation).toBe('LPS');
      expect(s.datatype).toBe('int16');
      expect(s.intensityScale).toBe('hu');
    },
  );
  it('names the file when it is missing or not NIfTI', async () => {
    const missing = await cli('info', join(dir, 'nope.nii.gz'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.nii\.gz: no such file/);
    const junk = join(dir, 'junk.nii');
    writeFileSync(junk, 'this is not a NIfTI file at all, just some text that is long enough '.repeat(10));
    const r = await cli('info', junk);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('junk.nii');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('raunet evaluate', () => {
  it('scores prediction folders against ground truth, matching the hand-counted Dice, and writes CSV', async () => {
    const pred = join(dir, 'pred');
    const gt = join(dir, 'gt');
    let expectedDice = 0;
    for (const [i, name] of ['a', 'b'].entries()) {
      const p = generatePhantom({ dims: [32, 32, 16], seed: 10 + i, lesions: 3 });
      const truth = p.infection;
      // The prediction: the truth shifted by one voxel along x (a known, imperfect prediction).
      const shifted = new Uint8Array(truth.data.length);
      for (let k = 0; k < 16; k++)
        for (let j = 0; j < 32; j++)
          for (let x = 1; x < 32; x++) shifted[x + 32 * (j + 32 * k)] = truth.data[x - 1 + 32 * (j + 32 * k)];
      let inter = 0;
      let sum = 0;
      for (let v = 0; v < shifted.length; v++) {
        inter += shifted[v] & truth.data[v];
        sum += shifted[v] + truth.data[v];
      }
      expectedDice += (2 * inter) / sum / 2;
      await writeNifti(join(gt, `${name}.nii.gz`), truth).catch(async () => {
        execFileSync('mkdir', ['-p', pred, gt]);
        await writeNifti(join(gt, `${name}.nii.gz`), truth);
      });
      execFileSync('mkdir', ['-p', pred]);
      await writeNifti(
        join(pred, `${name}.nii.gz`),
        createVolume({ data: shifted, dims: truth.dims, spacing: truth.spacing, affine: truth.affine }),
      );
    }
    const csv = join(dir, 'metrics.csv');
    const r = await cli('evaluate', '--pred', pred, '--gt', gt, '--csv', csv, '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as {
      cases: { name: string; dice: number }[];
      summary: { dice: { mean: number } };
    };
    expect(result.cases.map((c) => c.name)).toEqual(['a', 'b']);
    expect(result.summary.dice.mean).toBeCloseTo(expectedDice, 10);
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toContain('dice');
    const text = await cli('evaluate', '--pred', pred, '--gt', gt);
    expect(text.stdout).toMatch(/^case\s+DSC/);
    expect(text.stdout).toContain('mean');
  });
  it('with one --pred per fold, pools every case in summary and adds per-fold and across-fold figures', async () => {
    // two folds of one case each: the pooled mean equals the mean of the single-fold results
    const fold0 = join(dir, 'fold0');
    const fold1 = join(dir, 'fold1');
    execFileSync('mkdir', ['-p', fold0, fold1]);
    for (const [name, folder] of [['a', fold0], ['b', fold1]] as const) {
      const v = await readNifti(join(dir, 'pred', `${name}.nii.gz`));
      await writeNifti(join(folder, `${name}.nii.gz`), v);
    }
    const gt = join(dir, 'gt');
    const all = JSON.parse((await cli('evaluate', '--pred', join(dir, 'pred'), '--gt', gt, '--json')).stdout) as {
      cases: { name: string; dice: number }[];
      summary: { dice: { mean: number } };
    };
    const r = await cli('evaluate', '--pred', fold0, '--pred', fold1, '--gt', gt, '--json');
    expect(r.code).toBe(0);
    const folds = JSON.parse(r.stdout) as {
      summary: { dice: { mean: number } };
      folds: { cases: number; summary: { dice: { mean: number } } }[];
      acrossFolds: { dice: { mean: number; std: number } };
    };
    expect(folds.summary.dice.mean).toBeCloseTo(all.summary.dice.mean, 12);
    expect(folds.folds.map((f) => f.cases)).toEqual([1, 1]);
    const [da, db] = all.cases.map((c) => c.dice);
    expect(folds.folds[0].summary.dice.mean).toBeCloseTo(da, 12);
    expect(folds.acrossFolds.dice.mean).toBeCloseTo((da + db) / 2, 12);
    expect(folds.acrossFolds.dice.std).toBeCloseTo(Math.abs(da - db) / Math.SQRT2, 12);
    const text = await cli('evaluate', '--pred', fold0, '--pred', fold1, '--gt', gt);
    expect(text.stdout).toMatch(/across 2 folds: DSC \d\.\d{4} ± \d\.\d{4}/);
    // a case predicted in two folds is refused, naming both files
    const twice = await cli('evaluate', '--pred', fold0, '--pred', fold0, '--gt', gt);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("case 'a' is predicted in two folds");
  });
  it('refuses unmatched names before writing anything', async () => {
    const pred = join(dir, 'pred2');
    execFileSync('mkdir', ['-p', pred]);
    await writeNifti(join(pred, 'zzz.nii.gz'), createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] }));
    const csv = join(dir, 'never.csv');
    const r = await cli('evaluate', '--pred', pred, '--gt', join(dir, 'gt'), '--csv', csv);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no ground truth');
    expect(r.stderr).toContain('zzz');
    expect(existsSync(csv)).toBe(false);
  });
});

const LESIONS = resolve('../shared/data/lesions');
const haveLesions = existsSync(LESIONS);
if (!haveLesions && process.env.CI) throw new Error(`shared lesion data missing in CI: ${LESIONS}`);

describe('raunet models and predict --model NAME (shipped models)', () => {
  it('lists the shipped models with their validation figures, as a table and as JSON', async () => {
    const text = await cli('models');
    expect(text.code).toBe(0);
    for (const name of ['lidc-nodules', 'lidc-nodules-unet', 'covid-semiseg', 'covid-semiseg-unet']) expect(text.stdout).toContain(name);
    const cards = JSON.parse((await cli('models', '--json')).stdout) as { name: string; validation: { dice: { mean: number } } }[];
    expect(cards.map((c) => c.name).sort()).toEqual(['covid-semiseg', 'covid-semiseg-unet', 'lidc-nodules', 'lidc-nodules-unet']);
    for (const c of cards) expect(c.validation.dice.mean).toBeGreaterThan(0.5);
  });

  it('refuses a --model that is neither a folder nor a shipped name, listing the shipped ones', async () => {
    const r = await cli('predict', '--model', 'no-such-model', '--input', join(dir, 'x.nii.gz'), '--output', join(dir, 'y.nii.gz'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--model 'no-such-model' is neither a model folder nor a shipped model");
    expect(r.stderr).toContain('covid-semiseg');
  });

  it.skipIf(!haveLesions)(
    "segments a real 8-bit slice that intensity detection refuses, with the model's own settings and no other flag",
    { timeout: 300_000 },
    async () => {
      // semiseg_002 is refused by detectIntensityScale (not CT-like on 0..255): the model declares 'raw'
      const input = join(LESIONS, 'covid-semiseg', 'images', 'semiseg_002.nii.gz');
      const out = join(dir, 'semiseg_002_mask.nii.gz');
      const r = await cli('predict', '--model', 'covid-semiseg', '--input', input, '--output', out);
      expect(r.stderr).not.toContain('error');
      expect(r.code).toBe(0);
      const [ct, mask, truth] = await Promise.all([readNifti(input), readNifti(out), readNifti(join(LESIONS, 'covid-semiseg', 'masks', 'semiseg_002.nii.gz'))]);
      expect(mask.dims).toEqual(ct.dims);
      expect(mask.affine).toEqual(ct.affine);
      let inter = 0;
      let sum = 0;
      for (let i = 0; i < mask.data.length; i++) {
        const p = Number(mask.data[i]) > 0 ? 1 : 0;
        const t = Number(truth.data[i]) > 0 ? 1 : 0;
        inter += p & t;
        sum += p + t;
      }
      // a training slice of this model: the point is the plumbing (scale, grid), the bound is loose
      expect((2 * inter) / sum).toBeGreaterThan(0.3);
      // a 3D model refuses the single slice, naming the mismatch
      const wrong = await cli('predict', '--model', 'lidc-nodules', '--input', input, '--output', join(dir, 'never.nii.gz'));
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/single slice \(2D.*the model is 3D/);
      expect(existsSync(join(dir, 'never.nii.gz'))).toBe(false);
    },
  );
});

describe('raunet mesh', () => {
  it('writes a binary STL of a voxelized sphere whose triangle count matches its header', async () => {
    const n = 20;
    const data = new Uint8Array(n * n * n);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++)
        for (let i = 0; i < n; i++)
          if ((i - 9.5) ** 2 + (j - 9.5) ** 2 + (k - 9.5) ** 2 <= 36) data[i + n * (j + n * k)] = 1;
    const mask = join(dir, 'sphere.nii.gz');
    await writeNifti(mask, createVolume({ data, dims: [n, n, n], spacing: [1, 1, 2] }));
    const out = join(dir, 'sphere.stl');
    const r = await cli('mesh', '--mask', mask, '--output', out, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { triangles: number; volumeMl: number };
    const stl = readFileSync(out);
    expect(stl.readUInt32LE(80)).toBe(s.triangles);
    expect(stl.length).toBe(84 + 50 * s.triangles);
    // A 6-voxel-radius sphere stretched x2 along z: 4/3 pi 6^3 * 2 mm^3.
    expect(s.volumeMl * 1000).toBeGreaterThan(0.9 * (4 / 3) * Math.PI * 216 * 2);
    expect(s.volumeMl * 1000).toBeLessThan(1.1 * (4 / 3) * Math.PI * 216 * 2);
  });
});

// Training and prediction run on the pure-JS cpu backend: tiny budgets, generous timeouts for loaded machines.
describe('raunet train, predict, demo (tiny phantoms)', { timeout: 900_000 }, () => {
  let data = '';
  beforeAll(async () => {
    data = join(dir, 'data');
    await writePhantomDataset(data, { cases: 4, dims: [32, 32, 16], seed: 3, healthyProbability: 0 });
  });
  const tiny = [
    '--patch',
    '16,16,8',
    '--epochs',
    '1',
    '--steps',
    '2',
    '--batch-size',
    '2',
    '--backend',
    'cpu',
    '--test',
    '1',
    '--validation',
    '1',
  ];

  it('trains from folders with a config file, writes models, logs, curves, and predicts on the input grid', async () => {
    const config = join(dir, 'train.json');
    writeFileSync(
      config,
      JSON.stringify({ model: { levels: 2, baseFilters: 4, attentionHeads: 1 }, validationOverlap: 0 }),
    );
    const out = join(dir, 'run');
    const r = await cli('train', '--root', data, '--config', config, '--out', out, '--json', ...tiny);
    expect(r.stderr).not.toContain('unexpected');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      epochsCompleted: number;
      finalModelDir: string;
      test: string[];
    };
    expect(summary.epochsCompleted).toBe(1);
    for (const f of ['log.jsonl', 'log.csv', 'curves.svg', 'curves.png', 'split.json'])
      expect(existsSync(join(out, f))).toBe(true);
    expect(r.stderr).toContain('epoch 1/1');

    const input = join(data, 'COVID-19-CT-Seg_20cases', `${summary.test[0]}.nii.gz`);
    const outMask = join(dir, 'pred', 'mask.nii.gz');
    const p = await cli(
      'predict',
      '--model',
      summary.finalModelDir,
      '--input',
      input,
      '--output',
      outMask,
      '--prob',
      join(dir, 'pred', 'prob.nii.gz'),
      '--png',
      join(dir, 'pred', 'o.png'),
      '--backend',
      'cpu',
      '--overlap',
      '0',
    );
    expect(p.stderr).not.toContain('unexpected');
    expect(p.code).toBe(0);
    const ct = await readNifti(input);
    const mask = await readNifti(outMask);
    expect(mask.dims).toEqual(ct.dims);
    expect(mask.affine).toEqual(ct.affine.map((row) => row.map((x) => expect.closeTo(x, 4))));
    expect(
      readFileSync(join(dir, 'pred', 'o.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('trains with --deep-supervision: the checkpoint records it and the saved model is the plain network', async () => {
    const config = join(dir, 'train-ds.json');
    writeFileSync(config, JSON.stringify({ model: { levels: 4, baseFilters: 2, attentionHeads: 1 }, validationOverlap: 0 }));
    const out = join(dir, 'run-ds');
    const r = await cli('train', '--root', data, '--config', config, '--out', out, '--deep-supervision', ...tiny);
    expect(r.stderr).not.toContain('unexpected');
    expect(r.code).toBe(0);
    const state = JSON.parse(readFileSync(join(out, 'checkpoint', 'state.json'), 'utf8')) as { options: { deepSupervision?: boolean } };
    expect(state.options.deepSupervision).toBe(true);
    const saved = JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8')) as { modelTopology: { config: { output_layers: unknown[] } } };
    expect(saved.modelTopology.config.output_layers).toHaveLength(1);
    expect(JSON.stringify(saved.modelTopology)).not.toContain('deep_supervision');
    // A network too shallow to supervise is refused with the reason.
    writeFileSync(config, JSON.stringify({ model: { levels: 2, baseFilters: 4, attentionHeads: 1 }, deepSupervision: true }));
    const bad = await cli('train', '--root', data, '--config', config, '--out', join(dir, 'run-ds-bad'), ...tiny);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/deepSupervision needs a network of at least 4 levels/);
  });

  it('rejects a config file with unknown options, naming the file and the keys', async () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ epochz: 3 }));
    const r = await cli('train', '--root', data, '--config', config, '--out', join(dir, 'never'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.json');
    expect(r.stderr).toContain('epochz');
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('fails on an unwritable output with one line and no partial files', async () => {
    const locked = join(dir, 'locked');
    execFileSync('mkdir', ['-p', locked]);
    chmodSync(locked, 0o500);
    const input = join(data, 'COVID-19-CT-Seg_20cases', 'phantom_000.nii.gz');
    const r = await cli(
      'predict',
      '--model',
      join(dir, 'run', 'model'),
      '--input',
      input,
      '--output',
      join(locked, 'sub', 'm.nii.gz'),
      '--backend',
      'cpu',
    );
    chmodSync(locked, 0o700);
    // root ignores permission bits: then the prediction succeeds, which is also not a partial file.
    if (r.code !== 0) {
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toContain('locked');
    }
    expect(readdirSync(locked).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('runs the demo end to end on a tiny budget and writes its report', async () => {
    const out = join(dir, 'demo');
    const r = await cli(
      'demo',
      '--out',
      out,
      '--cases',
      '4',
      '--epochs',
      '1',
      '--steps',
      '1',
      '--size',
      '32,32,16',
      '--backend',
      'cpu',
      '--json',
    );
    expect(r.stderr).not.toContain('unexpected');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { testDsc: number; files: { report: string; pictures: string[] } };
    expect(s.testDsc).toBeGreaterThanOrEqual(0);
    expect(readFileSync(s.files.report, 'utf8')).toContain('<h1>');
    expect(s.files.pictures).toHaveLength(2);
    // the burden of each test case, measured with the phantom's own lungs, is in the summary and the report
    const burden = (JSON.parse(r.stdout) as { burden: { name: string; truth: { left: { volumeMl: number }; right: { volumeMl: number } } }[] }).burden;
    expect(burden).toHaveLength(2);
    for (const b of burden) expect(Math.min(b.truth.left.volumeMl, b.truth.right.volumeMl)).toBeGreaterThan(0);
    expect(readFileSync(s.files.report, 'utf8')).toContain('Infection burden');
    // the interactive viewer folder: each test case with its CT, truth, prediction and probabilities
    const viewer = JSON.parse(readFileSync(join(out, 'viewer', 'manifest.json'), 'utf8')) as { cases: { ct: string; truth: string; mask: string; prob: string }[] };
    expect(viewer.cases).toHaveLength(2);
    for (const c of viewer.cases) for (const f of [c.ct, c.truth, c.mask, c.prob]) expect(existsSync(join(out, 'viewer', f))).toBe(true);
    // the demo's phantom settings reach the generator (dataset.json records what was used)
    const manifest = JSON.parse(readFileSync(join(out, 'data', 'dataset.json'), 'utf8')) as {
      parameters: { lesionRadiusMm: number[]; consolidationProbability: number; healthyProbability: number };
    };
    expect(manifest.parameters.lesionRadiusMm).toEqual([...DEMO_DEFAULTS.lesionRadiusMm]);
    expect(manifest.parameters.consolidationProbability).toBe(DEMO_DEFAULTS.consolidationProbability);
    expect(manifest.parameters.healthyProbability).toBe(0);
  });
});

describe('the built bin', () => {
  const bin = resolve('packages/cli/dist/bin.js');
  const built = existsSync(bin);
  if (!built && process.env.CI) throw new Error('packages/cli is not built in CI');
  it.skipIf(!built || !haveData)(`runs as a process${built ? '' : ' (skipped: run pnpm build)'}`, () => {
    const out = execFileSync(
      process.execPath,
      [bin, 'info', join(DATA, 'chest_ct_cip64_int16.nii.gz'), '--json'],
      { encoding: 'utf8' },
    );
    expect((JSON.parse(out) as { dims: number[] }).dims).toEqual([64, 64, 79]);
    let code = 0;
    try {
      execFileSync(process.execPath, [bin, 'info', '/nonexistent.nii'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(1);
  });
});
