import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume } from '@raunet/core';
import { readNifti, writeNifti } from '@raunet/io';
import { readOnnxMetadata } from '@raunet/onnx';
import { shippedModelDir } from '@raunet/models/node';
import { buildRAUnet, buildUNet3D, initBackend, networkDirs, saveModel, setModelInfo } from '@raunet/raunet';
import { cli } from './__fixtures__/run-cli.js';

// `raunet ensemble` writes a folder that `raunet predict --model` (one worker or several) reads as the mean of its
// members; checked against each member's own probability map, predicted apart.

let dir = '';
const members: string[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'raunet-ensemble-cli-'));
  await initBackend('cpu');
  const built = [
    buildUNet3D({ patchSize: [16, 16, 8], levels: 2, baseFilters: 2, seed: 3 }),
    buildRAUnet({ patchSize: [16, 16, 8], levels: 2, baseFilters: 4, attentionHeads: 2, attentionBottleneckFilters: 4, seed: 4 }),
    buildUNet3D({ patchSize: [16, 16, 8], levels: 2, baseFilters: 2, seed: 5 }),
  ];
  for (const [i, m] of built.entries()) {
    setModelInfo(m, { inference: { threshold: 0.5, overlap: 0 } });
    members.push(join(dir, `fold-${i}`));
    await saveModel(m, members[i]);
    m.dispose();
  }
  mkdirSync(join(dir, 'ct'));
  for (const [name, seed] of [['a', 1], ['b', 7]] as const) {
    const dims: [number, number, number] = [30, 26, 12];
    const data = new Int16Array(dims[0] * dims[1] * dims[2]);
    for (let i = 0; i < data.length; i++) data[i] = -1000 + ((i * 7919 * seed) % 1700);
    await writeNifti(join(dir, 'ct', `${name}.nii.gz`), createVolume({ data, dims, spacing: [1.2, 0.9, 2.5] }));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function prob(path: string): Promise<Float32Array> {
  return (await readNifti(path)).data as Float32Array;
}

describe('raunet ensemble', () => {
  it('writes float16 members that predict, in one process or two workers, the mean of the members', async () => {
    const out = join(dir, 'ens');
    const r = await cli('ensemble', '--model', members[0], '--model', members[1], '--model', members[2], '--output', out, '--weights', 'float16', '--threshold', '0.45', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { bytes: number; members: string[]; inference: { threshold: number } };
    expect(summary.members).toEqual(members);
    expect(summary.inference).toEqual({ threshold: 0.45 });
    const memberWeights = members.reduce((n, m) => n + statSync(join(m, 'weights.bin')).size, 0);
    const ensembleWeights = [0, 1, 2].reduce((n, i) => n + statSync(join(out, `member-${i}`, 'weights.bin')).size, 0);
    expect(ensembleWeights * 2).toBe(memberWeights);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary folder left

    const ct = join(dir, 'ct');
    for (const [i, m] of members.entries()) {
      const p = await cli('predict', '--model', m, '--input', ct, '--output', join(dir, `pred-${i}`), '--prob', join(dir, `prob-${i}`), '--workers', '1');
      expect(p.code).toBe(0);
    }
    const one = await cli('predict', '--model', out, '--input', ct, '--output', join(dir, 'pred-e'), '--prob', join(dir, 'prob-e'), '--workers', '1');
    expect(one.code).toBe(0);
    expect(one.stderr).toContain('an ensemble of 3 members');
    const two = await cli('predict', '--model', out, '--input', ct, '--output', join(dir, 'pred-e2'), '--prob', join(dir, 'prob-e2'), '--workers', '2');
    expect(two.code).toBe(0);
    expect(two.stderr).toContain('2 cases on 2 workers');
    expect(two.stderr.match(/an ensemble of 3 members/g)).toHaveLength(1); // each worker loads it; the line is printed once

    for (const name of ['a', 'b']) {
      const own = await Promise.all([0, 1, 2].map((i) => prob(join(dir, `prob-${i}`, `${name}.nii.gz`))));
      const e = await prob(join(dir, 'prob-e', `${name}.nii.gz`));
      const mask = (await readNifti(join(dir, 'pred-e', `${name}.nii.gz`))).data;
      let maxDiff = 0;
      let spread = 0;
      for (let k = 0; k < e.length; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(e[k] - (own[0][k] + own[1][k] + own[2][k]) / 3));
        spread = Math.max(spread, Math.abs(own[0][k] - own[1][k]));
        expect(mask[k]).toBe(e[k] >= 0.45 ? 1 : 0); // the ensemble's own threshold
      }
      expect(spread).toBeGreaterThan(1e-3);
      expect(maxDiff).toBeLessThan(5e-3); // float16 members
      // two worker processes give the same files as one
      expect(readFileSync(join(dir, 'prob-e2', `${name}.nii.gz`))).toEqual(readFileSync(join(dir, 'prob-e', `${name}.nii.gz`)));
      expect(readFileSync(join(dir, 'pred-e2', `${name}.nii.gz`))).toEqual(readFileSync(join(dir, 'pred-e', `${name}.nii.gz`)));
    }

    // ONNX Runtime runs the members in one exported graph (a Mean node) and gives the same average
    const ort = await cli('predict', '--model', out, '--input', join(ct, 'a.nii.gz'), '--output', join(dir, 'ort.nii.gz'), '--prob', join(dir, 'ort-prob.nii.gz'), '--backend', 'onnxruntime-cpu');
    expect(ort.code).toBe(0);
    expect(ort.stderr).toContain('an ensemble of 3 members, their probabilities averaged (one ONNX graph)');
    const [pOrt, pTfjs] = await Promise.all([prob(join(dir, 'ort-prob.nii.gz')), prob(join(dir, 'prob-e', 'a.nii.gz'))]);
    let ortDiff = 0;
    for (let k = 0; k < pOrt.length; k++) ortDiff = Math.max(ortDiff, Math.abs(pOrt[k] - pTfjs[k]));
    expect(ortDiff).toBeLessThan(1e-4);
  });

  it('exports an ensemble as one ONNX graph with the ensemble\'s own threshold', async () => {
    const out = join(dir, 'ens');
    const file = join(dir, 'ens.onnx');
    const r = await cli('export', '--model', out, '--output', file, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { members: number; opCounts: Record<string, number> };
    expect(summary.members).toBe(3);
    expect(summary.opCounts.Mean).toBe(1);
    expect(summary.opCounts.MatMul).toBe(2); // the one RA-Unet member's attention
    const meta = readOnnxMetadata(readFileSync(file));
    expect(meta.members).toBe(3);
    expect(meta.info?.inference?.threshold).toBe(0.45);
    expect(JSON.parse(meta.metadata['raunet.inference'])).toMatchObject({ threshold: 0.45, overlap: 0 });
    const text = await cli('export', '--model', out, '--output', join(dir, 'ens-text.onnx'));
    expect(text.stdout).toContain('the mean of an ensemble of 3 networks');
  });

  it('writes uint8 members with --weights uint8: kernels as uint8, vectors as float16', async () => {
    const out = join(dir, 'ens-u8');
    const r = await cli('ensemble', '--model', members[0], '--model', members[1], '--output', out, '--weights', 'uint8');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 members with uint8 weights/);
    for (const i of [0, 1]) {
      const json = JSON.parse(readFileSync(join(out, `member-${i}`, 'model.json'), 'utf8')) as {
        weightsManifest: { weights: { shape: number[]; quantization?: { dtype: string } }[] }[];
      };
      const weights = json.weightsManifest[0].weights;
      expect(weights.map((w) => w.quantization?.dtype)).toEqual(weights.map((w) => (w.shape.length >= 2 ? 'uint8' : 'float16')));
      const bytes = weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * (w.shape.length >= 2 ? 1 : 2), 0);
      expect(statSync(join(out, `member-${i}`, 'weights.bin')).size).toBe(bytes);
    }
    const p = await cli('predict', '--model', out, '--input', join(dir, 'ct', 'a.nii.gz'), '--output', join(dir, 'u8.nii.gz'), '--workers', '1');
    expect(p.code).toBe(0);
    const bad = await cli('ensemble', '--model', members[0], '--model', members[1], '--output', join(dir, 'w'), '--weights', 'int4');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/float32, float16, uint8/);
  });

  it("predict --scale-tta reaches the prediction: '1' is the plain map, '0.8,1.25' another one on the same grid", async () => {
    const ct = join(dir, 'ct');
    const run = async (name: string, ...extra: string[]) => {
      const r = await cli('predict', '--model', members[0], '--input', ct, '--output', join(dir, `st-${name}`), '--prob', join(dir, `stp-${name}`), '--workers', '1', ...extra);
      expect(r.code, r.stderr).toBe(0);
      return prob(join(dir, `stp-${name}`, 'a.nii.gz'));
    };
    const plain = await run('plain');
    const one = await run('one', '--scale-tta', '1');
    const two = await run('two', '--scale-tta', '0.8,1.25');
    expect(Array.from(one)).toEqual(Array.from(plain));
    expect(two.length).toBe(plain.length);
    expect(two.some((v, k) => Math.abs(v - plain[k]) > 1e-3)).toBe(true);
    const bad = await cli('predict', '--model', members[0], '--input', ct, '--output', join(dir, 'st-bad'), '--scale-tta', '1,x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/predict: --scale-tta must be a comma-separated list of positive zoom factors, received '1,x' \('x'\)/);
  });

  it('refuses one member and an ensemble as a member, with a clear message', async () => {
    const out = join(dir, 'ens2');
    const made = await cli('ensemble', '--model', members[0], '--model', members[2], '--output', out, '--no-tta', '--scale-tta', '0.8, 1.25', '--overlap', '0.25');
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/2 members with float32 weights.*flipTta false, scaleTta 0.8,1.25, overlap 0.25/);
    // predict's settings flags are stored with the ensemble, over the first member's (threshold 0.5, overlap 0)
    expect(JSON.parse(readFileSync(join(out, 'ensemble.json'), 'utf8')).inference).toEqual({ flipTta: false, scaleTta: [0.8, 1.25], overlap: 0.25 });
    const badScale = await cli('ensemble', '--model', members[0], '--model', members[2], '--output', join(dir, 'u'), '--scale-tta', '1,0');
    expect(badScale.code).toBe(2);
    expect(badScale.stderr).toMatch(/ensemble: --scale-tta must be a comma-separated list of positive zoom factors, received '1,0' \('0'\)/);
    const contradiction = await cli('ensemble', '--model', members[0], '--model', members[2], '--output', join(dir, 'w'), '--tta', '--no-tta');
    expect(contradiction.code).toBe(2);
    expect(contradiction.stderr).toMatch(/ensemble: --tta and --no-tta contradict each other/);

    const single = await cli('ensemble', '--model', members[0], '--output', join(dir, 'x'));
    expect(single.code).toBe(2);
    expect(single.stderr).toMatch(/at least two --model members/);
    const nested = await cli('ensemble', '--model', out, '--model', members[1], '--output', join(dir, 'y'));
    expect(nested.code).toBe(2);
    expect(nested.stderr).toMatch(/is itself an ensemble; list its members instead/);
    const shipped = await cli('ensemble', '--model', members[0], '--model', 'lidc-nodules', '--output', join(dir, 'v'));
    expect(shipped.code).toBe(2);
    expect(shipped.stderr).toMatch(/--model 'lidc-nodules' is itself an ensemble; list its members instead \(.*member-0, .*member-1\)/);
    const lidcNetwork = (await networkDirs(shippedModelDir('lidc-nodules')))[0]; // 48x48x16
    const mixed = await cli('ensemble', '--model', members[0], '--model', lidcNetwork, '--output', join(dir, 'z'));
    expect(mixed.code).not.toBe(0);
    expect(mixed.stderr).toMatch(/member 1 has patch .* member 0 16x16x8/);
    expect(() => statSync(join(dir, 'z'))).toThrow();
  });
});
