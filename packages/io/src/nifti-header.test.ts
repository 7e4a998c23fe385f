import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { describe, expect, it } from 'vitest';
import { decodeNiftiHeader } from './index.js';

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI) throw new Error('shared data missing in CI: ' + DATA);

const same = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

describe.skipIf(!have)('raw header fields agree with nifti-reader-js on single-file NIfTI-1 (needs ../shared/data/nifti)', () => {
  const files = have ? (JSON.parse(readFileSync(path.join(DATA, 'manifest.json'), 'utf8')) as { dest: string; nibabel: { magic?: string } }[]).filter((e) => e.nibabel.magic === 'n+1') : [];
  it('has NIfTI-1 files of both byte orders', () => {
    expect(files.length).toBeGreaterThan(40);
  });
  it.each(files.map((e) => e.dest))('%s', (name) => {
    const bytes = readFileSync(path.join(DATA, name));
    // Only the header: nifti-reader-js parses what 64 KiB of the (compressed) file give.
    const head = name.endsWith('.gz') ? gunzipSync(bytes.subarray(0, 65536), { finishFlush: constants.Z_SYNC_FLUSH }) : bytes.subarray(0, 65536);
    const ours = decodeNiftiHeader(bytes, { name });
    const theirs = nifti.readHeader(head.buffer.slice(head.byteOffset, head.byteOffset + head.length)) as nifti.NIFTI1;
    expect(ours.littleEndian).toBe(theirs.littleEndian);
    expect(ours.dims).toEqual(theirs.dims.slice(1, theirs.dims[0] + 1));
    expect(ours.datatypeCode).toBe(theirs.datatypeCode);
    expect(ours.voxOffset).toBe(theirs.vox_offset);
    expect(same(ours.sclSlope, theirs.scl_slope) && same(ours.sclInter, theirs.scl_inter)).toBe(true);
    expect([ours.qformCode, ours.sformCode]).toEqual([theirs.qform_code, theirs.sform_code]);
    // descrip is a C string: we stop at the first NUL, nifti-reader-js skips NULs and goes on.
    expect(theirs.description.startsWith(ours.description)).toBe(true);
    // Where nifti-reader-js picks the same method as nibabel (sform wins ties, qform only when it has
    // the higher code), its affine is ours too.
    if (ours.affineSource !== 'fallback' && !(ours.sformCode > 0 && ours.qformCode > ours.sformCode)) {
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(Math.abs(ours.affine[r][c] - theirs.affine[r][c])).toBeLessThan(1e-4);
    }
    expect(ours.extensions.length).toBe(theirs.extensions.length);
  });
});
