import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createVolume, FileAccessError, InvalidArgumentError, ShapeMismatchError, UnsupportedError, type Volume, type VoxelData } from '@raunet/core';
import { decodeNifti, decodeNiftiHeader, encodeNifti, readNifti, readNiftiHeader, writeNifti } from './index.js';

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI) throw new Error('shared data missing in CI: ' + DATA);

const dir = mkdtempSync(path.join(tmpdir(), 'raunet-io-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sameValues(a: VoxelData, b: VoxelData): boolean {
  if (a.length !== b.length || a.constructor !== b.constructor) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

function expectAffineClose(a: number[][], b: number[][], tol = 1e-4): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(Math.abs(a[r][c] - b[r][c]), `affine[${r}][${c}] ${a[r][c]} vs ${b[r][c]}`).toBeLessThanOrEqual(tol);
}

/** The checks applied to both the read and the re-read volume (ITK-Wasm's verifyImage idea). */
function expectSameVolume(back: Volume, v: Volume): void {
  expect(back.dims).toEqual(v.dims);
  expect(back.components ?? 1).toBe(v.components ?? 1);
  expectAffineClose(back.affine, v.affine);
  expect(sameValues(back.data, v.data), 'voxels bit-exact').toBe(true);
}

describe.skipIf(!have)('read -> write -> read round trips of real files (needs ../shared/data/nifti)', () => {
  const files = [
    'fmt_dtype_int8_3x3x3.nii',
    'fmt_dtype_uint8_3x3x3.nii',
    'fmt_dtype_int16_3x3x3.nii',
    'fmt_dtype_uint16_3x3x3.nii',
    'fmt_dtype_int32_3x3x3.nii',
    'fmt_dtype_uint32_3x3x3.nii',
    'fmt_dtype_int64_3x3x3.nii',
    'fmt_dtype_uint64_3x3x3.nii',
    'fmt_dtype_float32_3x3x3.nii',
    'fmt_dtype_float64_3x3x3.nii',
    'fmt_rgb24_3d.nii',
    'fmt_rgba32_4d.nii',
    'fmt_complex128_2d.nii',
    'fmt_5d_small_scaled.nii',
    'fmt_4d_int16_slope_inter.nii',
    'fmt_be_int16_anatomical.nii',
    'fmt_be_minimal.nii',
    'fmt_pair_air_nifti2.hdr.gz',
    'fmt_analyze75_be_avg152T1.hdr.gz',
    'chest_ct_cip64_int16.nii.gz',
    'head_ct_shear_gantry_tilt_scaled.nii.gz',
    'chest_ct_lidc_2slices_dcm2niix.nii.gz',
  ];
  for (const name of files) {
    it(name, async () => {
      const v = await readNifti(path.join(DATA, name));
      const out = path.join(dir, name.replace(/\.(hdr|nii)(\.gz)?$/, '.nii$2'));
      await writeNifti(out, v);
      const back = await readNifti(out);
      expectSameVolume(back, v);
      const h = await readNiftiHeader(out);
      // Form codes kept from the source; sources without any (Analyze, q0/s0) get scanner (1).
      const q = v.meta?.qformCode ?? 0;
      const s = v.meta?.sformCode ?? 0;
      expect([h.qformCode, h.sformCode]).toEqual(q > 0 || s > 0 ? [q, s] : [1, 1]);
      // Whatever code, the qform written equals the affine whenever the affine has no shear.
      if (!name.startsWith('head_ct_shear')) expectAffineClose(h.qform!, v.affine);
      // Raw header fields nibabel reads: n+1, vox_offset 352, bitpix consistent.
      const raw = name.endsWith('.gz') ? gunzipSync(readFileSync(out)) : readFileSync(out);
      expect(raw.toString('latin1', 344, 348)).toBe('n+1\0');
      expect(raw.readFloatLE(108)).toBe(352);
      expect(raw.length).toBe(352 + h.dataBytes);
    });
  }

  it('writes scaled HU back as int16 with scl_inter -1024: the stored values are the original ones', async () => {
    const file = path.join(DATA, 'abd_ct_siemens_dcm2niix_scl_inter.nii.gz');
    const hu = await readNifti(file);
    expect(hu.data).toBeInstanceOf(Float32Array);
    const out = path.join(dir, 'ct-hu.nii.gz');
    await writeNifti(out, hu, { datatype: 'int16', sclSlope: 1, sclInter: -1024 });
    expect((await readNiftiHeader(out)).scaling).toEqual({ slope: 1, inter: -1024 });
    const [rawA, rawB] = [await readNifti(file, { scaling: false }), await readNifti(out, { scaling: false })];
    expect(rawA.data).toBeInstanceOf(Int16Array);
    expect(sameValues(rawA.data, rawB.data)).toBe(true);
    expectSameVolume(await readNifti(out), hu);
  });
});

describe('encodeNifti / writeNifti on synthetic volumes', () => {
  const oblique = (flip: boolean): number[][] => {
    const t = 0.3;
    return [
      [Math.cos(t) * 0.8 * (flip ? -1 : 1), -Math.sin(t) * 0.8, 0, -100.5],
      [Math.sin(t) * 0.8 * (flip ? -1 : 1), Math.cos(t) * 0.8, 0, 20.25],
      [0, 0, 2.5, -300],
      [0, 0, 0, 1],
    ];
  };

  it('int16 volume, left-handed oblique affine: bit-exact data, qfac -1, qform = sform = affine', () => {
    const data = new Int16Array(5 * 4 * 3).map((_, i) => (i * 997) % 4000 - 2000);
    const v = createVolume({ data, dims: [5, 4, 3], affine: oblique(true), spacing: [0.8, 0.8, 2.5] });
    const bytes = encodeNifti(v);
    const h = decodeNiftiHeader(bytes);
    expect(h.qfac).toBe(-1);
    expect([h.qformCode, h.sformCode]).toEqual([1, 1]);
    expect(h.datatype).toBe('int16');
    expect(h.bitpix).toBe(16);
    expectAffineClose(h.qform!, v.affine, 1e-5);
    expectAffineClose(h.sform!, v.affine, 1e-5);
    expect(h.spacing).toEqual([0.800000011920929, 0.800000011920929, 2.5]);
    expectSameVolume(decodeNifti(bytes), v);
    expectSameVolume(decodeNifti(encodeNifti(v, { gzip: true })), v);
  });

  it('every writable datatype round-trips bit-exactly, 64-bit beyond 2^53 too', () => {
    const big = new BigInt64Array([-(2n ** 62n) + 1n, 2n ** 53n + 1n, 0n, -1n, 5n, 2n ** 63n - 1n, 7n, 8n]);
    const ubig = new BigUint64Array([2n ** 64n - 1n, 2n ** 53n + 1n, 0n, 1n, 2n, 3n, 4n, 5n]);
    const arrays: VoxelData[] = [
      new Int8Array([-128, 127, 0, 1, 2, 3, 4, 5]),
      new Uint8Array([0, 255, 1, 2, 3, 4, 5, 6]),
      new Uint16Array([0, 65535, 1, 2, 3, 4, 5, 6]),
      new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 1, 2, 3, 4, 5]),
      new Uint32Array([0, 2 ** 32 - 1, 1, 2, 3, 4, 5, 6]),
      new Float32Array([Math.PI, -0, NaN, Infinity, 1e-40, 3, 4, 5]),
      new Float64Array([Math.PI, -1e300, NaN, -Infinity, 5e-324, 3, 4, 5]),
      big,
      ubig,
    ];
    for (const data of arrays) {
      const v = createVolume({ data, dims: [2, 2, 2] });
      const back = decodeNifti(encodeNifti(v));
      expect(back.data.constructor).toBe(data.constructor);
      expect(sameValues(back.data, data), data.constructor.name).toBe(true);
    }
    // 64-bit integers as Float64Array on request.
    const f = decodeNifti(encodeNifti(createVolume({ data: big, dims: [8] })), { int64: 'float64' });
    expect(f.data).toBeInstanceOf(Float64Array);
    expect(f.data[4]).toBe(5);
  });

  it('colour and complex volumes keep their components', () => {
    const rgb = createVolume({ data: new Uint8Array(2 * 3 * 3).map((_, i) => i * 13), dims: [2, 3], components: 3 });
    const c = createVolume({ data: new Float64Array([1, -1, 2, 0.5, 0, 0, 3, 4]), dims: [4], components: 2 });
    for (const v of [rgb, c]) expectSameVolume(decodeNifti(encodeNifti(v)), v);
    expect(decodeNiftiHeader(encodeNifti(rgb)).datatype).toBe('rgb24');
    expect(decodeNiftiHeader(encodeNifti(c)).datatype).toBe('complex128');
  });

  it('options.datatype converts with scl_slope/scl_inter and refuses values that do not fit', () => {
    const hu = new Float32Array([-1024, -1000.5, 0, 1839, 3071, -1024, 12.25, 40]);
    const v = createVolume({ data: hu, dims: [2, 2, 2] });
    const bytes = encodeNifti(v, { datatype: 'int16', sclSlope: 0.5, sclInter: -1024 });
    const h = decodeNiftiHeader(bytes);
    expect(h.datatype).toBe('int16');
    expect(h.scaling).toEqual({ slope: 0.5, inter: -1024 });
    const raw = decodeNifti(bytes, { scaling: false });
    expect(Array.from(raw.data as Int16Array)).toEqual(Array.from(hu, (x) => Math.round((x + 1024) / 0.5)));
    const back = decodeNifti(bytes);
    expect(back.data).toBeInstanceOf(Float32Array);
    for (let i = 0; i < hu.length; i++) expect(Math.abs(Number(back.data[i]) - hu[i])).toBeLessThanOrEqual(0.25);
    expect(() => encodeNifti(v, { datatype: 'uint8' })).toThrow(InvalidArgumentError);
    expect(() => encodeNifti(v, { datatype: 'uint8' })).toThrow(/-1024 at index 0.*does not fit uint8 \[0, 255\]/);
    expect(() => encodeNifti(createVolume({ data: new Float32Array([NaN]), dims: [1] }), { datatype: 'int16' })).toThrow(InvalidArgumentError);
    expect(() => encodeNifti(v, { datatype: 'rgb24' })).toThrow(/components/);
    expect(() => encodeNifti(v, { sclSlope: 0 })).toThrow(InvalidArgumentError);
  });

  it('keeps form codes from meta, defaults to scanner, honours options', () => {
    const base = { data: new Uint8Array(8), dims: [2, 2, 2] };
    const codes = (v: Volume, o = {}): number[] => {
      const h = decodeNiftiHeader(encodeNifti(v, o));
      return [h.qformCode, h.sformCode];
    };
    expect(codes(createVolume(base))).toEqual([1, 1]);
    expect(codes(createVolume({ ...base, meta: { qformCode: 0, sformCode: 4 } }))).toEqual([0, 4]);
    expect(codes(createVolume({ ...base, meta: { qformCode: 0, sformCode: 0 } }))).toEqual([1, 1]);
    expect(codes(createVolume(base), { qformCode: 2, sformCode: 0 })).toEqual([2, 0]);
  });

  it('refuses what NIfTI-1 cannot hold', () => {
    expect(() => encodeNifti(createVolume({ data: new Uint8Array(40000), dims: [40000] }))).toThrow(UnsupportedError);
  });
});

describe('writeNifti never leaves a half-written file', () => {
  const v = createVolume({ data: new Int16Array(24).map((_, i) => i), dims: [2, 3, 4] });

  it('writes .nii and .nii.gz through a temporary name', async () => {
    const sub = path.join(dir, 'ok');
    mkdirSync(sub);
    await writeNifti(path.join(sub, 'a.nii'), v);
    await writeNifti(path.join(sub, 'a.nii.gz'), v);
    expect(readdirSync(sub).sort()).toEqual(['a.nii', 'a.nii.gz']);
    expect(readFileSync(path.join(sub, 'a.nii.gz'))[0]).toBe(0x1f);
    expectSameVolume(await readNifti(path.join(sub, 'a.nii.gz')), v);
  });

  it('a missing folder -> FileAccessError, nothing written', async () => {
    const target = path.join(dir, 'no-such-folder', 'x.nii.gz');
    let err: unknown;
    await writeNifti(target, v).catch((e: unknown) => (err = e));
    expect(FileAccessError.isInstance(err)).toBe(true);
    expect((err as FileAccessError).file).toBe(target);
    expect(existsSync(path.join(dir, 'no-such-folder'))).toBe(false);
  });

  it('an invalid volume -> typed error, the previous file untouched, no temporary left', async () => {
    const sub = path.join(dir, 'keep');
    mkdirSync(sub);
    const target = path.join(sub, 'x.nii');
    await writeNifti(target, v);
    const before = readFileSync(target);
    const bad = { ...v, data: new Int16Array(5) } as Volume;
    await expect(writeNifti(target, bad)).rejects.toThrow(ShapeMismatchError);
    const badValues = createVolume({ data: new Float32Array(24).fill(1e6), dims: [2, 3, 4] });
    await expect(writeNifti(target, badValues, { datatype: 'int16' })).rejects.toThrow(InvalidArgumentError);
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(readdirSync(sub)).toEqual(['x.nii']);
    await expect(writeNifti(path.join(sub, 'x.hdr'), v)).rejects.toThrow(UnsupportedError);
  });

  it('a target that is a directory -> FileAccessError and the temporary is removed', async () => {
    const sub = path.join(dir, 'isdir');
    mkdirSync(path.join(sub, 'y.nii'), { recursive: true });
    await expect(writeNifti(path.join(sub, 'y.nii'), v)).rejects.toThrow(FileAccessError);
    expect(readdirSync(sub)).toEqual(['y.nii']);
  });
});
