import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAccessError, sameGrid } from '@raunet/core';
import { COVID_CT_SEG_FOLDERS, readNifti } from '@raunet/io';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePhantom } from './generate-phantom.js';
import { PHANTOM_DATASET_FOLDERS, writePhantomDataset } from './write-phantom-dataset.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('writePhantomDataset', () => {
  it('writes the COVID-19-CT-Seg layout that @raunet/io reads back with matching names, grids and voxels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raunet-phantom-'));
    dirs.push(dir);
    const seen: number[] = [];
    const options = { dims: [40, 36, 24] as [number, number, number], spacing: [9, 10, 12.5] as [number, number, number], lesions: 3 };
    const cases = await writePhantomDataset(dir, { ...options, cases: 3, seed: 40, lungAndInfection: true, onCase: (_c, n) => seen.push(n) });
    expect(seen).toEqual([0, 1, 2]);
    expect(cases.map((c) => c.name)).toEqual(['phantom_000', 'phantom_001', 'phantom_002']);
    expect(PHANTOM_DATASET_FOLDERS).toBe(COVID_CT_SEG_FOLDERS); // the deprecated name is the same object
    for (const folder of Object.values(COVID_CT_SEG_FOLDERS)) {
      const files = (await readdir(join(dir, folder))).sort();
      expect(folder).toMatch(/^(COVID-19-CT-Seg_20cases|Infection_Mask|Lung_Mask|Lung_and_Infection_Mask)$/);
      expect(files).toEqual(['phantom_000.nii.gz', 'phantom_001.nii.gz', 'phantom_002.nii.gz']);
    }
    for (const [n, c] of cases.entries()) {
      expect(c.seed).toBe(40 + n);
      expect(c.image).toBe(`COVID-19-CT-Seg_20cases/${c.name}.nii.gz`);
      const ct = await readNifti(join(dir, c.image));
      const infection = await readNifti(join(dir, c.infection));
      const lung = await readNifti(join(dir, c.lung));
      expect(ct.data).toBeInstanceOf(Int16Array);
      expect(infection.data).toBeInstanceOf(Uint8Array);
      expect(sameGrid(ct, infection)).toBe(true);
      expect(sameGrid(ct, lung)).toBe(true);
      // Exactly the phantom generatePhantom gives for that seed.
      const ref = generatePhantom({ ...options, seed: c.seed });
      expect(sameGrid(ct, ref.ct)).toBe(true);
      expect(ct.spacing.slice(0, 3)).toEqual([9, 10, 12.5]);
      expect(Buffer.from((ct.data as Int16Array).buffer, (ct.data as Int16Array).byteOffset, ct.data.byteLength).equals(Buffer.from(ref.ct.data.buffer))).toBe(true);
      expect(Buffer.from(infection.data as Uint8Array).equals(Buffer.from(ref.infection.data))).toBe(true);
      expect(Buffer.from(lung.data as Uint8Array).equals(Buffer.from(ref.lung.data))).toBe(true);
      expect(c.lesions).toEqual(ref.lesions);
      // Combined labels: 3 exactly on infection, 1/2 on the rest of the lung split at the midline.
      const combined = await readNifti(join(dir, c.lungAndInfection!));
      expect(sameGrid(combined, ct)).toBe(true);
      const labels = combined.data as Uint8Array;
      const counts = [0, 0, 0, 0];
      let wrong = 0;
      for (let p = 0; p < labels.length; p++) {
        const label = labels[p];
        counts[label]++;
        if ((label === 3) !== (ref.infection.data[p] === 1) || (label > 0) !== (ref.lung.data[p] === 1)) wrong++;
        if ((label === 1 && p % 40 <= ref.midlineVoxel) || (label === 2 && p % 40 >= ref.midlineVoxel)) wrong++;
      }
      expect(wrong).toBe(0);
      expect(counts[1]).toBeGreaterThan(0);
      expect(counts[2]).toBeGreaterThan(0);
    }
    const manifest = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8'));
    expect(manifest.layout).toBe('COVID-19-CT-Seg');
    expect(manifest.parameters).toMatchObject({ cases: 3, seed: 40, dims: [40, 36, 24], spacing: [9, 10, 12.5], lesions: 3, noiseStd: 15 });
    expect(manifest.cases.map((c: { name: string; lung: string }) => [c.name, c.lung])).toEqual(cases.map((c) => [c.name, c.lung]));
    // No temporary files left behind.
    for (const folder of ['.', ...Object.values(COVID_CT_SEG_FOLDERS)]) {
      expect((await readdir(join(dir, folder))).filter((f) => f.includes('.tmp'))).toEqual([]);
    }
  });

  it('names the path when the folder cannot be created, and checks its arguments first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raunet-phantom-'));
    dirs.push(dir);
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'x');
    await expect(writePhantomDataset(join(blocker, 'sub'), { cases: 1, dims: [8, 8, 4] })).rejects.toSatisfy(
      (e: unknown) => FileAccessError.isInstance(e) && e.message.includes(blocker),
    );
    await expect(writePhantomDataset(join(dir, 'x'), { cases: 0 })).rejects.toThrow(/cases/);
    await expect(writePhantomDataset(join(dir, 'y'), { cases: 1, noiseStd: -3 })).rejects.toThrow(/noiseStd/);
    expect(existsSync(join(dir, 'y'))).toBe(false);
  });
});
