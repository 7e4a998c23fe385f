// Voxel versus surfel surface metrics on the cases of docs/metrics.md: an ellipsoid at 0.6 x 0.6 x 1.5 mm
// against itself moved by one slice or grown, and the real whole-lung mask of
// ../shared/data/nifti against itself moved by one voxel along each axis. Prints a Markdown table.
// Run: node --import tsx --conditions=@raunet/source packages/metrics/bench/surface-definitions.ts
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createVolume, type Volume } from '@raunet/core';
import { readNifti } from '@raunet/io';
import { evaluateCase, type SurfaceDefinition } from '../src/index.js';

const SPACING = [0.6, 0.6, 1.5];

/** Voxels of a 100 x 100 x 40 grid whose centre lies in the ellipsoid (centre and semi-axes in mm). */
function ellipsoid(centre: readonly number[], radii: readonly number[]): Volume {
  const [nx, ny, nz] = [100, 100, 40];
  const data = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const q = [x, y, z].reduce((s, v, a) => s + ((v * SPACING[a] - centre[a]) / radii[a]) ** 2, 0);
        if (q <= 1) data[x + nx * (y + ny * z)] = 1;
      }
    }
  }
  return createVolume({ data, dims: [nx, ny, nz], spacing: SPACING });
}

/** The mask moved by one voxel along `axis` (zero fill, same grid). */
function shifted(v: Volume, axis: 0 | 1 | 2): Volume {
  const [nx, ny, nz] = v.dims;
  const step = [1, nx, nx * ny][axis];
  const src = v.data as ArrayLike<number>;
  const data = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        if ([x, y, z][axis] === 0) continue;
        const i = x + nx * (y + ny * z);
        data[i] = src[i - step] ? 1 : 0;
      }
    }
  }
  return createVolume({ data, dims: v.dims, spacing: v.spacing, affine: v.affine });
}

const cases: [string, Volume, Volume][] = [];
const truth = ellipsoid([30, 30, 30], [20, 15, 12]);
cases.push(['ellipsoid 40 x 30 x 24 mm, moved one slice (1.5 mm) along z', shifted(truth, 2), truth]);
cases.push([
  'ellipsoid 40 x 30 x 24 mm, semi-axes 1 mm longer',
  ellipsoid([30, 30, 30], [21, 16, 13]),
  truth,
]);
cases.push([
  'ellipsoid 40 x 30 x 24 mm, z semi-axis 4 mm longer',
  ellipsoid([30, 30, 30], [20, 15, 16]),
  truth,
]);
const lungFile = path.resolve('../shared/data/nifti/chest_cip64_wholelung_uint16.nii.gz');
if (existsSync(lungFile)) {
  const lung = await readNifti(lungFile);
  const axes = ['x (4.17 mm)', 'y (4.17 mm)', 'z (3.99 mm, one slice)'];
  for (const axis of [2, 0, 1] as const)
    cases.push([`whole lung, moved one voxel along ${axes[axis]}`, shifted(lung, axis), lung]);
} else {
  console.error(`(${lungFile} absent: lung rows skipped)`);
}

const cell = (x: number) => x.toFixed(3);
console.log('| case | surface | NSD@1mm | NSD@2mm | NSD@3mm | HD95 (mm) | HD (mm) | ASSD (mm) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, prediction, reference] of cases) {
  for (const surface of ['voxel', 'surfel'] as SurfaceDefinition[]) {
    const nsd = [1, 2, 3].map((t) => evaluateCase(prediction, reference, { toleranceMm: t, surface }).nsd);
    const m = evaluateCase(prediction, reference, { surface });
    console.log(
      `| ${name} | ${surface} | ${nsd.map(cell).join(' | ')} | ${cell(m.hausdorff95)} | ${cell(m.hausdorff)} | ${cell(m.assd)} |`,
    );
  }
}
