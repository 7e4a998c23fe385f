import type { Volume } from '@raunet/core';
import { squaredEdt3d } from './edt.js';
import { binarizeRowwise, isIntegerArray, type IntegerArray, type PairScan } from './mask.js';

/** Directed surface distances (mm) of a mask pair, one value per border voxel. */
export interface DirectedDistances {
  /** From each prediction border voxel to the nearest truth border voxel (Infinity if the truth is empty). */
  readonly predictionToTruth: Float64Array;
  /** From each truth border voxel to the nearest prediction border voxel (Infinity if the prediction is empty). */
  readonly truthToPrediction: Float64Array;
}

const EMPTY = new Float64Array(0);

// The distance map of the last call, held weakly: consecutive evaluations (a loop over a set) reuse it
// instead of paying for a fresh large allocation each time, and the GC may free it between them.
let scratch: WeakRef<Float64Array> | undefined;

/** A Float64 buffer of at least `n` values, reusing the one of the previous call while it is alive. */
export function scratchFloat64(n: number): Float64Array {
  const held = scratch?.deref();
  if (held && held.length >= n && held.length <= 2 * n) return held;
  const fresh = new Float64Array(n);
  scratch = new WeakRef(fresh);
  return fresh;
}

/**
 * Border voxels and their distances, computed inside the bounding box of the union of both masks
 * (exact: every border voxel lies in that box, and voxels outside the box — or outside the volume —
 * are background for both masks).
 *
 * Border voxel: a foreground voxel with at least one of its 6 face neighbours in the background,
 * where positions outside the volume count as background (scipy's `binary_erosion` with its default
 * `border_value=0`, as MONAI's `get_mask_edges` uses it). Distances are between voxel centres, in mm.
 */
export function directedDistances(prediction: Volume, truth: Volume, label: number | undefined, scan: PairScan): DirectedDistances {
  const { box, grid } = scan;
  if (box.empty) return { predictionToTruth: EMPTY, truthToPrediction: EMPTY };
  const bx = box.x1 - box.x0 + 1;
  const by = box.y1 - box.y0 + 1;
  const bz = box.z1 - box.z0 + 1;
  const bn = bx * by * bz;
  // bit 1: prediction, bit 2: truth.
  const code = cropCodes(prediction, truth, label, scan);
  // Border detection, both masks at once; border flags go to bits 4 (prediction) and 8 (truth) of `code`.
  let countP = 0;
  let countT = 0;
  const plane = bx * by;
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const row = bx * (y + by * z);
      for (let x = 0; x < bx; x++) {
        const i = row + x;
        const c = code[i] & 3;
        if (c === 0) continue;
        // Bits of the mask(s) present in all 6 neighbours; a missing neighbour contributes 0.
        let all = c;
        // (neighbours already visited may carry border flags in bits 4/8; `& c` below drops them)
        all &= x > 0 ? code[i - 1] : 0;
        all &= x < bx - 1 ? code[i + 1] : 0;
        all &= y > 0 ? code[i - bx] : 0;
        all &= y < by - 1 ? code[i + bx] : 0;
        all &= z > 0 ? code[i - plane] : 0;
        all &= z < bz - 1 ? code[i + plane] : 0;
        const border = c & ~all;
        if (border & 1) countP++;
        if (border & 2) countT++;
        code[i] = c | (border << 2);
      }
    }
  }
  const idxP = new Int32Array(countP);
  const idxT = new Int32Array(countT);
  for (let i = 0, a = 0, b = 0; i < bn; i++) {
    const c = code[i];
    if (c & 4) idxP[a++] = i;
    if (c & 8) idxT[b++] = i;
  }
  return distancesBetween(code, [bx, by, bz], grid, [4, 8], [idxP, idxT]);
}

/**
 * Directed distances in mm between the points of two masks flagged on one grid (x fastest): `features`
 * carries bit `bits[0]` on the prediction's points and `bits[1]` on the truth's, listed in `points`.
 * Each point gets the distance to the nearest point of the other mask (Infinity when it has none),
 * from the exact distance transform restricted to the queried points.
 */
export function distancesBetween(
  features: Uint8Array,
  [nx, ny, nz]: readonly [number, number, number],
  { sx, sy, sz }: { readonly sx: number; readonly sy: number; readonly sz: number },
  [bitP, bitT]: readonly [number, number],
  [idxP, idxT]: readonly [Int32Array, Int32Array],
): DirectedDistances {
  const n = nx * ny * nz;
  const predictionToTruth = new Float64Array(idxP.length);
  const truthToPrediction = new Float64Array(idxT.length);
  let dt: Float64Array | undefined;
  if (idxT.length === 0) predictionToTruth.fill(Infinity);
  else if (idxP.length > 0) {
    dt = squaredEdt3d(features, nx, ny, nz, sx, sy, sz, scratchFloat64(n), bitT, bitP);
    for (let a = 0; a < idxP.length; a++) predictionToTruth[a] = Math.sqrt(dt[idxP[a]]);
  }
  if (idxP.length === 0) truthToPrediction.fill(Infinity);
  else if (idxT.length > 0) {
    dt = squaredEdt3d(features, nx, ny, nz, sx, sy, sz, dt ?? scratchFloat64(n), bitP, bitT);
    for (let b = 0; b < idxT.length; b++) truthToPrediction[b] = Math.sqrt(dt[idxT[b]]);
  }
  return { predictionToTruth, truthToPrediction };
}

/**
 * The two masks inside the union bounding box of `scan` (`bx × by × bz` voxels, x fastest), one byte per
 * voxel: bit 1 prediction, bit 2 truth. The box must not be empty.
 */
export function cropCodes(prediction: Volume, truth: Volume, label: number | undefined, scan: PairScan): Uint8Array {
  const { box, grid } = scan;
  const { nx, ny } = grid;
  const bx = box.x1 - box.x0 + 1;
  const by = box.y1 - box.y0 + 1;
  const bz = box.z1 - box.z0 + 1;
  const code = new Uint8Array(bx * by * bz);
  if (isIntegerArray(prediction.data) && isIntegerArray(truth.data)) {
    const pd = prediction.data as IntegerArray;
    const td = truth.data as IntegerArray;
    const useLabel = label !== undefined;
    const L = label ?? 0;
    for (let z = 0; z < bz; z++) {
      for (let y = 0; y < by; y++) {
        const src = box.x0 + nx * (box.y0 + y + ny * (box.z0 + z));
        const dst = bx * (y + by * z);
        if (useLabel) {
          for (let x = 0; x < bx; x++) code[dst + x] = (pd[src + x] === L ? 1 : 0) | (td[src + x] === L ? 2 : 0);
        } else {
          for (let x = 0; x < bx; x++) code[dst + x] = (pd[src + x] !== 0 ? 1 : 0) | (td[src + x] !== 0 ? 2 : 0);
        }
      }
    }
    return code;
  }
  // Any other voxel type (float with NaN as background, bigint): through row readers.
  const readP = binarizeRowwise(prediction, label);
  const readT = binarizeRowwise(truth, label);
  const rowP = new Uint8Array(bx);
  const rowT = new Uint8Array(bx);
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const src = box.x0 + nx * (box.y0 + y + ny * (box.z0 + z));
      readP(src, bx, rowP);
      readT(src, bx, rowT);
      const dst = bx * (y + by * z);
      for (let x = 0; x < bx; x++) code[dst + x] = rowP[x] | (rowT[x] << 1);
    }
  }
  return code;
}
