import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVolume, DatasetError } from '@raunet/core';
import { writeNifti } from '@raunet/io';
import { loadDataset, splitDataset } from './dataset.js';

let root: string;
const vol = (dims: [number, number, number], spacing: [number, number, number] = [1, 1, 2]) =>
  createVolume({ data: new Int16Array(dims[0] * dims[1] * dims[2]), dims, spacing });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'raunet-ds-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function layout(name: string, cases: Record<string, { image?: [number, number, number]; label?: [number, number, number]; labelSpacing?: [number, number, number] }>) {
  const dir = join(root, name);
  for (const sub of ['COVID-19-CT-Seg_20cases', 'Infection_Mask', 'Lung_Mask']) await mkdir(join(dir, sub), { recursive: true });
  for (const [c, spec] of Object.entries(cases)) {
    if (spec.image) {
      await writeNifti(join(dir, 'COVID-19-CT-Seg_20cases', `${c}.nii.gz`), vol(spec.image));
      await writeNifti(join(dir, 'Lung_Mask', `${c}.nii.gz`), vol(spec.image));
    }
    if (spec.label) await writeNifti(join(dir, 'Infection_Mask', `${c}.nii.gz`), vol(spec.label, spec.labelSpacing));
  }
  return dir;
}

describe('loadDataset', () => {
  it('reads the COVID-19-CT-Seg layout with lung masks, sorted by name', async () => {
    const dir = await layout('ok', { coronacases_002: { image: [4, 4, 3], label: [4, 4, 3] }, coronacases_001: { image: [5, 4, 3], label: [5, 4, 3] } });
    const ds = await loadDataset({ root: dir });
    expect(ds.cases.map((c) => c.name)).toEqual(['coronacases_001', 'coronacases_002']);
    expect(ds.cases[0].image).toBe(join(dir, 'COVID-19-CT-Seg_20cases', 'coronacases_001.nii.gz'));
    expect(ds.cases[0].label).toBe(join(dir, 'Infection_Mask', 'coronacases_001.nii.gz'));
    expect(ds.cases[0].lung).toBe(join(dir, 'Lung_Mask', 'coronacases_001.nii.gz'));
    const same = await loadDataset({ imagesDir: join(dir, 'COVID-19-CT-Seg_20cases'), labelsDir: join(dir, 'Infection_Mask') });
    expect(same.cases.map((c) => c.name)).toEqual(['coronacases_001', 'coronacases_002']);
    expect(same.cases[0].lung).toBeUndefined();
  });

  it('names unmatched files', async () => {
    const dir = await layout('unmatched', { a: { image: [4, 4, 3], label: [4, 4, 3] }, b: { image: [4, 4, 3] }, c: { label: [4, 4, 3] } });
    const error = await loadDataset({ imagesDir: join(dir, 'COVID-19-CT-Seg_20cases'), labelsDir: join(dir, 'Infection_Mask') }).catch((e: unknown) => e);
    expect(DatasetError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(join(dir, 'COVID-19-CT-Seg_20cases', 'b.nii.gz'));
    expect((error as Error).message).toContain(join(dir, 'Infection_Mask', 'c.nii.gz'));
  });

  it('names both files when dims or affines differ', async () => {
    const dims = await layout('dims', { a: { image: [4, 4, 3], label: [4, 5, 3] } });
    await expect(loadDataset({ imagesDir: join(dims, 'COVID-19-CT-Seg_20cases'), labelsDir: join(dims, 'Infection_Mask') })).rejects.toThrow(
      /label .*Infection_Mask\/a\.nii\.gz has dims 4x5x3 voxels but image .*a\.nii\.gz has 4x4x3/,
    );
    const aff = await layout('affine', { a: { image: [4, 4, 3], label: [4, 4, 3], labelSpacing: [1, 1, 2.5] } });
    const error = await loadDataset({ imagesDir: join(aff, 'COVID-19-CT-Seg_20cases'), labelsDir: join(aff, 'Infection_Mask') }).catch((e: unknown) => e);
    expect(DatasetError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/different affines \(largest difference 0\.5000 mm/);
  });

  it('reads a JSON list with paths relative to it, and reports a bad list', async () => {
    const dir = await layout('list', { x: { image: [4, 4, 3], label: [4, 4, 3] } });
    const list = join(dir, 'list.json');
    await writeFile(list, JSON.stringify({ cases: [{ image: 'COVID-19-CT-Seg_20cases/x.nii.gz', label: 'Infection_Mask/x.nii.gz', name: 'case-x' }] }));
    const ds = await loadDataset({ list });
    expect(ds.cases).toEqual([{ name: 'case-x', image: join(dir, 'COVID-19-CT-Seg_20cases/x.nii.gz'), label: join(dir, 'Infection_Mask/x.nii.gz') }]);
    await writeFile(list, JSON.stringify([{ image: 'a.nii.gz' }]));
    await expect(loadDataset({ list })).rejects.toThrow(/entry 0 must have string fields "image" and "label"/);
    await writeFile(list, JSON.stringify([{ image: 'missing.nii.gz', label: 'missing2.nii.gz' }]));
    await expect(loadDataset({ list })).rejects.toThrow(/missing\.nii\.gz/);
  });
});

describe('splitDataset', () => {
  const names = Array.from({ length: 20 }, (_, i) => `case${i}`);
  it('gives the paper split 16 / 1 / 3 of 20 by default, deterministic by seed, disjoint', () => {
    const a = splitDataset(names, { seed: 3 });
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([16, 1, 3]);
    expect(new Set([...a.train, ...a.validation, ...a.test]).size).toBe(20);
    expect(splitDataset(names, { seed: 3 })).toEqual(a);
    expect(splitDataset(names, { seed: 4 })).not.toEqual(a);
    const b = splitDataset(names, { validationFraction: 0.2, testCount: 0 });
    expect([b.train.length, b.validation.length, b.test.length]).toEqual([16, 4, 0]);
    expect(() => splitDataset(names, { testCount: 10, validationCount: 10 })).toThrow(/no training case/);
  });
});
