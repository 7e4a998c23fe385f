import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNifti } from '@raunet/io';
import { readNiftiLite } from './__fixtures__/nifti-lite.js';
import { marchingCubes } from './marching-cubes.js';
import { checkMesh, meshVolume } from './mesh.js';
import { meshComponents } from './mesh-components.js';

const DATA = path.resolve('../shared/data/nifti');
const have = existsSync(DATA);
if (!have && process.env.CI) throw new Error('shared data missing in CI: ' + DATA);

function voxelMm3(affine: number[][]): number {
  const m = affine;
  return Math.abs(
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]),
  );
}

describe.skipIf(!have)('meshes of real masks (needs ../shared/data/nifti)', () => {
  it('CIP whole-lung mask (64x64x79, LPS): closed, outward, volume close to the voxel volume', async () => {
    const mask = await readNifti(path.join(DATA, 'chest_cip64_wholelung_uint16.nii.gz'));
    const lite = readNiftiLite(path.join(DATA, 'chest_cip64_wholelung_uint16.nii.gz'));
    expect(mask.affine[0][0]).toBeCloseTo(lite.affine[0][0], 4);
    const mesh = marchingCubes(mask);
    const report = checkMesh(mesh);
    expect(report.closed).toBe(true);
    // nibabel: 65624 voxels of 69.4 mm3 = 4554.16 mL.
    const voxelMl = (65624 * voxelMm3(mask.affine)) / 1000;
    expect(voxelMl).toBeCloseTo(4554.16, 0);
    const ml = meshVolume(mesh) / 1000;
    expect(ml).toBeGreaterThan(0.9 * voxelMl);
    expect(ml).toBeLessThan(voxelMl);
    // World coordinates: every vertex lies within the volume's world bounding box (LPS affine, negative x/y steps).
    const xs = Array.from(mesh.positions).filter((_, i) => i % 3 === 0);
    expect(Math.max(...xs)).toBeLessThanOrEqual(128.4138 + 4.2);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(128.4138 - 64 * 4.1719);
    const smooth = marchingCubes(mask, { smoothIterations: 10 });
    expect(checkMesh(smooth).closed).toBe(true);
    expect(Math.abs(meshVolume(smooth) / meshVolume(mesh) - 1)).toBeLessThan(0.03);
    // Per component: every mesh closed, volumes add up to the whole mesh (disjoint surfaces).
    const parts = meshComponents(mask);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const part of parts) expect(checkMesh(part).closed).toBe(true);
    expect(parts.reduce((s, m) => s + meshVolume(m), 0)).toBeCloseTo(meshVolume(mesh), -1);
    expect(meshVolume(parts[0])).toBeGreaterThan(meshVolume(parts[1]));
  });

  it('COVID-19 lung pseudo-label (512x512x103, labels 1/2, qform only): closed, volume close to the voxel volume', async () => {
    const mask = await readNifti(path.join(DATA, 'covid19_A0004_lung_pseudolabel.nii.gz'));
    const voxel = voxelMm3(mask.affine);
    const both = marchingCubes(mask);
    expect(checkMesh(both).closed).toBe(true);
    // nibabel: 615055 nonzero voxels.
    expect(meshVolume(both)).toBeLessThan(615055 * voxel);
    expect(meshVolume(both)).toBeGreaterThan(0.8 * 615055 * voxel);
  });

  it('labels-256 volume stored LIA (negative determinant): outward normals, positive volume', async () => {
    const mask = await readNifti(path.join(DATA, 'fmt_labels256_LIA_uint8.nii.gz'));
    const m = mask.affine;
    const det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    expect(det).toBeLessThan(0);
    const mesh = marchingCubes(mask);
    expect(checkMesh(mesh).closed).toBe(true);
    // nibabel: 1155901 nonzero voxels of 1 mm3. (Midpoint marching cubes cuts convex corners and fills
    // concave ones, so the mesh volume may be on either side of the voxel volume.)
    expect(meshVolume(mesh)).toBeGreaterThan(0.85 * 1155901);
    expect(meshVolume(mesh)).toBeLessThan(1.15 * 1155901);
  });

  it('TotalSegmentator multilabel (RAS, 3 mm): every label mesh closed with volume near its voxel volume', async () => {
    const seg = await readNifti(path.join(DATA, 'abd_seg_ts_3mm_30sl_multilabel.nii.gz'));
    const counts = new Map<number, number>();
    for (const v of seg.data as Uint8Array) if (v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect(counts.size).toBeGreaterThan(10);
    let total = 0;
    for (const [label, count] of counts) {
      const mesh = marchingCubes(seg, { label });
      expect(checkMesh(mesh).closed, `label ${label}`).toBe(true);
      const ratio = meshVolume(mesh) / (count * 27);
      expect(ratio, `label ${label}`).toBeGreaterThan(count > 500 ? 0.7 : 0.1);
      expect(ratio, `label ${label}`).toBeLessThan(1.15);
      total += count;
    }
    expect(total).toBe(110225); // nibabel's nonzero count
  });
});
