import { InvalidArgumentError, Rng, orientationCodes, sameGrid, spacingFromAffine, voxelToWorld } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PHANTOM_HU_RANGE, generatePhantom } from './generate-phantom.js';
import type { PhantomResult } from './generate-phantom.js';
import { PhantomTissue } from './tissue.js';

const SMALL = { dims: [64, 64, 40] as [number, number, number], spacing: [5.6, 5.6, 7.5] as [number, number, number] };

function meanWhere(data: ArrayLike<number>, pick: (p: number) => boolean): { mean: number; n: number } {
  let s = 0;
  let n = 0;
  for (let p = 0; p < data.length; p++) {
    if (pick(p)) {
      s += data[p];
      n++;
    }
  }
  return { mean: n ? s / n : NaN, n };
}

function count(data: Uint8Array): number {
  let n = 0;
  for (const v of data) n += v ? 1 : 0;
  return n;
}

describe('generatePhantom: grid and determinism', () => {
  it('returns four volumes on one LPS grid whose affine matches the spacing', () => {
    const r = generatePhantom({ dims: [40, 36, 20], spacing: [9, 10, 15], seed: 3 });
    for (const v of [r.ct, r.infection, r.lung, r.tissue]) {
      expect(v.dims).toEqual([40, 36, 20]);
      expect(sameGrid(v, r.ct)).toBe(true);
    }
    expect(r.ct.data).toBeInstanceOf(Int16Array);
    expect(r.infection.data).toBeInstanceOf(Uint8Array);
    expect(spacingFromAffine(r.ct.affine)).toEqual([9, 10, 15]);
    expect(orientationCodes(r.ct.affine)).toEqual(['L', 'P', 'S']);
    // Grid centre at the isocentre in-plane, slab centred at z = -160 mm.
    const c = voxelToWorld(r.ct.affine, [19.5, 17.5, 9.5]);
    expect(c[0]).toBeCloseTo(0, 9);
    expect(c[1]).toBeCloseTo(0, 9);
    expect(c[2]).toBeCloseTo(-160, 9);
  });

  it('gives byte-identical outputs for the same seed and different ones for another seed', () => {
    const a = generatePhantom({ ...SMALL, seed: 11 });
    const b = generatePhantom({ ...SMALL, seed: 11 });
    const c = generatePhantom({ ...SMALL, seed: 12 });
    expect(Buffer.from(a.ct.data.buffer).equals(Buffer.from(b.ct.data.buffer))).toBe(true);
    expect(Buffer.from(a.infection.data).equals(Buffer.from(b.infection.data))).toBe(true);
    expect(Buffer.from(a.lung.data).equals(Buffer.from(b.lung.data))).toBe(true);
    expect(a.lesions).toEqual(b.lesions);
    expect(Buffer.from(a.ct.data.buffer).equals(Buffer.from(c.ct.data.buffer))).toBe(false);
    expect(Buffer.from(a.lung.data).equals(Buffer.from(c.lung.data))).toBe(false);
  });

  it("'none' gives an empty infection mask but real lungs", () => {
    const r = generatePhantom({ ...SMALL, seed: 5, lesions: 'none' });
    expect(r.lesions).toEqual([]);
    expect(count(r.infection.data)).toBe(0);
    expect(r.infectionFraction).toBe(0);
    expect(r.lungVolumeMl).toBeGreaterThan(2500);
    expect(r.lungVolumeMl).toBeLessThan(7500);
  });

  it('draws the lesion count at random when not given, sometimes none', () => {
    const counts = Array.from({ length: 30 }, (_, s) => generatePhantom({ dims: [24, 24, 12], seed: s, healthyProbability: 0.3, blur: false, vessels: false }).options.lesions);
    expect(counts.filter((c) => c === 0).length).toBeGreaterThan(2);
    expect(counts.every((c) => c === 0 || (c >= 2 && c <= 8))).toBe(true);
    expect(new Set(counts).size).toBeGreaterThan(3);
  });

  it('rejects bad options with InvalidArgumentError naming the field', () => {
    const bad: [object, RegExp][] = [
      [{ dims: [0, 4, 4] }, /dims/],
      [{ dims: [4, 4] }, /dims/],
      [{ spacing: [1, -1, 1] }, /spacing/],
      [{ lesions: -1 }, /lesions/],
      [{ lesions: 2.5 }, /lesions/],
      [{ consolidationProbability: 1.5 }, /consolidationProbability/],
      [{ consolidationProbability: 0.7, mixedProbability: 0.5 }, /mixedProbability/],
      [{ lesionRadiusMm: [10, 5] }, /lesionRadiusMm/],
      [{ noiseStd: -1 }, /noiseStd/],
      [{ seed: Number.NaN }, /seed/],
    ];
    for (const [options, message] of bad) {
      let caught: unknown;
      try {
        generatePhantom(options);
      } catch (e) {
        caught = e;
      }
      expect(InvalidArgumentError.isInstance(caught), JSON.stringify(options)).toBe(true);
      expect((caught as Error).message).toMatch(message);
    }
  });
});

describe('generatePhantom: intensities', () => {
  const clean: PhantomResult[] = [1, 2, 3].map((seed) =>
    generatePhantom({ ...SMALL, seed, lesions: 7, consolidationProbability: 0.35, mixedProbability: 0.35, noiseStd: 0, blur: false }),
  );

  it('lesions have their HU ranges: ground glass -700..-300, consolidation -100..+50 (before blur and noise)', () => {
    const kinds = new Set<string>();
    for (const r of clean) {
      const ggo = meanWhere(r.ct.data, (p) => r.tissue.data[p] === PhantomTissue.GroundGlass);
      const cons = meanWhere(r.ct.data, (p) => r.tissue.data[p] === PhantomTissue.Consolidation);
      if (ggo.n) {
        expect(ggo.mean).toBeGreaterThan(-700);
        expect(ggo.mean).toBeLessThan(-300);
      }
      if (cons.n) {
        expect(cons.mean).toBeGreaterThan(-100);
        expect(cons.mean).toBeLessThan(50);
      }
      for (const l of r.lesions) {
        kinds.add(l.kind);
        const [lo, hi] = l.kind === 'ground-glass' ? [-720, -280] : l.kind === 'consolidation' ? [-110, 60] : [-720, 60];
        expect(l.meanHu).toBeGreaterThan(lo);
        expect(l.meanHu).toBeLessThan(hi);
      }
    }
    expect([...kinds].sort()).toEqual(['consolidation', 'ground-glass', 'mixed']);
  });

  it('parenchyma is near the configured lung HU, air -1000, fat and muscle where expected', () => {
    for (const r of clean) {
      const lung = meanWhere(r.ct.data, (p) => r.tissue.data[p] === PhantomTissue.Lung);
      expect(Math.abs(lung.mean + 890)).toBeLessThan(15);
      const air = meanWhere(r.ct.data, (p) => r.tissue.data[p] === PhantomTissue.Air);
      expect(air.mean).toBe(-1000);
      const fat = meanWhere(r.ct.data, (p) => r.tissue.data[p] === PhantomTissue.Fat);
      expect(Math.abs(fat.mean + 100)).toBeLessThan(10);
      const muscle = meanWhere(r.ct.data, (p) => r.tissue.data[p] === PhantomTissue.Muscle);
      expect(Math.abs(muscle.mean - 45)).toBeLessThan(10);
      const bone = meanWhere(r.ct.data, (p) => r.tissue.data[p] === PhantomTissue.CorticalBone);
      expect(bone.n).toBeGreaterThan(0);
      expect(bone.mean).toBeGreaterThan(400);
    }
  });

  it('the final CT (blur + noise) keeps lungs near -850, air at -1000 with the asked noise, lesions in range', () => {
    const fine = generatePhantom({ dims: [128, 128, 64], spacing: [2.8, 2.8, 4.5], seed: 21, lesions: 'none' });
    const fineLung = meanWhere(fine.ct.data, (p) => fine.lung.data[p] === 1);
    expect(fineLung.mean).toBeGreaterThan(-880);
    expect(fineLung.mean).toBeLessThan(-820);
    const r = generatePhantom({ ...SMALL, seed: 21, lesions: 5, consolidationProbability: 0.5, noiseStd: 15 });
    // Coarse voxels: partial volume with the chest wall and vessels lifts the mask mean a little more.
    const lung = meanWhere(r.ct.data, (p) => r.lung.data[p] === 1 && r.infection.data[p] === 0);
    expect(lung.mean).toBeGreaterThan(-880);
    expect(lung.mean).toBeLessThan(-780);
    // Air far from the body: the corners of every slice (blur leaves them flat, so std is the noise).
    const [nx, ny, nz] = r.ct.dims;
    const corner: number[] = [];
    for (let k = 0; k < nz; k++) for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) corner.push(r.ct.data[i + nx * (j + ny * k)]);
    expect(corner.every((_, n) => r.tissue.data[(n % 4) + nx * (Math.floor(n / 4) % 4 + ny * Math.floor(n / 16))] === PhantomTissue.Air)).toBe(true);
    const m = corner.reduce((s, x) => s + x, 0) / corner.length;
    const sd = Math.sqrt(corner.reduce((s, x) => s + (x - m) ** 2, 0) / corner.length);
    expect(Math.abs(m + 1000)).toBeLessThan(3);
    expect(sd).toBeGreaterThan(12.5);
    expect(sd).toBeLessThan(17.5);
    let min = Infinity;
    let max = -Infinity;
    for (const v of r.ct.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBeGreaterThanOrEqual(PHANTOM_HU_RANGE[0]);
    expect(max).toBeLessThanOrEqual(PHANTOM_HU_RANGE[1]);
    const ggo = meanWhere(r.ct.data, (p) => r.tissue.data[p] === PhantomTissue.GroundGlass);
    if (ggo.n) {
      expect(ggo.mean).toBeGreaterThan(-750);
      expect(ggo.mean).toBeLessThan(-250);
    }
  });
});

describe('generatePhantom: lesions', () => {
  it('lesion voxels lie inside the lung mask and the descriptors add up', () => {
    for (const seed of [1, 2, 3, 4]) {
      const r = generatePhantom({ ...SMALL, seed, lesions: 8 });
      let infected = 0;
      for (let p = 0; p < r.infection.data.length; p++) {
        if (r.infection.data[p]) {
          infected++;
          expect(r.lung.data[p]).toBe(1);
        }
      }
      expect(r.lesions.reduce((s, l) => s + l.voxels, 0)).toBe(infected);
      expect(r.infectionFraction).toBeCloseTo(infected / count(r.lung.data), 12);
      const [nx, ny] = r.ct.dims;
      for (const l of r.lesions) {
        const [i, j, k] = l.seedVoxel;
        expect(r.lung.data[i + nx * (j + ny * k)]).toBe(1);
        const w = voxelToWorld(r.ct.affine, l.centroidVoxel);
        expect(l.centroidMm).toEqual(w);
        expect(l.volumeMl).toBeCloseTo((l.voxels * 5.6 * 5.6 * 7.5) / 1000, 9);
      }
    }
  });

  it('keeps the infected fraction of the lung under maxInfectionFraction', () => {
    for (const seed of [1, 2, 3]) {
      const r = generatePhantom({ ...SMALL, seed, lesions: 12, lesionRadiusMm: [25, 50], maxInfectionFraction: 0.04 });
      expect(r.lesions.length).toBeGreaterThan(0);
      expect(count(r.infection.data) / count(r.lung.data)).toBeLessThanOrEqual(0.04);
      const big = generatePhantom({ ...SMALL, seed, lesions: 12, lesionRadiusMm: [25, 50], maxInfectionFraction: 0.6 });
      expect(big.infectionFraction).toBeGreaterThan(0.04);
    }
  });

  it('places lesions mostly peripheral and posterior, with varied sizes (over several seeds)', () => {
    const rng = new Rng(99);
    const lesionRatios: number[] = [];
    const randomRatios: number[] = [];
    let posterior = 0;
    let total = 0;
    const volumes: number[] = [];
    for (let seed = 0; seed < 8; seed++) {
      const r = generatePhantom({ dims: [72, 72, 40], spacing: [5, 5, 7.5], seed, lesions: 6, noiseStd: 0, blur: false, vessels: false });
      const [nx, ny, nz] = r.lung.dims;
      const lung = r.lung.data;
      const tissue = r.tissue.data;
      // Peripherality of an in-plane point: its distance from the body's centre in that slice divided by
      // the distance from the centre to the outermost lung voxel on the same ray (1 = at the chest wall).
      const ratio = (x: number, y: number, k: number): number => {
        let sx = 0;
        let sy = 0;
        let n = 0;
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++) {
            const t = tissue[i + nx * (j + ny * k)];
            if (t !== PhantomTissue.Air && t !== PhantomTissue.Table) {
              sx += i;
              sy += j;
              n++;
            }
          }
        const [cx, cy] = [sx / n, sy / n];
        const len = Math.hypot(x - cx, y - cy) || 1;
        let edge = 0;
        for (let t = 0; t < 2 * nx; t += 0.25) {
          const i = Math.round(cx + ((x - cx) / len) * t);
          const j = Math.round(cy + ((y - cy) / len) * t);
          if (i < 0 || j < 0 || i >= nx || j >= ny) break;
          if (lung[i + nx * (j + ny * k)]) edge = t;
        }
        return len / Math.max(edge, 1e-9);
      };
      // Mean j of each lung (the patient's left lung is at larger i).
      const sideJ = { left: { s: 0, n: 0 }, right: { s: 0, n: 0 } };
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++)
            if (lung[i + nx * (j + ny * k)]) {
              const side = i >= nx / 2 ? sideJ.left : sideJ.right;
              side.s += j;
              side.n++;
            }
      for (const l of r.lesions) {
        const [ci, cj, ck] = l.centroidVoxel;
        const side = ci >= nx / 2 ? sideJ.left : sideJ.right;
        total++;
        if (cj > side.s / side.n) posterior++;
        lesionRatios.push(ratio(ci, cj, Math.round(ck)));
        volumes.push(l.volumeMl);
      }
      for (let n = 0; n < 40; ) {
        const i = rng.int(0, nx);
        const j = rng.int(0, ny);
        const k = rng.int(0, nz);
        if (!lung[i + nx * (j + ny * k)]) continue;
        randomRatios.push(ratio(i, j, k));
        n++;
      }
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const outer = (xs: number[]): number => xs.filter((x) => x > 0.7).length / xs.length;
    expect(total).toBeGreaterThan(30);
    expect(posterior / total).toBeGreaterThan(0.6);
    expect(outer(lesionRatios)).toBeGreaterThan(0.8);
    expect(outer(lesionRatios)).toBeGreaterThan(outer(randomRatios) + 0.15);
    expect(mean(lesionRatios)).toBeGreaterThan(mean(randomRatios) + 0.05);
    expect(Math.max(...volumes) / Math.min(...volumes)).toBeGreaterThan(20);
  });
});

describe('generatePhantom: physical size', () => {
  it('keeps anatomy in mm: the same patient at 5 mm and at 2.5 mm has the same lung volume', () => {
    const coarse = generatePhantom({ dims: [72, 72, 40], spacing: [5, 5, 7.5], seed: 8, lesions: 'none', vessels: false });
    const fine = generatePhantom({ dims: [144, 144, 80], spacing: [2.5, 2.5, 3.75], seed: 8, lesions: 'none', vessels: false });
    expect(coarse.patientScale).toEqual([1, 1]);
    expect(fine.patientScale).toEqual([1, 1]);
    expect(Math.abs(coarse.lungVolumeMl / fine.lungVolumeMl - 1)).toBeLessThan(0.08);
    expect(count(fine.lung.data)).toBeGreaterThan(7 * count(coarse.lung.data));
  });

  it('shrinks the patient to fit a field of view too small for a chest', () => {
    const r = generatePhantom({ dims: [32, 32, 16], spacing: [1, 1, 1], seed: 2, lesions: 3 });
    expect(r.patientScale[0]).toBeLessThan(0.2);
    expect(r.patientScale[1]).toBeLessThan(0.1);
    expect(count(r.lung.data)).toBeGreaterThan(100);
    // Air in the corners, body in the middle.
    expect(r.tissue.data[0]).toBe(PhantomTissue.Air);
    expect(r.tissue.data[16 + 32 * (16 + 32 * 8)]).not.toBe(PhantomTissue.Air);
  });
});

describe('generatePhantom: invariants on random grids (property test)', () => {
  it('any dims, spacing, seed and lesion count: masks binary, infection inside lung, HU in range, deterministic', () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 1, max: 16 })),
        fc.tuple(fc.double({ min: 0.4, max: 14, noNaN: true }), fc.double({ min: 0.4, max: 14, noNaN: true }), fc.double({ min: 0.4, max: 25, noNaN: true })),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 5 }),
        (dims, spacing, seed, lesions) => {
          const options = { dims, spacing, seed, lesions };
          const r = generatePhantom(options);
          const again = generatePhantom(options);
          expect(Buffer.from(r.ct.data.buffer).equals(Buffer.from(again.ct.data.buffer))).toBe(true);
          let infected = 0;
          for (let p = 0; p < r.ct.data.length; p++) {
            const v = r.ct.data[p];
            if (v < PHANTOM_HU_RANGE[0] || v > PHANTOM_HU_RANGE[1]) return false;
            if (r.lung.data[p] > 1 || r.infection.data[p] > 1 || r.tissue.data[p] > 17) return false;
            if (r.infection.data[p]) {
              infected++;
              if (!r.lung.data[p]) return false;
            }
          }
          expect(r.lesions.reduce((s, l) => s + l.voxels, 0)).toBe(infected);
          expect(r.lesions.length).toBeLessThanOrEqual(lesions);
          expect(spacingFromAffine(r.ct.affine).map((s, n) => Math.abs(s - spacing[n]) < 1e-9)).toEqual([true, true, true]);
          return true;
        },
      ),
      { numRuns: 30, seed: 4242 },
    );
  });
});
