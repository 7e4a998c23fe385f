import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Volume, VoxelData } from '@raunet/core';
import { decodeNifti, readNifti, readNiftiHeader } from './index.js';

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI) throw new Error('shared data missing in CI: ' + DATA);

interface Stats {
  min?: number;
  max?: number;
  mean?: number;
  sum?: number;
  nonzero?: number;
  abs_min?: number;
  abs_max?: number;
  sum_real?: number;
  R?: { min: number; max: number; mean: number };
}
interface Entry {
  dest: string;
  nibabel: {
    shape: number[];
    affine: number[][];
    zooms: number[];
    qform_code: number | null;
    sform_code: number | null;
    disk_dtype: unknown;
    array_dtype: unknown;
    slope_inter_effective: [number | null, number | null];
    stats: Stats & Record<string, unknown>;
    class: string;
  };
}

const manifest: Entry[] = have ? (JSON.parse(readFileSync(path.join(DATA, 'manifest.json'), 'utf8')) as Entry[]) : [];

/** Element-wise equality (NaN equal to NaN) without vitest's slow deep equality on big arrays. */
function sameValues(a: VoxelData, b: VoxelData): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

function num(data: VoxelData, i: number): number {
  return Number(data[i]);
}

function scalarStats(data: VoxelData): { min: number; max: number; sum: number; nonzero: number; maxAbs: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let nonzero = 0;
  for (let i = 0; i < data.length; i++) {
    const x = num(data, i);
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    if (x !== 0) nonzero++;
  }
  return { min, max, sum, nonzero, maxAbs: Math.max(Math.abs(min), Math.abs(max)) };
}

/** The typed array nibabel's dtype implies, given the scaling rule of the issue. */
function expectedArray(e: Entry): string {
  const disk = String(e.nibabel.disk_dtype).replace(/^[<>|]/, '');
  const [slope, inter] = e.nibabel.slope_inter_effective;
  const scaled = slope !== null && !(slope === 1 && (inter ?? 0) === 0);
  const base: Record<string, string> = {
    int8: 'Int8Array',
    uint8: 'Uint8Array',
    u1: 'Uint8Array',
    int16: 'Int16Array',
    i2: 'Int16Array',
    uint16: 'Uint16Array',
    int32: 'Int32Array',
    uint32: 'Uint32Array',
    int64: 'BigInt64Array',
    uint64: 'BigUint64Array',
    float32: 'Float32Array',
    f4: 'Float32Array',
    float64: 'Float64Array',
    complex64: 'Float32Array',
    complex128: 'Float64Array',
  };
  if (disk.includes("'R'")) return 'Uint8Array';
  const b = base[disk];
  if (!b) throw new Error(`test table lacks ${disk}`);
  if (!scaled) return b;
  return b === 'Float64Array' || b.startsWith('Big') ? 'Float64Array' : 'Float32Array';
}

function expectAffine(actual: number[][], expected: number[][], what: string): void {
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      if (Math.abs(actual[r][c] - expected[r][c]) > 1e-4) {
        throw new Error(`${what}: affine[${r}][${c}] = ${actual[r][c]}, nibabel ${expected[r][c]}\nours ${JSON.stringify(actual)}`);
      }
    }
  }
}

function checkAgainstNibabel(v: Volume, e: Entry): void {
  const nb = e.nibabel;
  expect(v.dims, 'shape').toEqual(nb.shape);
  expectAffine(v.affine, nb.affine, e.dest);
  expect(v.data.constructor.name, 'array type').toBe(expectedArray(e));
  if (nb.qform_code !== null) expect(v.meta?.qformCode).toBe(nb.qform_code);
  if (nb.sform_code !== null) expect(v.meta?.sformCode).toBe(nb.sform_code);
  for (let k = 0; k < Math.min(3, v.dims.length); k++) {
    const z = Math.abs(nb.zooms[k]);
    expect(v.spacing[k]).toBeCloseTo(z > 0 ? z : 1, 5);
  }
  const s = nb.stats;
  const comps = v.components ?? 1;
  if (s.R) {
    // RGB24 / RGBA32: per-channel min, max, mean over interleaved components.
    const names = ['R', 'G', 'B', 'A'].slice(0, comps);
    expect(comps).toBe(Object.keys(s).filter((k) => names.includes(k)).length);
    names.forEach((name, c) => {
      const ref = s[name] as { min: number; max: number; mean: number };
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      const n = v.data.length / comps;
      for (let i = 0; i < n; i++) {
        const x = num(v.data, i * comps + c);
        min = Math.min(min, x);
        max = Math.max(max, x);
        sum += x;
      }
      expect(min, `${name} min`).toBe(ref.min);
      expect(max, `${name} max`).toBe(ref.max);
      expect(sum / n, `${name} mean`).toBeCloseTo(ref.mean, 9);
    });
    return;
  }
  if (s.abs_max !== undefined) {
    expect(comps).toBe(2);
    let absMin = Infinity;
    let absMax = -Infinity;
    let sumReal = 0;
    for (let i = 0; i < v.data.length; i += 2) {
      const re = num(v.data, i);
      const im = num(v.data, i + 1);
      const a = Math.hypot(re, im);
      absMin = Math.min(absMin, a);
      absMax = Math.max(absMax, a);
      sumReal += re;
    }
    expect(absMin).toBeCloseTo(s.abs_min!, 6);
    expect(Math.abs(absMax - s.abs_max) / s.abs_max).toBeLessThan(1e-6);
    expect(Math.abs(sumReal - s.sum_real!) / Math.abs(s.sum_real!)).toBeLessThan(1e-9);
    return;
  }
  expect(comps).toBe(1);
  const st = scalarStats(v.data);
  const n = v.data.length;
  const integerExact = !(v.data instanceof Float32Array || v.data instanceof Float64Array);
  if (integerExact) {
    expect(st.min).toBe(s.min);
    expect(st.max).toBe(s.max);
    expect(st.sum).toBe(s.sum);
  } else {
    // Scaled values are float32 (nibabel computes float64): allow float32 rounding per value.
    const tol = (x: number): number => 1e-6 * Math.max(1, Math.abs(x));
    expect(Math.abs(st.min - s.min!)).toBeLessThanOrEqual(tol(s.min!));
    expect(Math.abs(st.max - s.max!)).toBeLessThanOrEqual(tol(s.max!));
    expect(Math.abs(st.sum - s.sum!)).toBeLessThanOrEqual(1e-7 * n * Math.max(1, st.maxAbs) + 1e-9 * Math.abs(s.sum!));
  }
  expect(Math.abs(st.sum / n - s.mean!)).toBeLessThanOrEqual(1e-7 * Math.max(1, st.maxAbs));
  if (s.nonzero !== undefined) expect(st.nonzero).toBe(s.nonzero);
}

describe.skipIf(!have)('readNifti agrees with nibabel on every file of manifest.json (needs ../shared/data/nifti)', () => {
  it('lists the files', () => {
    expect(manifest.length).toBeGreaterThanOrEqual(60);
  });
  for (const e of manifest) {
    it(e.dest, async () => {
      const file = path.join(DATA, e.dest);
      const v = await readNifti(file);
      checkAgainstNibabel(v, e);
      const h = await readNiftiHeader(file);
      expect(h.dims).toEqual(e.nibabel.shape);
      expectAffine(h.affine, e.nibabel.affine, `${e.dest} (header only)`);
      // The pure decoder (fflate) gives the same volume as the file reader (node:zlib), for small files.
      if (!e.dest.endsWith('.hdr') && !e.dest.endsWith('.hdr.gz') && e.nibabel.shape.reduce((a, b) => a * b, 1) < 1e6) {
        const d = decodeNifti(readFileSync(file), { name: e.dest });
        expect(d.dims).toEqual(v.dims);
        expect(d.affine).toEqual(v.affine);
        expect(d.data.constructor).toBe(v.data.constructor);
        expect(sameValues(d.data, v.data)).toBe(true);
      }
    });
  }
});

describe.skipIf(!have)('.hdr/.img pairs (needs ../shared/data/nifti)', () => {
  it.each([
    ['fmt_pair_ras_nifti1.hdr', 'fmt_pair_ras_nifti1.img'],
    ['fmt_pair_air_nifti1.hdr.gz', 'fmt_pair_air_nifti1.img.gz'],
    ['fmt_analyze75_be_avg152T1.hdr.gz', 'fmt_analyze75_be_avg152T1.img.gz'],
  ])('%s: readNifti from either half, decodeNifti with options.image', async (hdr, img) => {
    const a = await readNifti(path.join(DATA, hdr));
    const b = await readNifti(path.join(DATA, img));
    expect(b.dims).toEqual(a.dims);
    expect(b.affine).toEqual(a.affine);
    expect(sameValues(a.data, b.data)).toBe(true);
    const c = decodeNifti(readFileSync(path.join(DATA, hdr)), { image: readFileSync(path.join(DATA, img)), name: hdr });
    expect(c.affine).toEqual(a.affine);
    expect(sameValues(a.data, c.data)).toBe(true);
    expect((await readNiftiHeader(path.join(DATA, img))).dims).toEqual(a.dims);
  });
});
