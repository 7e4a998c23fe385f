import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { FileAccessError, NiftiFormatError, UnsupportedError, type RaunetError } from '@raunet/core';
import { decodeNifti, decodeNiftiHeader, readNifti, readNiftiHeader } from './index.js';

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI) throw new Error('shared data missing in CI: ' + DATA);

/** Runs `fn`, expects a typed error of class `kind` whose message names `file` and matches `pattern`. */
async function expectError(fn: () => unknown, kind: { isInstance(e: unknown): boolean; name: string }, pattern: RegExp, file?: string): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a ${kind.name}`).toBeDefined();
  if (!kind.isInstance(caught)) throw new Error(`expected ${kind.name}, got ${String(caught)}`, { cause: caught });
  const err = caught as RaunetError;
  expect(err.message).toMatch(pattern);
  if (file !== undefined) {
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
  }
}

describe.skipIf(!have)('bad input gives typed errors naming the file (needs ../shared/data/nifti)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'raunet-io-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const good = have ? readFileSync(path.join(DATA, 'fmt_dtype_int16_3x3x3.nii')) : Buffer.alloc(0); // 352 + 54 bytes
  const goodGz = have ? readFileSync(path.join(DATA, 'chest_ct_cip64_int16.nii.gz')) : Buffer.alloc(0);
  const put = (name: string, bytes: Uint8Array): string => {
    const p = path.join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const patched = (edit: (b: Buffer) => void): Buffer => {
    const b = Buffer.from(good);
    edit(b);
    return b;
  };

  it('the good inputs are good (so the failures below are caused by the damage)', async () => {
    expect((await readNifti(put('good.nii', good))).dims).toEqual([3, 3, 3]);
    expect((await readNifti(put('good.nii.gz', goodGz))).dims).toEqual([64, 64, 79]);
  });

  it('missing file -> FileAccessError', async () => {
    const p = path.join(dir, 'nope.nii.gz');
    await expectError(() => readNifti(p), FileAccessError, /no such file/, p);
    await expectError(() => readNiftiHeader(p), FileAccessError, /no such file/, p);
  });

  it('file truncated inside the header -> NiftiFormatError', async () => {
    const p = put('short-header.nii', good.subarray(0, 200));
    await expectError(() => readNifti(p), NiftiFormatError, /truncated header: 200 bytes/, p);
    await expectError(() => readNiftiHeader(p), NiftiFormatError, /truncated/, p);
    await expectError(() => readNifti(put('tiny.nii', good.subarray(0, 2))), NiftiFormatError, /truncated file/);
    await expectError(() => readNifti(put('empty.nii', new Uint8Array(0))), NiftiFormatError, /truncated file: 0 bytes/);
  });

  it('header-only .nii -> NiftiFormatError', async () => {
    const p = put('header-only.nii', good.subarray(0, 352));
    await expectError(() => readNifti(p), NiftiFormatError, /header-only/, p);
    // The header itself is fine: a header-only read works.
    expect((await readNiftiHeader(p)).dims).toEqual([3, 3, 3]);
  });

  it('data shorter than the header claims -> NiftiFormatError', async () => {
    const p = put('short-data.nii', good.subarray(0, good.length - 1));
    await expectError(() => readNifti(p), NiftiFormatError, /data shorter than the header claims.*54 bytes.*only 53/, p);
    await expectError(() => decodeNifti(good.subarray(0, 380), { name: 'x.nii' }), NiftiFormatError, /only 28 present/, 'x.nii');
  });

  it('gzip stream cut short -> NiftiFormatError', async () => {
    const p = put('cut.nii.gz', goodGz.subarray(0, Math.floor(goodGz.length / 2)));
    await expectError(() => readNifti(p), NiftiFormatError, /cut short/, p);
    await expectError(() => decodeNifti(goodGz.subarray(0, Math.floor(goodGz.length / 2)), { name: 'cut.nii.gz' }), NiftiFormatError, /cut short/, 'cut.nii.gz');
    // Only the 8-byte trailer missing: still refused.
    const p2 = put('cut-trailer.nii.gz', goodGz.subarray(0, goodGz.length - 4));
    await expectError(() => readNifti(p2), NiftiFormatError, /cut short|corrupt/, p2);
    // Cut inside the header.
    const p3 = put('cut-header.nii.gz', goodGz.subarray(0, 40));
    await expectError(() => readNifti(p3), NiftiFormatError, /truncated/, p3);
    await expectError(() => readNiftiHeader(p3), NiftiFormatError, /truncated/, p3);
  });

  it('corrupt gzip data -> NiftiFormatError', async () => {
    const b = Buffer.from(goodGz);
    for (let i = 2000; i < 2400; i++) b[i] ^= 0x5a;
    const p = put('corrupt.nii.gz', b);
    await expectError(() => readNifti(p), NiftiFormatError, /gzip|data/, p);
    await expectError(() => decodeNifti(b, { name: 'c.nii.gz' }), NiftiFormatError, /gzip|data/, 'c.nii.gz');
  });

  it('wrong magic -> NiftiFormatError', async () => {
    const p = put('magic.nii', patched((b) => b.write('x+1', 344, 'latin1')));
    await expectError(() => readNifti(p), NiftiFormatError, /bad magic "x\+1\\x00" at byte 344/, p);
    await expectError(() => readNiftiHeader(p), NiftiFormatError, /bad magic/, p);
    const gz = put('magic.nii.gz', gzipSync(patched((b) => b.write('n+3', 344, 'latin1'))));
    await expectError(() => readNifti(gz), NiftiFormatError, /bad magic/, gz);
    // Not a header at all (sizeof_hdr wrong).
    const p2 = put('sizeof.nii', patched((b) => b.writeInt32LE(1234, 0)));
    await expectError(() => readNifti(p2), NiftiFormatError, /sizeof_hdr is 1234/, p2);
    await expectError(() => decodeNifti(new TextEncoder().encode('hello, this is not an image'.repeat(20))), NiftiFormatError, /not a NIfTI/);
  });

  it('absurd dims are refused before allocating', async () => {
    // 32767^3 float64 = 2.8e14 bytes.
    const huge = patched((b) => {
      b.writeInt16LE(3, 40);
      for (let k = 1; k <= 3; k++) b.writeInt16LE(32767, 40 + 2 * k);
      b.writeInt16LE(64, 70);
      b.writeInt16LE(64, 72);
    });
    const p = put('huge.nii', huge);
    await expectError(() => readNifti(p), NiftiFormatError, /over the limit of 2147483648 bytes.*refusing to allocate/, p);
    const pgz = put('huge.nii.gz', gzipSync(huge));
    await expectError(() => readNifti(pgz), NiftiFormatError, /refusing to allocate/, pgz);
    await expectError(() => decodeNifti(gzipSync(huge)), NiftiFormatError, /refusing to allocate/);
    // The header-only read still describes it.
    expect((await readNiftiHeader(p)).dataBytes).toBe(32767 ** 3 * 8);
    // A cap option.
    await expectError(() => readNifti(path.join(DATA, 'chest_ct_cip64_int16.nii.gz'), { maxBytes: 1000 }), NiftiFormatError, /limit of 1000 bytes/);
    // Nonsense dims.
    await expectError(() => decodeNifti(patched((b) => b.writeInt16LE(0, 40))), NiftiFormatError, /dim\[0\] is 0/);
    await expectError(() => decodeNifti(patched((b) => b.writeInt16LE(9, 40))), NiftiFormatError, /dim\[0\] is 9/);
    await expectError(() => decodeNifti(patched((b) => b.writeInt16LE(-3, 44))), NiftiFormatError, /dim\[2\] is -3/);
    await expectError(() => decodeNifti(patched((b) => b.writeFloatLE(-5, 108))), NiftiFormatError, /vox_offset/);
  });

  it('unsupported datatypes -> UnsupportedError', async () => {
    for (const [code, name] of [
      [1536, /float128/],
      [2048, /complex256/],
      [1, /binary/],
      [9999, /code 9999/],
    ] as const) {
      const p = put(`dtype-${code}.nii`, patched((b) => b.writeInt16LE(code, 70)));
      await expectError(() => readNifti(p), UnsupportedError, name, p);
      expect((await readNiftiHeader(p)).datatype).toBe('unsupported');
    }
  });

  it('a pair without its other half -> FileAccessError / NiftiFormatError', async () => {
    const hdr = readFileSync(path.join(DATA, 'fmt_pair_ras_nifti1.hdr'));
    const p = put('lonely.hdr', hdr);
    await expectError(() => readNifti(p), FileAccessError, /image file of this .hdr\/.img pair is missing \(tried .*lonely.img, .*lonely.img.gz\)/, p);
    const img = put('lonely2.img', new Uint8Array(10));
    await expectError(() => readNifti(img), FileAccessError, /header file/, img);
    await expectError(() => decodeNifti(hdr, { name: 'lonely.hdr' }), NiftiFormatError, /options.image/, 'lonely.hdr');
    // A pair whose image is too short.
    put('short.hdr', hdr);
    const shortImg = put('short.img', readFileSync(path.join(DATA, 'fmt_pair_ras_nifti1.img')).subarray(0, 1000));
    await expectError(() => readNifti(path.join(dir, 'short.hdr')), NiftiFormatError, /data shorter/, shortImg);
  });

  it('decodeNiftiHeader reads only the start of a gzip stream', () => {
    // A cut stream still yields the header: only the first KiB are inflated.
    const info = decodeNiftiHeader(goodGz.subarray(0, 4096), { name: 'x' });
    expect(info.dims).toEqual([64, 64, 79]);
    expect(info.datatype).toBe('int16');
  });
});
