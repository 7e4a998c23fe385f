import { createVolume } from '@raunet/core';
import { describe, expect, it } from 'vitest';
import { marchingCubes } from './marching-cubes.js';
import { checkMesh, meshVolume } from './mesh.js';
import { labelComponents, meshComponents } from './mesh-components.js';

const dims = [16, 12, 10] as const;
function grid(): Uint8Array {
  return new Uint8Array(dims[0] * dims[1] * dims[2]);
}
function set(data: Uint8Array, x: number, y: number, z: number, v = 1): void {
  data[x + dims[0] * (y + dims[1] * z)] = v;
}
function box(data: Uint8Array, [x0, y0, z0]: number[], [x1, y1, z1]: number[], v = 1): void {
  for (let z = z0; z <= z1; z++) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) set(data, x, y, z, v);
}

describe('labelComponents / meshComponents', () => {
  it('counts blobs, orders them by size, and follows 6- vs 26-connectivity', () => {
    const data = grid();
    box(data, [1, 1, 1], [4, 4, 4]); // 64 voxels
    box(data, [8, 1, 1], [9, 2, 2]); // 8 voxels
    set(data, 12, 8, 6); // two voxels touching only at a corner: 2 components (6), 1 (26)
    set(data, 13, 9, 7);
    box(data, [1, 8, 6], [3, 10, 8], 2); // 27 voxels with label 2
    const v = createVolume({ data, dims, spacing: [0.5, 1, 2] });
    const six = labelComponents(v);
    expect(six.count).toBe(5);
    expect(six.sizes).toEqual([64, 27, 8, 1, 1]);
    expect(six.labels[1 + 16 * (1 + 12 * 1)]).toBe(1);
    expect(labelComponents(v, { connectivity: 26 }).sizes).toEqual([64, 27, 8, 2]);
    expect(labelComponents(v, { label: 2 }).sizes).toEqual([27]);

    const meshes = meshComponents(v);
    expect(meshes).toHaveLength(5);
    for (const m of meshes) expect(checkMesh(m).closed).toBe(true);
    // Volumes per component add up to the volume of the whole mask's mesh (surfaces are disjoint).
    const total = meshVolume(marchingCubes(v));
    expect(meshes.reduce((s, m) => s + meshVolume(m), 0)).toBeCloseTo(total, 6);
    // The single voxel is an octahedron of 0.5 x 1 x 2 mm voxel: 1/6 of the voxel volume.
    expect(meshVolume(meshes[4])).toBeCloseTo(1 / 6, 6);
    // 26-connectivity: the diagonal pair is one mesh made of two disjoint octahedra.
    const m26 = meshComponents(v, { connectivity: 26 });
    expect(m26).toHaveLength(4);
    expect(checkMesh(m26[3]).eulerCharacteristic).toBe(4);
    expect(meshComponents(v, { minVoxels: 8 })).toHaveLength(3);
  });

  it('keeps a cavity inside its component: one mesh, two surfaces, hollow volume', () => {
    const data = grid();
    box(data, [2, 2, 2], [9, 9, 8]);
    box(data, [4, 4, 4], [6, 6, 6], 0);
    const v = createVolume({ data, dims });
    const [shell, ...rest] = meshComponents(v);
    expect(rest).toHaveLength(0);
    const report = checkMesh(shell);
    expect(report.closed).toBe(true);
    expect(report.eulerCharacteristic).toBe(4);
    const outer = (() => {
      const d = grid();
      box(d, [2, 2, 2], [9, 9, 8]);
      return meshVolume(marchingCubes(createVolume({ data: d, dims })));
    })();
    expect(meshVolume(shell)).toBeLessThan(outer - 20);
    expect(meshVolume(shell)).toBeGreaterThan(outer - 27);
  });

  it('separates the components of a probability map and keeps their interpolated surfaces', () => {
    const data = new Float32Array(dims[0] * dims[1] * dims[2]);
    for (let z = 0; z < dims[2]; z++)
      for (let y = 0; y < dims[1]; y++)
        for (let x = 0; x < dims[0]; x++) {
          const a = Math.exp(-((x - 4) ** 2 + (y - 5) ** 2 + (z - 5) ** 2) / 6);
          const b = Math.exp(-((x - 12) ** 2 + (y - 5) ** 2 + (z - 5) ** 2) / 3);
          data[x + dims[0] * (y + dims[1] * z)] = Math.max(a, b);
        }
    const v = createVolume({ data, dims });
    const meshes = meshComponents(v, { level: 0.3 });
    expect(meshes).toHaveLength(2);
    const whole = meshVolume(marchingCubes(v, { level: 0.3 }));
    expect(meshVolume(meshes[0]) + meshVolume(meshes[1])).toBeCloseTo(whole, 6);
    expect(meshVolume(meshes[0])).toBeGreaterThan(meshVolume(meshes[1]));
  });
});
