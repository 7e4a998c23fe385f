import { createVolume, spacingFromAffine, withData, type Volume } from '@raunet/core';
import { describe, expect, it } from 'vitest';
import { prepareCase, restoreToInput, type PreparedCase, type PreprocessingOptions } from './preprocessing.js';

/** A one-slice image with a bright disc (value 200 on 20) and its mask; `spacing` in mm. */
function disc(nx: number, ny: number, spacing: [number, number, number]) {
  const img = new Uint8Array(nx * ny);
  const mask = new Uint8Array(nx * ny);
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const inside = ((i + 0.5) / nx - 0.5) ** 2 + ((j + 0.5) / ny - 0.5) ** 2 < 0.3 ** 2;
      img[i + nx * j] = inside ? 200 : 20;
      mask[i + nx * j] = inside ? 1 : 0;
    }
  return {
    ct: createVolume({ data: img, dims: [nx, ny, 1], spacing }),
    mask: createVolume({ data: mask, dims: [nx, ny, 1], spacing }),
  };
}

const raw: PreprocessingOptions = { intensityScale: 'raw', window: [0, 255] };

/** DSC of the prepared label mapped back to the input grid (`restoreToInput`) against the input's own mask. */
function roundTripDice(p: PreparedCase, mask: Volume): number {
  const label = p.label!;
  const back = restoreToInput(withData(label, Float32Array.from(label.data)), p.transform);
  expect(back.dims).toEqual(mask.dims);
  let inter = 0;
  let sum = 0;
  for (let i = 0; i < back.data.length; i++) {
    const a = back.data[i] > 0.5 ? 1 : 0;
    inter += a * Number(mask.data[i]);
    sum += a + Number(mask.data[i]);
  }
  return (2 * inter) / sum;
}

describe('prepareCase inPlaneSize', () => {
  it('brings the longer in-plane extent to N voxels with square pixels, keeps z, and maps back to the input grid', () => {
    const { ct, mask } = disc(300, 150, [1, 1, 2.5]);
    const p = prepareCase(ct, { label: mask, options: { ...raw, inPlaneSize: 100 } });
    expect(p.image.dims.slice(0, 3)).toEqual([100, 50, 1]);
    expect(spacingFromAffine(p.image.affine).map((s) => Number(s.toFixed(9)))).toEqual([3, 3, 2.5]);
    expect(p.label?.dims.slice(0, 3)).toEqual([100, 50, 1]);
    // anisotropic input pixels: extents 0.5·200 = 100 mm and 1·60 = 60 mm -> 1 mm square pixels
    const b = disc(200, 60, [0.5, 1, 1]);
    const q = prepareCase(b.ct, { options: { ...raw, inPlaneSize: 100 } });
    expect(q.image.dims.slice(0, 3)).toEqual([100, 60, 1]);
    // the label's fraction survives the round trip through the working grid
    expect(roundTripDice(p, mask)).toBeGreaterThan(0.97);
  });

  it('anti-aliasing smooths a Nyquist pattern that plain downsampling would alias', () => {
    const nx = 64;
    const data = new Uint8Array(nx * nx);
    for (let j = 0; j < nx; j++) for (let i = 0; i < nx; i++) data[i + nx * j] = i % 2 ? 255 : 0;
    const ct = createVolume({ data, dims: [nx, nx, 1], spacing: [1, 1, 1] });
    const plain = prepareCase(ct, { options: { ...raw, inPlaneSize: 32 } }).image.data;
    const smooth = prepareCase(ct, { options: { ...raw, inPlaneSize: 32, antiAlias: true } }).image.data;
    const mean = (a: Float32Array) => a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean(plain)).toBeLessThan(0.01); // every other column: all zeros
    expect(mean(smooth)).toBeGreaterThan(0.15);
  });

  it('names the problem for a bad size or for both spacing and size', () => {
    const { ct } = disc(20, 20, [1, 1, 1]);
    expect(() => prepareCase(ct, { options: { ...raw, inPlaneSize: 0 } })).toThrow(/inPlaneSize must be a positive whole number/);
    expect(() => prepareCase(ct, { options: { ...raw, inPlaneSize: 10, spacing: [1, 1, 1] } })).toThrow(/spacing or inPlaneSize, not both/);
  });
});

describe('prepareCase zoom (multi-scale TTA)', () => {
  it('divides the working x and y spacing by the zoom (native or declared), keeps z, and maps back to the input grid', () => {
    const { ct, mask } = disc(120, 80, [0.8, 1.2, 3]);
    const p = prepareCase(ct, { label: mask, options: raw, zoom: 1.25 });
    expect(spacingFromAffine(p.image.affine).map((s) => Number(s.toFixed(9)))).toEqual([0.64, 0.96, 3]);
    expect(p.image.dims.slice(0, 3)).toEqual([150, 100, 1]);
    const out = prepareCase(ct, { options: { ...raw, spacing: [1.6, 1.6, 3] }, zoom: 0.8 });
    expect(spacingFromAffine(out.image.affine).map((s) => Number(s.toFixed(9)))).toEqual([2, 2, 3]);
    expect(out.image.dims.slice(0, 3)).toEqual([48, 48, 1]); // 96 mm by 96 mm at 2 mm
    expect(roundTripDice(p, mask)).toBeGreaterThan(0.97);
    // zoom 1 is the plain preparation, bit for bit
    expect(Array.from(prepareCase(ct, { options: raw, zoom: 1 }).image.data)).toEqual(Array.from(prepareCase(ct, { options: raw }).image.data));
  });

  it('refuses a zoom that is not a positive number', () => {
    const { ct } = disc(20, 20, [1, 1, 1]);
    for (const zoom of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => prepareCase(ct, { options: raw, zoom })).toThrow(/prepareCase: zoom must be a positive number/);
  });
});
