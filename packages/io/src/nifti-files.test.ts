import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAccessError } from '@raunet/core';
import { afterAll, describe, expect, it } from 'vitest';
import { caseName, isNiftiPath } from './nifti-files.js';
import { listNiftiFiles } from './list-nifti-files.js';

const dir = mkdtempSync(join(tmpdir(), 'raunet-io-list-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('isNiftiPath and caseName', () => {
  it('accept single files and pair headers, gzipped or not, in any case', () => {
    for (const p of ['a.nii', 'a.nii.gz', 'a.hdr', 'a.hdr.gz', 'dir/A.NII.GZ', 'C:\\ct\\a.Hdr'])
      expect(isNiftiPath(p)).toBe(true);
    for (const p of ['a.img', 'a.img.gz', 'a.nii.gz.tmp-1', 'a.gz', 'nii', 'a.nii.zip'])
      expect(isNiftiPath(p)).toBe(false);
  });
  it('strip every NIfTI suffix and the folder', () => {
    expect(caseName('data/Infection_Mask/coronacases_001.nii.gz')).toBe('coronacases_001');
    expect(caseName('C:\\ct\\radiopaedia_4_85506_1.NII')).toBe('radiopaedia_4_85506_1');
    expect(caseName('pair.hdr.gz')).toBe('pair');
    expect(caseName('pair.img')).toBe('pair');
    expect(caseName('v1.2.nii')).toBe('v1.2');
  });
});

describe('listNiftiFiles', () => {
  it('lists NIfTI files sorted by name, skipping pair images, hidden and other files and folders', async () => {
    for (const f of ['b.nii.gz', 'a.nii', 'c.hdr', 'c.img', 'd.hdr.gz', 'notes.txt', '.a.nii.gz.tmp-1', '._e.nii.gz'])
      writeFileSync(join(dir, f), '');
    mkdirSync(join(dir, 'sub.nii'));
    expect(await listNiftiFiles(dir)).toEqual(['a.nii', 'b.nii.gz', 'c.hdr', 'd.hdr.gz'].map((f) => join(dir, f)));
    mkdirSync(join(dir, 'empty'));
    expect(await listNiftiFiles(join(dir, 'empty'))).toEqual([]);
  });
  it('names the folder when it is missing or a file', async () => {
    const missing = join(dir, 'missing');
    await expect(listNiftiFiles(missing)).rejects.toThrow(`${missing}: cannot list the folder: no such file or directory`);
    const error = await listNiftiFiles(join(dir, 'a.nii')).catch((e: unknown) => e);
    expect(FileAccessError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('not a directory');
  });
});
