import { createVolume, InvalidArgumentError, type Affine } from '@raunet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { marchingCubes } from './marching-cubes.js';
import { checkMesh, meshArea, meshVolume, type Mesh } from './mesh.js';

/** A voxelized sphere: voxel centres within r mm of the grid centre, on a grid with the given spacing. */
function sphere(r: number, spacing: [number, number, number], affine?: Affine) {
  const dims = spacing.map((s) => Math.ceil((2 * r) / s) + 4) as [number, number, number];
  const data = new Uint8Array(dims[0] * dims[1] * dims[2]);
  let count = 0;
  for (let k = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) {
        const x = (i - dims[0] / 2 + 0.3) * spacing[0];
        const y = (j - dims[1] / 2 + 0.1) * spacing[1];
        const z = (k - dims[2] / 2 - 0.2) * spacing[2];
        if (x * x + y * y + z * z <= r * r) {
          data[i + dims[0] * (j + dims[1] * k)] = 1;
          count++;
        }
      }
  return { volume: createVolume({ data, dims, spacing, affine }), count };
}

function usedVertices(mesh: Mesh): number {
  return new Set(mesh.indices).size;
}

describe('marchingCubes', () => {
  it('turns one voxel into the octahedron through its six face midpoints, in world mm', () => {
    const data = new Uint8Array(3 * 3 * 3);
    data[1 + 3 * (1 + 3 * 1)] = 1;
    const affine = [
      [2, 0, 0, -10],
      [0, 3, 0, 5],
      [0, 0, 4, 100],
      [0, 0, 0, 1],
    ];
    const mesh = marchingCubes(createVolume({ data, dims: [3, 3, 3], spacing: [2, 3, 4], affine }));
    expect(mesh.positions.length / 3).toBe(6);
    expect(mesh.indices.length / 3).toBe(8);
    const pts = Array.from({ length: 6 }, (_, v) => Array.from(mesh.positions.subarray(v * 3, v * 3 + 3)));
    const expected = [
      [0.5, 1, 1],
      [1.5, 1, 1],
      [1, 0.5, 1],
      [1, 1.5, 1],
      [1, 1, 0.5],
      [1, 1, 1.5],
    ].map(([i, j, k]) => [2 * i - 10, 3 * j + 5, 4 * k + 100]);
    expect(pts.map((p) => p.join(',')).sort()).toEqual(expected.map((p) => p.join(',')).sort());
    // Octahedron with half-diagonals 1, 1.5, 2 mm: volume 4/3 * 1 * 1.5 * 2.
    expect(meshVolume(mesh)).toBeCloseTo((4 / 3) * 1 * 1.5 * 2, 5);
    expect(checkMesh(mesh)).toMatchObject({ closed: true, eulerCharacteristic: 2, edgeCount: 12 });
  });

  it('closes surfaces at the volume border (mask touching every face)', () => {
    const mesh = marchingCubes(createVolume({ data: new Uint8Array(4 * 3 * 2).fill(1), dims: [4, 3, 2] }));
    expect(checkMesh(mesh)).toMatchObject({ closed: true, eulerCharacteristic: 2 });
    // Box 4x3x2 (faces half a voxel out) minus the 45-degree edge and corner cuts: between the inner box and the full box.
    expect(meshVolume(mesh)).toBeGreaterThan(3 * 2 * 1);
    expect(meshVolume(mesh)).toBeLessThan(4 * 3 * 2);
  });

  it('returns an empty mesh for an empty mask', () => {
    const mesh = marchingCubes(createVolume({ data: new Uint8Array(8), dims: [2, 2, 2] }));
    expect(mesh.positions.length).toBe(0);
    expect(mesh.indices.length).toBe(0);
    expect(meshVolume(mesh)).toBe(0);
  });

  it.each([
    [6, [1, 1, 1]],
    [10, [1, 1, 1]],
    [15, [1, 1, 1]],
    [9, [0.7, 1, 2.5]],
    [20, [0.8, 0.8, 5]],
  ] as const)('encloses the analytic volume of a voxelized sphere (r = %s mm, spacing %j)', (r, spacing) => {
    const { volume } = sphere(r, [...spacing]);
    const mesh = marchingCubes(volume);
    const analytic = (4 / 3) * Math.PI * r ** 3;
    expect(checkMesh(mesh).closed).toBe(true);
    expect(checkMesh(mesh).eulerCharacteristic).toBe(2);
    expect(Math.abs(meshVolume(mesh) / analytic - 1)).toBeLessThan(0.04);
    const smooth = marchingCubes(volume, { smoothIterations: 10 });
    expect(Math.abs(meshVolume(smooth) / analytic - 1)).toBeLessThan(0.04);
    // Taubin smoothing removes most of the staircase excess of the area (coarse 5 mm slices keep more).
    const areaTolerance = Math.max(...spacing) > 3 ? 0.15 : 0.05;
    expect(Math.abs(meshArea(smooth) / (4 * Math.PI * r * r) - 1)).toBeLessThan(areaTolerance);
    expect(meshArea(mesh)).toBeGreaterThan(meshArea(smooth));
  });

  it('keeps volume and outward normals under a rotated, mirrored (negative determinant) affine', () => {
    const { volume } = sphere(8, [1, 1, 1]);
    const c = Math.cos(0.4);
    const s = Math.sin(0.4);
    const mirrored = [
      [-c, -s, 0, 30],
      [s, -c, 0, -7],
      [0, 0, 1.5, 2],
      [0, 0, 0, 1],
    ];
    const plain = marchingCubes(volume);
    const flipped = marchingCubes({ ...volume, affine: mirrored });
    expect(checkMesh(flipped).closed).toBe(true);
    expect(meshVolume(flipped)).toBeGreaterThan(0);
    expect(meshVolume(flipped)).toBeCloseTo(meshVolume(plain) * 1.5, 0);
  });

  it('selects one label, or every nonzero voxel', () => {
    const data = new Uint8Array(10 * 5 * 5);
    for (let k = 1; k < 4; k++)
      for (let j = 1; j < 4; j++) {
        data[1 + 10 * (j + 5 * k)] = 1;
        data[2 + 10 * (j + 5 * k)] = 1;
        data[6 + 10 * (j + 5 * k)] = 2;
      }
    const v = createVolume({ data, dims: [10, 5, 5] });
    const two = marchingCubes(v, { label: 2 });
    const all = marchingCubes(v);
    const xs = (m: Mesh) => Array.from(m.positions).filter((_, i) => i % 3 === 0);
    expect(Math.min(...xs(two))).toBeCloseTo(5.5);
    expect(Math.max(...xs(two))).toBeCloseTo(6.5);
    expect(checkMesh(all).eulerCharacteristic).toBe(4); // two separate spheres
    expect(meshVolume(all)).toBeCloseTo(meshVolume(marchingCubes(v, { label: 1 })) + meshVolume(two), 4);
  });

  it('contours a float field at the level with linear interpolation', () => {
    // f = x along x: the plane x = 2.25 at level 2.25 (capped at the padded border).
    const dims = [6, 3, 3];
    const data = new Float32Array(54);
    for (let i = 0; i < 54; i++) data[i] = i % 6;
    const mesh = marchingCubes(createVolume({ data, dims }), { level: 2.25 });
    expect(checkMesh(mesh).closed).toBe(true);
    const xs = Array.from(mesh.positions).filter((_, i) => i % 3 === 0);
    expect(xs.some((x) => Math.abs(x - 2.25) < 1e-6)).toBe(true);
    expect(Math.min(...xs)).toBeCloseTo(2.25, 5);
  });

  it('is always closed, consistently oriented and positive on random masks (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.boolean(), { minLength: 216, maxLength: 216 }),
        (nx, ny, nz, bits) => {
          const data = Uint8Array.from(bits.slice(0, nx * ny * nz), (b) => (b ? 1 : 0));
          const mesh = marchingCubes(createVolume({ data, dims: [nx, ny, nz] }));
          const report = checkMesh(mesh);
          expect(report.closed).toBe(true);
          expect(Math.abs(report.eulerCharacteristic % 2)).toBe(0);
          expect(usedVertices(mesh)).toBe(mesh.positions.length / 3);
          // Shared vertices: one per crossed grid edge, no two at the same place.
          const keys = new Set<string>();
          for (let v = 0; v < mesh.positions.length; v += 3) keys.add(`${mesh.positions[v]},${mesh.positions[v + 1]},${mesh.positions[v + 2]}`);
          expect(keys.size).toBe(mesh.positions.length / 3);
          if (data.some((v) => v)) expect(meshVolume(mesh)).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is closed on random float fields, where the asymptotic decider joins ambiguous faces (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 125, maxLength: 125 }), fc.float({ min: Math.fround(0.2), max: Math.fround(0.8), noNaN: true }), (values, level) => {
        const data = Float32Array.from(values);
        const mesh = marchingCubes(createVolume({ data, dims: [5, 5, 5] }), { level });
        expect(checkMesh(mesh).closed).toBe(true);
        if (data.some((v) => v > level)) expect(meshVolume(mesh)).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts 64-bit integer masks, 4D volumes with one frame and single slices', () => {
    const big = createVolume({ data: BigInt64Array.from([0n, 5n, 0n, 0n, 0n, 0n, 0n, 0n]), dims: [2, 2, 2] });
    const m = marchingCubes(big);
    expect(checkMesh(m).closed).toBe(true);
    expect(meshVolume(m)).toBeCloseTo(1 / 6, 6);
    const four = createVolume({ data: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0]), dims: [2, 2, 2, 1] });
    expect(meshVolume(marchingCubes(four))).toBeCloseTo(1 / 6, 6);
    const slice = createVolume({ data: Uint8Array.from([1, 1, 1, 1]), dims: [2, 2] });
    expect(checkMesh(marchingCubes(slice)).closed).toBe(true);
  });

  it('does not mutate its input and rejects bad options', () => {
    const data = Uint8Array.from([0, 1, 1, 0, 1, 0, 0, 1]);
    const v = createVolume({ data, dims: [2, 2, 2] });
    marchingCubes(v, { smoothIterations: 2 });
    expect(Array.from(data)).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
    expect(() => marchingCubes(v, { level: 1.5 })).toThrow(InvalidArgumentError);
    expect(() => marchingCubes(v, { smoothIterations: -1 })).toThrow(/smoothIterations/);
    const rgb = createVolume({ data: new Uint8Array(24), dims: [2, 2, 2], components: 3 });
    expect(() => marchingCubes(rgb)).toThrow(/3D scalar mask/);
  });
});
