import { InvalidArgumentError, createVolume } from '@raunet/core';
import { describe, expect, it } from 'vitest';
import { toyChestHu } from './__fixtures__/helpers.js';
import { detectIntensityScale, toHounsfield } from './intensity-scale.js';

/** Radiopaedia-style windowing: clip to [-1250, 250] HU and rescale to 0..255 (rounded, uint8). */
function windowTo255(hu: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(hu.length);
  for (let i = 0; i < hu.length; i++) out[i] = Math.round(((Math.min(Math.max(hu[i], -1250), 250) + 1250) / 1500) * 255);
  return out;
}

describe('detectIntensityScale / toHounsfield', () => {
  const ct = toyChestHu();

  it('recognizes Hounsfield units and leaves them alone', () => {
    expect(detectIntensityScale(ct).kind).toBe('hu');
    const { volume, scale } = toHounsfield(ct);
    expect(volume).toBe(ct);
    expect(scale.converted).toBe(false);
    expect(scale.reason).toMatch(/Hounsfield/);
    // float HU (e.g. after resampling) too
    expect(detectIntensityScale(createVolume({ data: Float32Array.from(ct.data, (x) => x + 0.25), dims: ct.dims })).kind).toBe('hu');
  });

  it('recognizes data windowed to [-1250, 250] and scaled to 0..255, and maps it back within half a grey level', () => {
    const w = createVolume({ data: windowTo255(ct.data), dims: ct.dims, affine: ct.affine });
    const d = detectIntensityScale(w);
    expect(d.kind).toBe('windowed-0-255');
    expect(d.statistics.integer).toBe(true);
    const { volume, scale } = toHounsfield(w);
    expect(scale).toMatchObject({ kind: 'windowed-0-255', converted: true, intercept: -1250, window: [-1250, 250] });
    expect(scale.slope).toBeCloseTo(1500 / 255, 12);
    expect(volume.data).toBeInstanceOf(Float32Array);
    const halfLevel = 1500 / 255 / 2 + 1e-3;
    for (let i = 0; i < ct.data.length; i++) {
      const expected = Math.min(Math.max(ct.data[i], -1250), 250);
      expect(Math.abs(Number(volume.data[i]) - expected)).toBeLessThanOrEqual(halfLevel);
    }
    // as float32 0..255 too (some files store the windowed values as floats)
    expect(detectIntensityScale(createVolume({ data: Float32Array.from(w.data), dims: w.dims })).kind).toBe('windowed-0-255');
  });

  it('refuses volumes that are neither, saying why', () => {
    const n = ct.data.length;
    const normalized = createVolume({ data: Float32Array.from(ct.data, (x) => (Math.min(Math.max(x, -1000), 1000) + 1000) / 2000), dims: ct.dims });
    expect(() => toHounsfield(normalized)).toThrow(InvalidArgumentError);
    expect(() => detectIntensityScale(normalized)).toThrow(/do not look like a CT windowed to/);
    const raw = createVolume({ data: Int16Array.from(ct.data, (x) => x + 1024), dims: ct.dims });
    expect(() => detectIntensityScale(raw)).toThrow(/HU \+ 1024 without the rescale intercept/);
    const mask = createVolume({ data: new Uint8Array(n).map((_, i) => i % 3), dims: ct.dims });
    expect(() => detectIntensityScale(mask)).toThrow(InvalidArgumentError);
    // negative, but almost nothing at air or lung density (one voxel at -700 HU)
    const allAirless = createVolume({ data: new Int16Array(n).fill(-300).map((x, i) => (i === 0 ? -700 : x)), dims: ct.dims });
    expect(() => detectIntensityScale(allAirless)).toThrow(/does not look like a CT/);
    // an MR-like 0..255 image: a little background, air-band values, and most tissue between 101 and 185
    const mr = createVolume({ data: new Uint8Array(n).map((_, i) => (i % 20 === 0 ? 0 : i % 20 === 1 ? 60 : i % 20 < 8 ? 140 : 230)), dims: ct.dims });
    expect(() => detectIntensityScale(mr)).toThrow(/between lung and fat/);
  });

  it('calls a small crop of lung parenchyma HU although its maximum is below -200 HU (a ground-glass nodule VOI)', () => {
    // like LIDC-IDRI-0270_R_1: 44x44x6 voxels, range [-962, -201]
    const n = 44 * 44 * 6;
    const data = new Int16Array(n).map((_, i) => (i % 97 === 0 ? -201 : -850 + (i % 50)));
    const crop = createVolume({ data, dims: [44, 44, 6] });
    expect(detectIntensityScale(crop).kind).toBe('hu');
  });

  it('uses a declared scale without detecting it, so nothing is refused', () => {
    // an 8-bit slice that detection refuses (no air band) is converted when declared windowed
    const slice = createVolume({ data: new Uint8Array(64).map((_, i) => 150 + (i % 50)), dims: [8, 8, 1] });
    expect(() => toHounsfield(slice)).toThrow(InvalidArgumentError);
    const { volume, scale } = toHounsfield(slice, { scale: 'windowed-0-255' });
    expect(scale.kind).toBe('windowed-0-255');
    expect(scale.reason).toMatch(/declared/);
    expect(volume.data[0]).toBeCloseTo((150 / 255) * 1500 - 1250, 4);
    // declared HU is returned as is, even when detection would refuse it
    const odd = createVolume({ data: new Int16Array(64).fill(-100), dims: [4, 4, 4] });
    expect(toHounsfield(odd, { scale: 'hu' }).volume).toBe(odd);
    expect(() => toHounsfield(odd, { scale: 'raw' as 'hu' })).toThrow(/scale must be/);
  });
});
