import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createVolume, type Volume } from '@raunet/core';
import { readNifti } from '@raunet/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { borderVoxels, idx, npPercentile, type Dims, type Spacing } from './__fixtures__/reference.js';
import { evaluateCase } from './evaluate.js';
import { dice, lesionVolumeMl, voxelVolumeMl } from './overlap.js';
import { hausdorff, surfaceDistances } from './surface.js';

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI === 'true') throw new Error('shared data missing in CI: ' + DATA);

/** The mask moved by one voxel along `axis` (+1), zero fill, same grid. */
function shift(v: Volume, axis: 0 | 1 | 2): Volume {
  const [nx, ny, nz] = v.dims as Dims;
  const out = new Uint16Array(nx * ny * nz);
  const src = v.data as Uint16Array;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const [sx, sy, sz] = [x - (axis === 0 ? 1 : 0), y - (axis === 1 ? 1 : 0), z - (axis === 2 ? 1 : 0)];
        if (sx < 0 || sy < 0 || sz < 0) continue;
        out[x + nx * (y + ny * z)] = src[sx + nx * (sy + ny * sz)];
      }
  return createVolume({ data: out, dims: v.dims, spacing: v.spacing, affine: v.affine });
}

/**
 * Directed distances by a plain search: for each query point, scan growing cubes of voxels around it
 * until the best distance found is below what any voxel outside the cube could reach.
 */
function windowedDirected(query: Dims[], target: Dims[], dims: Dims, s: Spacing): number[] {
  const grid = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (const [x, y, z] of target) grid[idx(dims, x, y, z)] = 1;
  const minS = Math.min(...s);
  return query.map(([x, y, z]) => {
    let best = Infinity;
    for (let r = 0; ; r++) {
      for (let k = Math.max(0, z - r); k <= Math.min(dims[2] - 1, z + r); k++)
        for (let j = Math.max(0, y - r); j <= Math.min(dims[1] - 1, y + r); j++)
          for (let i = Math.max(0, x - r); i <= Math.min(dims[0] - 1, x + r); i++) {
            if (!grid[idx(dims, i, j, k)]) continue;
            const d = ((i - x) * s[0]) ** 2 + ((j - y) * s[1]) ** 2 + ((k - z) * s[2]) ** 2;
            if (d < best) best = d;
          }
      if (Math.sqrt(best) <= (r + 1) * minS) return Math.sqrt(best);
    }
  });
}

describe.skipIf(!have)('real masks (needs ../shared/data/nifti)', () => {
  let lung: Volume;
  let regions: Volume;
  let manifest: { dest: string; nibabel: { labels: Record<string, number>; zooms: number[] } }[];

  beforeAll(async () => {
    lung = await readNifti(path.join(DATA, 'chest_cip64_wholelung_uint16.nii.gz'));
    regions = await readNifti(path.join(DATA, 'chest_cip64_lungregions_uint16.nii.gz'));
    manifest = JSON.parse(readFileSync(path.join(DATA, 'manifest.json'), 'utf8')) as typeof manifest;
  });

  it('lesion volume per label equals nibabel counts x voxel volume', () => {
    const entry = manifest.find((m) => m.dest === 'chest_cip64_lungregions_uint16.nii.gz');
    expect(entry).toBeDefined();
    const [zx, zy, zz] = entry!.nibabel.zooms;
    const voxelMl = voxelVolumeMl(regions);
    // nibabel's zooms are printed to 6 decimals: compare the voxel volume relatively, the counts exactly.
    expect(Math.abs(voxelMl / ((zx * zy * zz) / 1000) - 1)).toBeLessThan(1e-6);
    for (const [label, count] of Object.entries(entry!.nibabel.labels)) {
      expect(lesionVolumeMl(regions, { label: Number(label) }) / voxelMl).toBeCloseTo(count, 6);
    }
    const whole = manifest.find((m) => m.dest === 'chest_cip64_wholelung_uint16.nii.gz')!;
    expect(lesionVolumeMl(lung) / voxelMl).toBeCloseTo(whole.nibabel.labels['1'], 6);
  });

  for (const axis of [0, 1, 2] as const) {
    it(`whole-lung mask vs itself shifted by one voxel along ${'xyz'[axis]}: Dice, HD, HD95, ASSD, NSD`, () => {
      const moved = shift(lung, axis);
      const dims = lung.dims as Dims;
      const s = lung.spacing.slice(0, 3) as Spacing;
      const a = lung.data as Uint16Array;
      const b = moved.data as Uint16Array;
      // Dice by plain counting.
      let na = 0;
      let nb = 0;
      let both = 0;
      for (let i = 0; i < a.length; i++) {
        if (a[i]) na++;
        if (b[i]) nb++;
        if (a[i] && b[i]) both++;
      }
      const m = evaluateCase(moved, lung, { toleranceMm: 2 });
      expect(m.dice).toBeCloseTo((2 * both) / (na + nb), 14);
      expect(dice(lung, moved)).toBe(m.dice);
      expect(m.dice).toBeGreaterThan(0.8);
      // Surface metrics from plain border extraction + windowed nearest search.
      const bp = borderVoxels(b, dims);
      const bt = borderVoxels(a, dims);
      const pt = windowedDirected(bp, bt, dims, s);
      const tp = windowedDirected(bt, bp, dims, s);
      const all = [...pt, ...tp];
      expect(m.hausdorff).toBeCloseTo(Math.max(...all), 9);
      expect(m.hausdorff95).toBeCloseTo(Math.max(npPercentile(pt, 95), npPercentile(tp, 95)), 9);
      expect(m.assd).toBeCloseTo(all.reduce((x, y) => x + y, 0) / all.length, 9);
      // NSD below the smallest spacing (3.99 mm) is the share of border voxels that coincide.
      const setP = new Set(bp.map(([x, y, z]) => idx(dims, x, y, z)));
      const setT = new Set(bt.map(([x, y, z]) => idx(dims, x, y, z)));
      let common = 0;
      for (const i of setP) if (setT.has(i)) common++;
      expect(m.nsd).toBeCloseTo((2 * common) / (setP.size + setT.size), 14);
      expect(m.hausdorff).toBeGreaterThan(0);
      expect(hausdorff(moved, lung)).toBe(m.hausdorff);
    });
  }

  it('whole lung moved one slice: surfel NSD@1mm 0.868 (the DeepMind definition) against 0.642 on border voxels', () => {
    const moved = shift(lung, 2);
    const voxel = evaluateCase(moved, lung, { toleranceMm: 1 });
    const surfel = evaluateCase(moved, lung, { toleranceMm: 1, surface: 'surfel' });
    // Reference values from DeepMind's algorithm run on the same masks (scipy + its lookup table, see
    // docs/metrics.md): NSD 0.8678130161255386, HD95 3.98734188079834 mm (one slice), 258378.9352724 mm²
    // of surfels per mask.
    expect(surfel.nsd).toBeCloseTo(0.8678130161255386, 10);
    expect(surfel.hausdorff95).toBeCloseTo(3.98734188079834, 12);
    const d = surfaceDistances(moved, lung, { surface: 'surfel' });
    expect(d.truthAreas!.reduce((a, b) => a + b, 0)).toBeCloseTo(258378.9352724, 5);
    expect(d.truthToPrediction.length).toBe(20673);
    expect(voxel.nsd).toBeCloseTo(0.641789770301426, 12);
    expect(surfel.nsd - voxel.nsd).toBeGreaterThan(0.2);
  });

  it('per-class evaluation of the lung-region label map (class 9) shifted along z', () => {
    const moved = shift(regions, 2);
    const dims = regions.dims as Dims;
    const s = regions.spacing.slice(0, 3) as Spacing;
    const pick = (v: Volume) => Uint8Array.from(v.data as Uint16Array, (x) => (x === 9 ? 1 : 0));
    const a = pick(regions);
    const b = pick(moved);
    const bp = borderVoxels(b, dims);
    const bt = borderVoxels(a, dims);
    const all = [...windowedDirected(bp, bt, dims, s), ...windowedDirected(bt, bp, dims, s)];
    const m = evaluateCase(moved, regions, { label: 9 });
    expect(m.hausdorff).toBeCloseTo(Math.max(...all), 9);
    expect(m.assd).toBeCloseTo(all.reduce((x, y) => x + y, 0) / all.length, 9);
    expect(m.truthVolumeMl).toBeCloseTo(lesionVolumeMl(regions, { label: 9 }), 12);
  });
});
