import { existsSync } from 'node:fs';
import path from 'node:path';
import { createVolume, orientationCodes } from '@raunet/core';
import type { Volume } from '@raunet/core';
import { readNifti } from '@raunet/io';
import { describe, expect, it } from 'vitest';
import { bodyMask } from './body-mask.js';
import { cropBox, cropToMask, maskBoundingBox } from './crop.js';
import { detectIntensityScale, toHounsfield } from './intensity-scale.js';
import { reorientToRAS, undoReorient } from './reorient.js';
import { resampleLike, resampleToSpacing } from './resample.js';

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI) throw new Error('shared data missing in CI: ' + DATA);
const file = (name: string) => path.join(DATA, name);
const LESIONS = path.resolve('../shared/data/lesions');
const haveLesions = existsSync(LESIONS);
if (!haveLesions && process.env.CI) throw new Error('shared data missing in CI: ' + LESIONS);

/** The voxel data as numbers (typed arrays only: the files used here have no 64-bit integers). */
const num = (v: Volume) => v.data as unknown as ArrayLike<number>;

/** Number of voxels where two volumes differ. */
function differences(a: Volume, b: Volume): number {
  const x = num(a);
  const y = num(b);
  expect(x.length).toBe(y.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}

function sumOf(v: Volume): number {
  const d = num(v);
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  return s;
}

function meanInside(ct: Volume, mask: Volume): { mean: number; count: number } {
  const c = num(ct);
  const m = num(mask);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < c.length; i++) {
    if (m[i] === 0) continue;
    sum += c[i];
    count++;
  }
  return { mean: sum / count, count };
}

/** Radiopaedia-style: clip to [-1250, 250] HU and rescale to 0..255 (uint8). */
function windowTo255(v: Volume): Volume<Uint8Array> {
  const src = num(v);
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Math.round(((Math.min(Math.max(src[i], -1250), 250) + 1250) / 1500) * 255);
  return createVolume({ data: out, dims: v.dims, spacing: v.spacing, affine: v.affine });
}

describe.skipIf(!have)('real data (needs ../shared/data/nifti)', () => {
  it('chest_ct_cip64: mean HU inside the whole-lung mask is -873.81 after reading and after reorienting both to RAS', async () => {
    const ct = await readNifti(file('chest_ct_cip64_int16.nii.gz'));
    const lung = await readNifti(file('chest_cip64_wholelung_uint16.nii.gz'));
    const before = meanInside(ct, lung);
    expect(before.count).toBe(65624);
    expect(before.mean).toBeCloseTo(-873.8136, 3);
    expect(orientationCodes(ct.affine)).toEqual(['L', 'P', 'S']);
    const r = reorientToRAS(ct);
    const rl = reorientToRAS(lung);
    expect(orientationCodes(r.volume.affine)).toEqual(['R', 'A', 'S']);
    expect(r.volume.affine).toEqual(rl.volume.affine);
    const after = meanInside(r.volume, rl.volume);
    expect(after.count).toBe(65624);
    expect(after.mean).toBeCloseTo(-873.8136, 3);
    // the data really moved (LPS -> RAS flips x and y) and comes back exactly
    expect(differences(r.volume, ct)).toBeGreaterThan(1000);
    const back = undoReorient(r.volume, r.orientation);
    expect(differences(back, ct)).toBe(0);
    expect(back.affine).toEqual(ct.affine);
    // the lungs lie inside the body's bounding box
    const body = maskBoundingBox(bodyMask(ct))!;
    const lungBox = maskBoundingBox(lung)!;
    for (let a = 0; a < 3; a++) {
      expect(lungBox.start[a]).toBeGreaterThanOrEqual(body.start[a]);
      expect(lungBox.start[a] + lungBox.size[a]).toBeLessThanOrEqual(body.start[a] + body.size[a]);
    }
    // cropping to the lung mask keeps the statistic
    const c = cropToMask(ct, lung, { margin: 2 });
    const cm = cropBox(lung, c.box);
    expect(meanInside(c.volume, cm).mean).toBeCloseTo(-873.8136, 3);
  });

  it('resampling the TotalSegmentator heart mask onto the cropped CT grid reproduces the crop [72:194, 13:115, 24:136] exactly', async () => {
    const ct = await readNifti(file('chest_ct_pulmonary_crop_ts.nii.gz'));
    const heart = await readNifti(file('chest_pulmonary_crop_heart_ts.nii.gz'));
    expect(ct.dims.slice(0, 3)).toEqual([122, 102, 112]);
    expect(heart.dims.slice(0, 3)).toEqual([233, 167, 191]);
    const onCt = resampleLike(heart, ct, { interpolation: 'nearest' });
    expect(onCt.dims).toEqual([122, 102, 112]);
    expect(onCt.data).toBeInstanceOf(Uint8Array);
    const crop = cropBox(heart, { start: [72, 13, 24], size: [122, 102, 112] });
    const n0 = sumOf(onCt);
    expect(n0).toBeGreaterThan(10_000); // the heart is in the field of view
    expect(differences(onCt, crop)).toBe(0);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(crop.affine[r][c]).toBeCloseTo(ct.affine[r][c], 3);
    // the contrast blood pool: mean HU inside the heart is about 405 (MANIFEST)
    expect(meanInside(ct, onCt).mean).toBeGreaterThan(350);
    // a resample to 3 mm and back onto the CT grid keeps the heart's volume within 5 %
    const coarse = resampleToSpacing(onCt, [3, 3, 3], { interpolation: 'nearest' });
    const back = resampleLike(coarse, ct, { interpolation: 'nearest' });
    const n1 = sumOf(back);
    expect(Math.abs(n1 - n0) / n0).toBeLessThan(0.05);
  });

  it('intensity scale: real HU CTs are left alone, the same CTs windowed to 0..255 are detected and mapped back, other images are refused', async () => {
    const cts = [
      'chest_ct_cip64_int16.nii.gz',
      'chest_ct_cip_crop_2slices_int16.nii.gz',
      'chest_ct_lidc_2slices_dcm2niix.nii.gz',
      'chest_ct_pulmonary_crop_ts.nii.gz',
      'abd_ct_ts_3mm_int16_30sl.nii.gz',
      'abd_ct_ts_3mm_int32_112sl.nii.gz',
      'abd_ct_siemens_dcm2niix_scl_inter.nii.gz', // float HU after scl_inter = -1024
    ];
    for (const name of cts) {
      const ct = await readNifti(file(name));
      const hu = toHounsfield(ct);
      expect(hu.scale.kind, name).toBe('hu');
      expect(hu.volume).toBe(ct);
      const windowed = windowTo255(ct);
      const { volume, scale } = toHounsfield(windowed);
      expect(scale.kind, name).toBe('windowed-0-255');
      expect(scale.converted).toBe(true);
      const orig = num(ct);
      const back = num(volume);
      let worst = 0;
      for (let i = 0; i < orig.length; i++) worst = Math.max(worst, Math.abs(back[i] - Math.min(Math.max(orig[i], -1250), 250)));
      expect(worst, name).toBeLessThanOrEqual(1500 / 255 / 2 + 1e-3);
    }
    for (const name of [
      'fmt_be_avg152T1_LR.nii.gz', // MR template, uint8 0..255
      'abd_seg_ts_3mm_30sl_multilabel.nii.gz', // label map 0..117
      'fmt_orient_RAS_scaled.nii.gz', // float 0..92.6
      'fmt_be_int16_anatomical.nii', // MR, int16 -610..30393
      'fmt_pair_ras_nifti1.hdr', // brain MR, uint8 0..255, 4.3 % in the air band, 31 % between lung and fat
    ]) {
      const v = await readNifti(file(name));
      expect(() => detectIntensityScale(v), name).toThrow(/neither|do not look like|does not look like/);
    }
  });

  it.skipIf(!haveLesions)('intensity scale: LIDC-IDRI nodule VOIs rich in ground glass are HU, and still detected once windowed to 0..255', async () => {
    // the VOIs with the most voxels between lung and fat (-660..-160 HU) relative to air/lung (2.9, 2.9 and 2.0 times)
    for (const name of ['LIDC-IDRI-0477_R_2', 'LIDC-IDRI-0398_R_2', 'LIDC-IDRI-0259_R_1']) {
      const ct = await readNifti(path.join(LESIONS, 'lidc-nodules', 'images', `${name}.nii.gz`));
      expect(detectIntensityScale(ct).kind, name).toBe('hu');
      const d = detectIntensityScale(windowTo255(ct));
      expect(d.kind, name).toBe('windowed-0-255');
      expect(d.statistics.fractionLungTissueBand, name).toBeGreaterThan(1.9 * d.statistics.fractionAirLungBand);
    }
  });
});
