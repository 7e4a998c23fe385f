import { boundingBox, components3d, type Dims } from './regions.js';
import { splitInTwo } from './separate.js';

/** 1 = left, 2 = right (see LEFT_LUNG / RIGHT_LUNG). */
const LEFT = 1;
const RIGHT = 2;

/**
 * The 6-connected regions of `candidate` that look like lung and hold at least `minFraction` of the
 * largest such region's voxels. Lung parenchyma is mostly between -950 and -600 HU (vessels and noise
 * around -850); gas in the bowel or the oesophagus is mostly below -950: a region is lung when at least
 * `parenchymaShare` of its voxels below -600 HU are above -950 HU.
 */
export function selectLungRegions(
  candidate: Uint8Array,
  hu: Float32Array,
  dims: Dims,
  minFraction: number,
  parenchymaShare = 0.55,
): Uint8Array {
  const { labels, sizes } = components3d(candidate, dims);
  const air = new Float64Array(sizes.length);
  const parenchyma = new Float64Array(sizes.length);
  for (let p = 0; p < labels.length; p++) {
    const id = labels[p];
    if (!id) continue;
    const v = hu[p];
    if (v < -950) air[id]++;
    else if (v < -600) parenchyma[id]++;
  }
  const lungLike = sizes.map(
    (s, id) => s > 0 && parenchyma[id] >= parenchymaShare * (parenchyma[id] + air[id]),
  );
  let largest = 0;
  for (let id = 1; id < sizes.length; id++) if (lungLike[id] && sizes[id] > largest) largest = sizes[id];
  const keep = sizes.map((s, id) => lungLike[id] && s >= minFraction * largest);
  const out = new Uint8Array(candidate.length);
  for (let p = 0; p < out.length; p++) if (keep[labels[p]]) out[p] = 1;
  return out;
}

interface Region {
  id: number;
  size: number;
  /** Mean x (R axis index). */
  cx: number;
  /** Voxels on the patient's left / right of the body's mid-sagittal plane. */
  onLeft: number;
  onRight: number;
}

/**
 * Labels the lung regions (working grid, x = R axis, so a larger x is further to the patient's right):
 * when the largest region spreads over both sides of the body's mid-sagittal plane `midX`, it holds both
 * lungs and is split at its thinnest junction; every region then goes to the side of its centre
 * (the part with the larger mean x is the right lung). Returns 0 / 1 (left) / 2 (right) per voxel.
 */
export function assignSides(regions: Uint8Array, dims: Dims, midX: number, minFraction: number): Uint8Array {
  const [nx] = dims;
  const { labels, sizes } = components3d(regions, dims);
  const stats: Region[] = sizes.map((size, id) => ({ id, size, cx: 0, onLeft: 0, onRight: 0 }));
  for (let p = 0; p < labels.length; p++) {
    const id = labels[p];
    if (!id) continue;
    const x = p % nx;
    stats[id].cx += x;
    if (x < midX) stats[id].onLeft++;
    else stats[id].onRight++;
  }
  const list = stats.slice(1).filter((r) => r.size > 0);
  for (const r of list) r.cx /= r.size;
  list.sort((a, b) => b.size - a.size);
  const out = new Uint8Array(labels.length);
  if (list.length === 0) return out;
  const sideOf = new Map<number, number>();
  const largest = list[0];
  const both = Math.min(largest.onLeft, largest.onRight) >= 0.15 * largest.size;
  const second = list[1];
  const secondIsOtherLung =
    second !== undefined &&
    second.size >= minFraction * largest.size &&
    second.cx < midX !== largest.cx < midX;
  if (both && !secondIsOtherLung) {
    const split = splitRegion(labels, largest.id, dims);
    if (split) {
      for (let p = 0; p < labels.length; p++) if (labels[p] === largest.id) out[p] = split.part[p];
      const rightPart = split.cx[1] > split.cx[0] ? 1 : 0;
      // Map part numbers (1, 2) to sides.
      for (let p = 0; p < labels.length; p++) {
        if (labels[p] !== largest.id) continue;
        out[p] = out[p] - 1 === rightPart ? RIGHT : LEFT;
      }
      sideOf.set(largest.id, -1);
    }
  }
  for (const r of list) {
    if (sideOf.has(r.id)) continue;
    sideOf.set(r.id, r.cx >= midX ? RIGHT : LEFT);
  }
  for (let p = 0; p < labels.length; p++) {
    const s = sideOf.get(labels[p]);
    if (s !== undefined && s > 0) out[p] = s;
  }
  return out;
}

/** Splits region `id` in two on its bounding box; the per-voxel part (1 / 2, full grid) and each part's mean x. */
function splitRegion(
  labels: Int32Array,
  id: number,
  dims: Dims,
): { part: Uint8Array; cx: [number, number] } | undefined {
  const [nx, ny] = dims;
  const marks = new Uint8Array(labels.length);
  for (let p = 0; p < labels.length; p++) if (labels[p] === id) marks[p] = 1;
  const box = boundingBox(marks, dims, 1);
  if (!box) return undefined;
  const [x0, x1, y0, y1, z0, z1] = box;
  const bd = [x1 - x0, y1 - y0, z1 - z0] as const;
  const sub = new Uint8Array(bd[0] * bd[1] * bd[2]);
  for (let z = 0, q = 0; z < bd[2]; z++)
    for (let y = 0; y < bd[1]; y++) {
      const row = ((z + z0) * ny + y + y0) * nx + x0;
      for (let x = 0; x < bd[0]; x++, q++) sub[q] = marks[row + x];
    }
  const parts = splitInTwo(sub, bd);
  if (!parts) return undefined;
  const part = new Uint8Array(labels.length);
  const sum = [0, 0];
  const count = [0, 0];
  for (let z = 0, q = 0; z < bd[2]; z++)
    for (let y = 0; y < bd[1]; y++) {
      const row = ((z + z0) * ny + y + y0) * nx + x0;
      for (let x = 0; x < bd[0]; x++, q++) {
        const v = parts[q];
        if (!v) continue;
        part[row + x] = v;
        sum[v - 1] += x + x0;
        count[v - 1]++;
      }
    }
  return { part, cx: [sum[0] / Math.max(1, count[0]), sum[1] / Math.max(1, count[1])] };
}
