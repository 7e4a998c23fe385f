import { createVolume } from '@raunet/core';
import { euclideanDistanceTransform } from '@raunet/metrics';
import { boundingBox, growBox, type Dims } from './regions.js';

/**
 * Morphological closing of one lung (`labels === side`) with a ball of `radiusMm` (spacing-aware, through
 * two exact distance transforms on the lung's box): voxels it adds are labelled `side` when they are in
 * the body, in no lung yet and not airway. This keeps dense lesions at the pleura inside the lung.
 */
export function closeLung(
  labels: Uint8Array,
  side: number,
  dims: Dims,
  spacing: readonly [number, number, number],
  radiusMm: number,
  body: Uint8Array,
  airway: Uint8Array | undefined,
): void {
  if (radiusMm <= 0) return;
  const bbox = boundingBox(labels, dims, side);
  if (!bbox) return;
  const margin = [0, 1, 2].map((a) => Math.ceil(radiusMm / spacing[a]) + 1) as [number, number, number];
  const [x0, x1, y0, y1, z0, z1] = growBox(bbox, margin, dims);
  const bd = [x1 - x0, y1 - y0, z1 - z0] as const;
  const [nx, ny] = dims;
  const m = bd[0] * bd[1] * bd[2];
  const own = new Uint8Array(m);
  for (let z = 0, q = 0; z < bd[2]; z++)
    for (let y = 0; y < bd[1]; y++) {
      const row = ((z + z0) * ny + y + y0) * nx + x0;
      for (let x = 0; x < bd[0]; x++, q++) own[q] = labels[row + x] === side ? 1 : 0;
    }
  const r2 = radiusMm * radiusMm;
  const toLung = squaredDistance(own, bd, spacing);
  const outsideDilation = new Uint8Array(m);
  for (let q = 0; q < m; q++) outsideDilation[q] = toLung[q] <= r2 ? 0 : 1;
  const toOutside = squaredDistance(outsideDilation, bd, spacing);
  for (let z = 0, q = 0; z < bd[2]; z++)
    for (let y = 0; y < bd[1]; y++) {
      const row = ((z + z0) * ny + y + y0) * nx + x0;
      for (let x = 0; x < bd[0]; x++, q++) {
        const p = row + x;
        if (toOutside[q] > r2 && labels[p] === 0 && body[p] && !(airway && airway[p])) labels[p] = side;
      }
    }
}

/** Squared distances (mm²) of a box's voxels to its nonzero voxels, by the exact transform of `@raunet/metrics`. */
function squaredDistance(feature: Uint8Array, dims: readonly [number, number, number], spacing: readonly [number, number, number]): Float64Array {
  const mask = createVolume({ data: feature, dims: [...dims], spacing: [...spacing] });
  return euclideanDistanceTransform(mask, { squared: true }).data;
}
