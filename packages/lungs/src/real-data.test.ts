import { existsSync } from 'node:fs';
import path from 'node:path';
import { createVolume, multiplyAffine, voxelToWorld, type Volume } from '@raunet/core';
import { readNifti } from '@raunet/io';
import { describe, expect, it } from 'vitest';
import { segmentLungs } from './segment-lungs.js';
import { infectionBurden, toLeftRightLungs } from './burden.js';

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI === 'true') throw new Error('shared data missing in CI: ' + DATA);
const file = (name: string) => path.join(DATA, name);
const num = (v: Volume) => v.data as unknown as ArrayLike<number>;

function dice(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let tp = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i]) na++;
    if (b[i]) nb++;
    if (a[i] && b[i]) tp++;
  }
  return (2 * tp) / (na + nb);
}

/** Mean world x (RAS: larger = patient's right) of the voxels with the given label. */
function worldX(mask: Volume, label: number): number {
  const [nx, ny] = mask.dims;
  const d = num(mask);
  let sum = 0,
    n = 0;
  for (let p = 0; p < d.length; p++) {
    if (d[p] !== label) continue;
    const i = p % nx,
      j = Math.floor(p / nx) % ny,
      k = Math.floor(p / (nx * ny));
    sum += voxelToWorld(mask.affine, [i, j, k])[0];
    n++;
  }
  return sum / n;
}

/** Share of the voxels labelled by `mask` whose side agrees with `truthSide(p)` (1 left, 2 right, 0 unknown). */
function sideAgreement(mask: Volume, truthSide: (p: number) => number): number {
  const d = num(mask);
  let agree = 0,
    n = 0;
  for (let p = 0; p < d.length; p++) {
    const t = truthSide(p);
    if (!d[p] || !t) continue;
    n++;
    if (d[p] === t) agree++;
  }
  return agree / n;
}

/** The same CT stored with the x axis reversed (LPS -> RPS style): same world, other array order. */
function flipX(v: Volume): Volume {
  const [nx, ny, nz] = v.dims;
  const src = num(v);
  const out = new Int16Array(src.length);
  for (let k = 0, p = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, p++) out[p] = src[p - i + (nx - 1 - i)];
  const flip = [
    [-1, 0, 0, nx - 1],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
  return createVolume({
    data: out,
    dims: v.dims,
    spacing: v.spacing,
    affine: multiplyAffine(v.affine, flip),
  });
}

describe.skipIf(!have)('segmentLungs on real CTs (needs ../shared/data/nifti)', () => {
  it('chest_ct_cip64: DSC >= 0.95 against the real whole-lung mask, sides agree with the CIP left/right regions', async () => {
    const ct = await readNifti(file('chest_ct_cip64_int16.nii.gz'));
    const truth = await readNifti(file('chest_cip64_wholelung_uint16.nii.gz'));
    const regions = num(await readNifti(file('chest_cip64_lungregions_uint16.nii.gz')));
    const result = segmentLungs(ct);
    expect(dice(num(result.mask), num(truth))).toBeGreaterThanOrEqual(0.95);
    expect(result.tracheaFound).toBe(true);
    // CIP region codes (low byte): 9-11 left thirds, 12-14 right thirds.
    const side = (p: number) => {
      const r = regions[p] & 0xff;
      return r >= 9 && r <= 11 ? 1 : r >= 12 && r <= 14 ? 2 : 0;
    };
    expect(sideAgreement(result.mask, side)).toBeGreaterThan(0.999);
    // Volume within 7 % of the reference 4554.16 mL (measured +3.9 %: partial-volume border voxels between
    // -500 and -400 HU, and the hilum and lung bases that the closing and the pleural bites take in).
    expect(result.leftVolumeMl + result.rightVolumeMl).toBeGreaterThan(4554.16 * 0.95);
    expect(result.leftVolumeMl + result.rightVolumeMl).toBeLessThan(4554.16 * 1.07);
    // Stored in the other x order, the same world voxels get the same sides.
    const flipped = segmentLungs(flipX(ct));
    expect(worldX(flipped.mask, 1)).toBeLessThan(worldX(flipped.mask, 2));
    expect(Math.abs(flipped.leftVolumeMl - result.leftVolumeMl)).toBeLessThan(0.02 * result.leftVolumeMl);
    // toLeftRightLungs splits the binary reference with the same sides.
    const split = toLeftRightLungs(truth);
    expect(sideAgreement(split, side)).toBeGreaterThan(0.999);
  });

  it('LAS 2-slice dcm2niix file and LPS 2-slice CIP crop: two lungs, left at smaller world x', async () => {
    for (const name of ['chest_ct_lidc_2slices_dcm2niix.nii.gz', 'chest_ct_cip_crop_2slices_int16.nii.gz']) {
      const result = segmentLungs(await readNifti(file(name)));
      expect(result.leftVolumeMl, name).toBeGreaterThan(5);
      expect(result.rightVolumeMl, name).toBeGreaterThan(5);
      expect(worldX(result.mask, 1), name).toBeLessThan(worldX(result.mask, 2));
    }
  });

  it('CIP crop slices: sides agree with the real lobe map (4-6 right, 7-8 left), DSC >= 0.9 against lobes', async () => {
    const ct = await readNifti(file('chest_ct_cip_crop_2slices_int16.nii.gz'));
    const lobes = num(await readNifti(file('chest_cip_crop_lobes_uint16.nii.gz')));
    const [nx, ny] = ct.dims;
    const offset = 60 * nx * ny; // the 2 slices are slices 60, 61 of the lobe grid
    const result = segmentLungs(ct);
    const lobe = (p: number) => lobes[offset + p];
    const side = (p: number) => (lobe(p) >= 4 && lobe(p) <= 6 ? 2 : lobe(p) >= 7 && lobe(p) <= 8 ? 1 : 0);
    expect(sideAgreement(result.mask, side)).toBeGreaterThan(0.99);
    const truth = Uint8Array.from({ length: nx * ny * 2 }, (_, p) => (lobe(p) >= 4 && lobe(p) <= 8 ? 1 : 0));
    expect(dice(num(result.mask), truth)).toBeGreaterThan(0.9);
  });

  it('RAS abdomen CT with lung bases: lung volumes match TotalSegmentator lobes within 25 %, bowel gas is not lung', async () => {
    const ct = await readNifti(file('abd_ct_ts_3mm_int32_112sl.nii.gz'));
    const seg = num(await readNifti(file('abd_seg_ts_3mm_112sl_multilabel.nii.gz')));
    const result = segmentLungs(ct);
    // TotalSegmentator: 10, 11 left lobes; 12, 13, 14 right lobes.
    const side = (p: number) => (seg[p] === 10 || seg[p] === 11 ? 1 : seg[p] >= 12 && seg[p] <= 14 ? 2 : 0);
    let left = 0,
      right = 0;
    for (let p = 0; p < seg.length; p++) {
      if (side(p) === 1) left++;
      else if (side(p) === 2) right++;
    }
    expect(result.leftVolumeMl).toBeGreaterThan(left * 0.027 * 0.75);
    expect(result.leftVolumeMl).toBeLessThan(left * 0.027 * 1.25);
    expect(result.rightVolumeMl).toBeGreaterThan(right * 0.027 * 0.75);
    expect(result.rightVolumeMl).toBeLessThan(right * 0.027 * 1.25);
    expect(sideAgreement(result.mask, side)).toBeGreaterThan(0.99);
  });

  it('infectionBurden on the CIP CT: the GGO-like stand-in (-750..-300 HU inside the lungs) is a known share of each lung', async () => {
    const ct = await readNifti(file('chest_ct_cip64_int16.nii.gz'));
    const lungs = segmentLungs(ct).mask;
    const hu = num(ct);
    const l = num(lungs);
    const infection = createVolume({
      data: Uint8Array.from(hu, (v) => (v > -750 && v < -300 ? 1 : 0)),
      dims: ct.dims,
      spacing: ct.spacing,
      affine: ct.affine,
    });
    const burden = infectionBurden(infection, lungs);
    let inLeft = 0,
      leftCount = 0;
    for (let p = 0; p < l.length; p++) {
      if (l[p] !== 1) continue;
      leftCount++;
      if (hu[p] > -750 && hu[p] < -300) inLeft++;
    }
    expect(burden.left.percentInvolved).toBeCloseTo((100 * inLeft) / leftCount, 6);
    expect(burden.total.infectionMl + burden.outsideLungsMl).toBeCloseTo(burden.infectionMl, 6);
  });
});
