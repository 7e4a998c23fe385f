import { existsSync } from 'node:fs';
import path from 'node:path';
import { createVolume, ShapeMismatchError, withData, type Affine } from '@raunet/core';
import { describe, expect, it } from 'vitest';
import { readNifti } from '@raunet/io';
import type { RgbaImage } from './image.js';
import { renderOverlay, renderOverlays } from './overlay.js';

const dims = [20, 16, 12] as const;
const [NX, NY, NZ] = dims;

function volumes(affine?: Affine, spacing: [number, number, number] = [1, 1, 1]) {
  const ct = createVolume({ data: new Int16Array(NX * NY * NZ).fill(-600), dims, spacing, affine });
  const cube = new Uint8Array(NX * NY * NZ);
  // Truth: voxels i 5..9, j 4..10, k 3..8.
  for (let k = 3; k <= 8; k++) for (let j = 4; j <= 10; j++) for (let i = 5; i <= 9; i++) cube[i + NX * (j + NY * k)] = 1;
  return { ct, truth: withData(ct, cube) };
}

function colored(img: RgbaImage, rgb: [number, number, number]): Set<string> {
  const out = new Set<string>();
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 4;
      if (img.rgba[o] === rgb[0] && img.rgba[o + 1] === rgb[1] && img.rgba[o + 2] === rgb[2]) out.add(`${x},${y}`);
    }
  return out;
}

/** Border pixels of the rectangle [u0..u1] x [v0..v1]. */
function rectBorder(u0: number, u1: number, v0: number, v1: number): Set<string> {
  const out = new Set<string>();
  for (let v = v0; v <= v1; v++) for (let u = u0; u <= u1; u++) if (u === u0 || u === u1 || v === v0 || v === v1) out.add(`${u},${v}`);
  return out;
}

describe('renderOverlay', () => {
  it('draws the truth contour exactly on the border of a known cube, radiological axial layout (RAS data)', () => {
    const { ct, truth } = volumes();
    const img = renderOverlay({ ct, truth, plane: 'axial', index: 5 });
    expect([img.width, img.height]).toEqual([NX, NY]);
    expect(img.orientation).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    // RAS voxel axes: +i is patient right -> image left (u = nx-1-i); +j is anterior -> image top (v = ny-1-j).
    expect(colored(img, [0, 255, 0])).toEqual(rectBorder(NX - 1 - 9, NX - 1 - 5, NY - 1 - 10, NY - 1 - 4));
    // Everything else is the windowed CT: -600 HU in [-1350, 150] -> 127.5 -> 128.
    expect(img.rgba[0]).toBe(128);
    expect(img.rgba[3]).toBe(255);
    // Outside the cube's slab: no contour.
    expect(colored(renderOverlay({ ct, truth, plane: 'axial', index: 1 }), [0, 255, 0]).size).toBe(0);
  });

  it('follows the affine: LPS-stored data is flipped to the same display', () => {
    const lps = [
      [-1, 0, 0, 0],
      [0, -1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const { ct, truth } = volumes(lps);
    const img = renderOverlay({ ct, truth, plane: 'axial', index: 5 });
    // +i is patient left -> image right (u = i); +j is posterior -> image bottom (v = j).
    expect(colored(img, [0, 255, 0])).toEqual(rectBorder(5, 9, 4, 10));
  });

  it('coronal and sagittal views: superior up, right on the left / anterior on the left', () => {
    const { ct, truth } = volumes();
    const cor = renderOverlay({ ct, truth, plane: 'coronal', index: 7 });
    expect([cor.width, cor.height]).toEqual([NX, NZ]);
    expect(cor.orientation).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(colored(cor, [0, 255, 0])).toEqual(rectBorder(NX - 1 - 9, NX - 1 - 5, NZ - 1 - 8, NZ - 1 - 3));
    const sag = renderOverlay({ ct, truth, plane: 'sagittal', index: 7 });
    expect([sag.width, sag.height]).toEqual([NY, NZ]);
    expect(sag.orientation).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
    expect(colored(sag, [0, 255, 0])).toEqual(rectBorder(NY - 1 - 10, NY - 1 - 4, NZ - 1 - 8, NZ - 1 - 3));
  });

  it('resamples to square pixels: the aspect ratio matches the spacing', () => {
    const { ct, truth } = volumes(undefined, [0.5, 1, 2]);
    const cor = renderOverlay({ ct, truth, plane: 'coronal', index: 7 });
    expect(cor.pixelSize).toBe(0.5);
    expect([cor.width, cor.height]).toEqual([(NX * 0.5) / 0.5, (NZ * 2) / 0.5]);
    // The cube is 5 x 0.5 = 2.5 mm wide and 6 x 2 = 12 mm tall: 5 x 24 pixels.
    const green = [...colored(cor, [0, 255, 0])].map((s) => s.split(',').map(Number));
    const us = green.map((p) => p[0]);
    const vs = green.map((p) => p[1]);
    expect(Math.max(...us) - Math.min(...us) + 1).toBe(5);
    expect(Math.max(...vs) - Math.min(...vs) + 1).toBe(24);
    const ax = renderOverlay({ ct, plane: 'axial', index: 0, pixelSize: 0.25 });
    expect(ax.height / ax.width).toBeCloseTo((NY * 1) / (NX * 0.5), 6);
  });

  it('prediction red, truth green, yellow where both; default slice through the centroid', () => {
    const { ct, truth } = volumes();
    const shifted = new Uint8Array(truth.data.length);
    for (let k = 3; k <= 8; k++) for (let j = 4; j <= 10; j++) for (let i = 7; i <= 11; i++) shifted[i + NX * (j + NY * k)] = 1;
    const img = renderOverlay({ ct, truth, prediction: withData(ct, shifted), plane: 'axial' });
    expect(img.index).toBe(6); // centroid of the union along k: (3 + 8) / 2 = 5.5 -> 6
    const red = colored(img, [255, 0, 0]);
    const green = colored(img, [0, 255, 0]);
    const yellow = colored(img, [255, 255, 0]);
    const predBorder = rectBorder(NX - 1 - 11, NX - 1 - 7, NY - 1 - 10, NY - 1 - 4);
    const truthBorder = rectBorder(NX - 1 - 9, NX - 1 - 5, NY - 1 - 10, NY - 1 - 4);
    expect(new Set([...red, ...yellow])).toEqual(predBorder);
    expect(new Set([...green, ...yellow])).toEqual(truthBorder);
    expect(yellow.size).toBeGreaterThan(0);
  });

  it('windows intensities to [min, max] HU', () => {
    const data = Int16Array.from({ length: NX * NY * NZ }, (_, i) => [-2000, -1350, -600, 150, 3000][i % 5]);
    const ct = createVolume({ data, dims });
    const img = renderOverlay({ ct, plane: 'axial', index: 0 });
    const values = new Set<number>();
    for (let o = 0; o < img.rgba.length; o += 4) values.add(img.rgba[o]);
    expect([...values].sort((a, b) => a - b)).toEqual([0, 128, 255]);
    const narrow = renderOverlay({ ct, plane: 'axial', index: 0, window: [-1000, -200] });
    expect(narrow.rgba.length).toBe(img.rgba.length);
  });

  it('rejects masks on another grid and bad arguments', () => {
    const { ct } = volumes();
    const other = createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] });
    expect(() => renderOverlay({ ct, truth: other })).toThrow(ShapeMismatchError);
    expect(() => renderOverlay({ ct, plane: 'axial', index: NZ })).toThrow(/index/);
    expect(() => renderOverlay({ ct, window: [100, -100] })).toThrow(/window/);
    expect(() => renderOverlay({ ct, plane: 'oblique' as 'axial' })).toThrow(/plane/);
  });

  it('renderOverlays: three planes through the centroid and a montage', () => {
    const { ct, truth } = volumes(undefined, [0.5, 1, 2]);
    const v = renderOverlays({ ct, truth });
    expect(v.center).toEqual([7, 7, 6]);
    expect([v.axial.index, v.coronal.index, v.sagittal.index]).toEqual([6, 7, 7]);
    expect(v.montage.width).toBe(v.axial.width + v.coronal.width + v.sagittal.width + 8);
    expect(v.montage.height).toBe(Math.max(v.axial.height, v.coronal.height, v.sagittal.height));
    for (const img of [v.axial, v.coronal, v.sagittal]) expect(colored(img, [0, 255, 0]).size).toBeGreaterThan(0);
  });
});

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI) throw new Error('shared data missing in CI: ' + DATA);

describe.skipIf(!have)('overlays of a real chest CT (needs ../shared/data/nifti)', () => {
  it('CIP chest CT (LPS) with the whole-lung mask: anatomy where the convention says', async () => {
    const ct = await readNifti(path.join(DATA, 'chest_ct_cip64_int16.nii.gz'));
    const truth = await readNifti(path.join(DATA, 'chest_cip64_wholelung_uint16.nii.gz'));
    const v = renderOverlays({ ct, truth, pixelSize: 2 });
    // Physical aspect: 64 x 4.17 mm wide, 79 x 3.99 mm tall.
    expect(v.coronal.width).toBe(Math.round((64 * 4.171872) / 2));
    expect(v.coronal.height).toBe(Math.round((79 * 3.987342) / 2));
    const bright = (img: RgbaImage, part: (x: number, y: number) => boolean) => {
      let n = 0;
      for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) if (part(x, y) && img.rgba[(y * img.width + x) * 4] === 255 && img.rgba[(y * img.width + x) * 4 + 1] === 255) n++;
      return n;
    };
    // Sagittal: the spine (bone, white) is posterior = right half; axial: posterior = bottom half.
    const s = v.sagittal;
    expect(bright(s, (x) => x > s.width / 2)).toBeGreaterThan(2 * bright(s, (x) => x < s.width / 2));
    const a = v.axial;
    expect(bright(a, (_, y) => y > a.height / 2)).toBeGreaterThan(bright(a, (_, y) => y < a.height / 2));
    // Coronal: lungs in the upper part, the abdomen (no lung contour) at the bottom rows.
    const green = (img: RgbaImage, y: number) => {
      let n = 0;
      for (let x = 0; x < img.width; x++) if (img.rgba[(y * img.width + x) * 4 + 1] === 255 && img.rgba[(y * img.width + x) * 4] === 0) n++;
      return n;
    };
    const c = v.coronal;
    let top = 0, bottom = 0;
    for (let y = 0; y < c.height; y++) {
      if (y < c.height / 2) top += green(c, y);
      else bottom += green(c, y);
    }
    expect(top).toBeGreaterThan(0);
    expect(top).toBeGreaterThan(bottom / 4);
    expect(green(c, c.height - 1)).toBe(0);
  });
});
