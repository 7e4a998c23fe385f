import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume, DatasetError, InvalidArgumentError, withData } from '@raunet/core';
import { readNifti, writeNifti } from '@raunet/io';
import { generatePhantom } from '@raunet/phantom';
import { prepareTrainingCases } from './internal/patch-batches.js';
import { prepareCase } from './preprocessing.js';

const NIFTI = resolve('../shared/data/nifti');
const LESIONS = resolve('../shared/data/lesions/covid-semiseg');
const haveData = existsSync(NIFTI) && existsSync(LESIONS);
if (!haveData && process.env.CI) throw new Error(`shared data missing in CI: ${NIFTI}, ${LESIONS}`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raunet-input-checks-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('inputs that must be refused before any work', () => {
  it('refuses a CT with NaN/Inf voxels, naming the file and the count, when training', async () => {
    const p = generatePhantom({ dims: [16, 16, 8], seed: 3, lesions: 1 });
    const data = Float32Array.from(p.ct.data as ArrayLike<number>);
    for (let i = 0; i < 1000; i += 10) data[i] = NaN;
    data[5] = Infinity;
    const image = join(dir, 'nan_ct.nii.gz');
    const label = join(dir, 'nan_label.nii.gz');
    await writeNifti(image, withData(p.ct, data), { datatype: 'float32' });
    await writeNifti(label, p.infection, { datatype: 'uint8' });
    expect((await readNifti(image)).data.filter((x) => Number.isNaN(x)).length).toBe(100); // the file really holds NaN
    const run = prepareTrainingCases([{ name: 'nan_ct', image, label }], {});
    await expect(run).rejects.toThrow(`${image}: the CT has 101 NaN or infinite voxel values (of ${data.length})`);
    await expect(run).rejects.toSatisfy((e) => InvalidArgumentError.isInstance(e));
    // the library refuses an in-memory volume too: NaN never reaches the network
    expect(() => prepareCase(withData(p.ct, data))).toThrow(/101 NaN or infinite/);
  });

  it.skipIf(!haveData)('refuses a brain MR on 0..255 for training unless the scale is declared; real 8-bit CT slices train when declared', async () => {
    const mrPath = join(NIFTI, 'fmt_pair_ras_nifti1.hdr');
    const mr = await readNifti(mrPath);
    const label = join(dir, 'mr_label.nii.gz');
    await writeNifti(label, withData(mr, new Uint8Array(mr.data.length)), { datatype: 'uint8' });
    const run = prepareTrainingCases([{ name: 'mr', image: mrPath, label }], {});
    await expect(run).rejects.toSatisfy((e) => DatasetError.isInstance(e));
    await expect(run).rejects.toThrow(/fmt_pair_ras_nifti1\.hdr: detectIntensityScale: .*preprocessing\.intensityScale 'hu', 'windowed-0-255' or 'raw'/);
    // declared, it is used (the user said so)
    await expect(prepareTrainingCases([{ name: 'mr', image: mrPath, label }], { intensityScale: 'raw', window: [0, 255] })).resolves.toHaveLength(1);
    // COVID-SemiSeg slices: 8-bit windowed CT (window unknown); declared, none is refused
    const names = ['semiseg_000', 'semiseg_002', 'semiseg_011', 'semiseg_030'];
    const cases = names.map((n) => ({ name: n, image: join(LESIONS, 'images', `${n}.nii.gz`), label: join(LESIONS, 'masks', `${n}.nii.gz`) }));
    for (const intensityScale of ['raw', 'windowed-0-255'] as const) {
      const prepared = await prepareTrainingCases(cases, { intensityScale, ...(intensityScale === 'raw' ? { window: [0, 255] as [number, number] } : {}) });
      expect(prepared.map((c) => c.name)).toEqual(names);
      for (const c of prepared) expect(c.image.data.every((x) => Number.isFinite(x) && x >= 0 && x <= 1)).toBe(true);
    }
  });

  it('keeps finite integer CTs (no NaN possible) untouched by the check', () => {
    const ct = createVolume({ data: new Int16Array(8).fill(-1000), dims: [2, 2, 2] });
    expect(() => prepareCase(ct, { options: { intensityScale: 'hu' } })).not.toThrow();
  });
});
