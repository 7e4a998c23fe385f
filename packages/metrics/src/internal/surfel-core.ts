import type { Volume } from '@raunet/core';
import type { PairScan } from './mask.js';
import { cropCodes, distancesBetween, type DirectedDistances } from './surface-core.js';
import { surfelAreaTable } from './surfel-table.js';

/** Directed distances (mm) between the surfels of a mask pair, with the area (mm²) of each surfel. */
export interface SurfelDistances extends DirectedDistances {
  /** Area of each prediction surfel, in the order of `predictionToTruth`. */
  readonly predictionAreas: Float64Array;
  /** Area of each truth surfel, in the order of `truthToPrediction`. */
  readonly truthAreas: Float64Array;
}

const EMPTY = new Float64Array(0);

/** Low byte: the prediction's bit; high byte: the truth's (bit 1 and bit 2 of a crop code). */
function spread(c: number): number {
  return (c & 1) | ((c & 2) << 7);
}

/**
 * Surfels on the voxel-corner grid and their distances (Nikolov et al. 2018, DeepMind's
 * `compute_surface_distances`): the corner points of the union bounding box, `(bx + 1)(by + 1)(bz + 1)`
 * of them, each with the 2×2×2 neighbourhood code of the voxels around it (see `surfel-table.ts`);
 * a point whose code is neither 0 nor 255 is a surfel, of the area its code has at the grid's spacing.
 * Distances run between corner points in mm, from each surfel of one mask to the nearest surfel of the
 * other (Infinity when the other mask is empty), by the exact distance transform on the corner grid.
 */
export function surfelDistances(
  prediction: Volume,
  truth: Volume,
  label: number | undefined,
  scan: PairScan,
): SurfelDistances {
  const { box, grid } = scan;
  if (box.empty)
    return { predictionToTruth: EMPTY, truthToPrediction: EMPTY, predictionAreas: EMPTY, truthAreas: EMPTY };
  const bx = box.x1 - box.x0 + 1;
  const by = box.y1 - box.y0 + 1;
  const bz = box.z1 - box.z0 + 1;
  const voxels = cropCodes(prediction, truth, label, scan);
  const cx = bx + 1;
  const cy = by + 1;
  const cz = bz + 1;
  const cn = cx * cy * cz;
  const plane = cx * cy;
  // Neighbourhood codes of both masks, built by three separable passes: corner (x, y, z) sees voxel
  // (x − 1 + i, y − 1 + j, z − 1 + k) at bit i + 2j + 4k; voxels outside the box are background.
  const codes = new Uint16Array(cn);
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const src = bx * (y + by * z);
      const dst = cx * (y + cy * z);
      let previous = 0;
      for (let x = 0; x < cx; x++) {
        const current = x < bx ? spread(voxels[src + x]) : 0;
        codes[dst + x] = previous | (current << 1);
        previous = current;
      }
    }
  }
  for (let z = 0; z < bz; z++) {
    for (let y = cy - 1; y >= 0; y--) {
      const row = cx * (y + cy * z);
      for (let x = 0; x < cx; x++) codes[row + x] = (y > 0 ? codes[row - cx + x] : 0) | (codes[row + x] << 2);
    }
  }
  for (let z = cz - 1; z >= 0; z--) {
    const base = plane * z;
    for (let i = base; i < base + plane; i++) codes[i] = (z > 0 ? codes[i - plane] : 0) | (codes[i] << 4);
  }
  // Surfel flags: bit 1 prediction, bit 2 truth.
  const flags = new Uint8Array(cn);
  let countP = 0;
  let countT = 0;
  for (let i = 0; i < cn; i++) {
    const p = codes[i] & 0xff;
    const t = codes[i] >> 8;
    if (p !== 0 && p !== 0xff) {
      flags[i] = 1;
      countP++;
    }
    if (t !== 0 && t !== 0xff) {
      flags[i] |= 2;
      countT++;
    }
  }
  const table = surfelAreaTable(grid.sx, grid.sy, grid.sz);
  const idxP = new Int32Array(countP);
  const idxT = new Int32Array(countT);
  const predictionAreas = new Float64Array(countP);
  const truthAreas = new Float64Array(countT);
  for (let i = 0, a = 0, b = 0; i < cn; i++) {
    const f = flags[i];
    if (f & 1) {
      predictionAreas[a] = table[codes[i] & 0xff];
      idxP[a++] = i;
    }
    if (f & 2) {
      truthAreas[b] = table[codes[i] >> 8];
      idxT[b++] = i;
    }
  }
  const distances = distancesBetween(flags, [cx, cy, cz], grid, [1, 2], [idxP, idxT]);
  return { ...distances, predictionAreas, truthAreas };
}
