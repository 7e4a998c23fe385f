import { boundingBox, type Dims } from './regions.js';

/** Settings of {@link fillPleuralBites}. */
export interface BiteSettings {
  /** A bite larger than this fraction of the lung's area in the slice is not filled (the diaphragm's dome, the heart). */
  maxAreaFraction: number;
  /** A bite whose mean HU is above this is not filled (bone). */
  maxMeanHu: number;
  /** A bite with more than this fraction of its pixels between the two lungs (mediastinum) is not filled. */
  maxMediastinalFraction: number;
}

/**
 * Convex-hull closing along the pleura, per axial slice: the pixels inside the 2D convex hull of one lung
 * (`labels === side`) but outside it form "bites"; a bite is added to the lung when it lies in the body,
 * in no lung, outside the airway, mostly not between the two lungs (the mediastinum, row by row between
 * the lungs' medial edges), is not bone, and is small against the lung's cross-section. Dense lesions at
 * the costal pleura (consolidation wider than the closing ball) come back into the lung this way.
 */
export function fillPleuralBites(
  labels: Uint8Array,
  side: number,
  dims: Dims,
  hu: Float32Array,
  body: Uint8Array,
  airway: Uint8Array | undefined,
  midX: number,
  settings: BiteSettings,
  plane: 'axial' | 'coronal' = 'axial',
): number {
  const [nx, ny, nz] = dims;
  // In-plane axes: u = x (R) always; v = y (A) for axial slices, z (S) for coronal ones.
  const nv = plane === 'axial' ? ny : nz;
  const strideV = plane === 'axial' ? nx : nx * ny;
  const strideW = plane === 'axial' ? nx * ny : nx;
  const size = nx * nv;
  const other = side === 1 ? 2 : 1;
  const lo = new Int32Array(nv);
  const hi = new Int32Array(nv);
  const leftMedial = new Float64Array(nv);
  const rightMedial = new Float64Array(nv);
  const bite = new Uint8Array(size);
  const seen = new Uint8Array(size);
  const queue = new Int32Array(size);
  let added = 0;
  const box = boundingBox(labels, dims, side);
  if (!box) return 0;
  const [w0, w1] = plane === 'axial' ? [box[4], box[5]] : [box[2], box[3]];
  const at = (w: number, q: number) => {
    const v = (q / nx) | 0;
    return w * strideW + v * strideV + (q - v * nx);
  };
  for (let w = w0; w < w1; w++) {
    // Row extents of this lung, and the medial edges of both lungs (x grows to the patient's right: left lung at low x).
    let area = 0;
    let lungX = 0;
    let lungV = 0;
    let minX = nx;
    let maxX = -1;
    const points: [number, number][] = [];
    for (let v = 0; v < nv; v++) {
      lo[v] = nx;
      hi[v] = -1;
      leftMedial[v] = -1;
      rightMedial[v] = nx;
      const row = w * strideW + v * strideV;
      for (let x = 0; x < nx; x++) {
        const l = labels[row + x];
        if (l === 1 && x > leftMedial[v]) leftMedial[v] = x;
        if (l === 2 && x < rightMedial[v]) rightMedial[v] = x;
        if (l !== side) continue;
        area++;
        lungX += x;
        lungV += v;
        if (x < lo[v]) lo[v] = x;
        if (x > hi[v]) hi[v] = x;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
      }
      if (hi[v] >= 0) points.push([lo[v], v], [hi[v], v]);
      if (leftMedial[v] < 0) leftMedial[v] = Math.min(midX, rightMedial[v]);
      if (rightMedial[v] >= nx) rightMedial[v] = Math.max(midX, leftMedial[v]);
    }
    if (points.length < 6) continue;
    lungX /= area;
    lungV /= area;
    const hull = convexHull(points);
    if (hull.length < 3) continue;
    bite.fill(0);
    let candidates = 0;
    for (let v = 0; v < nv; v++) {
      const range = rowRange(hull, v);
      if (!range) continue;
      const row = w * strideW + v * strideV;
      for (let x = Math.ceil(range[0]); x <= Math.floor(range[1]); x++) {
        const p = row + x;
        if (labels[p] === 0 && body[p] && !(airway && airway[p])) {
          bite[v * nx + x] = 1;
          candidates++;
        }
      }
    }
    if (candidates === 0) continue;
    seen.fill(0);
    for (let s = 0; s < size; s++) {
      if (!bite[s] || seen[s]) continue;
      let tail = 0;
      queue[tail++] = s;
      seen[s] = 1;
      let sumHu = 0;
      let sumX = 0;
      let sumV = 0;
      let between = 0;
      let touchesOther = false;
      for (let h = 0; h < tail; h++) {
        const q = queue[h];
        const v = (q / nx) | 0;
        const x = q - v * nx;
        const p3 = w * strideW + v * strideV + x;
        sumHu += hu[p3];
        sumX += x;
        sumV += v;
        if (x > leftMedial[v] && x < rightMedial[v]) between++;
        for (let d = 0; d < 4; d++) {
          if (
            (d === 0 && x === 0) ||
            (d === 1 && x === nx - 1) ||
            (d === 2 && v === 0) ||
            (d === 3 && v === nv - 1)
          )
            continue;
          const r = d === 0 ? q - 1 : d === 1 ? q + 1 : d === 2 ? q - nx : q + nx;
          const r3 = d === 0 ? p3 - 1 : d === 1 ? p3 + 1 : d === 2 ? p3 - strideV : p3 + strideV;
          if (labels[r3] === other) touchesOther = true;
          if (bite[r] && !seen[r]) {
            seen[r] = 1;
            queue[tail++] = r;
          }
        }
      }
      // Where the bite lies from the lung's centre: lateral (x away from the other lung; the left lung is at
      // low x), or, in axial slices, posterior (lower y; y grows anteriorly). The heart and the diaphragm's
      // dome lie medial (and anterior) of the lung's centre; costal and paravertebral consolidation lateral or posterior.
      // Coronal bites must lie in the lung's lateral half (between its centre and its most lateral point):
      // the diaphragm's dome under the lung base is centred below the lung.
      const edge = plane === 'axial' ? lungX : side === 1 ? (lungX + minX) / 2 : (lungX + maxX) / 2;
      const lateral = side === 1 ? sumX / tail < edge : sumX / tail > edge;
      const posterior = plane === 'axial' && sumV / tail < lungV;
      const mediastinal = between > settings.maxMediastinalFraction * tail;
      if (
        touchesOther ||
        tail > settings.maxAreaFraction * area ||
        sumHu / tail > settings.maxMeanHu ||
        mediastinal ||
        !(lateral || posterior)
      )
        continue;
      for (let h = 0; h < tail; h++) labels[at(w, queue[h])] = side;
      added += tail;
    }
  }
  return added;
}

/** Convex hull (Andrew's monotone chain), counter-clockwise, of integer points. */
function convexHull(points: [number, number][]): [number, number][] {
  const pts = points.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** The x range of a convex polygon on the row `y`, or undefined when the row misses it. */
function rowRange(hull: [number, number][], y: number): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < hull.length; i++) {
    const [x0, y0] = hull[i];
    const [x1, y1] = hull[(i + 1) % hull.length];
    if (y < Math.min(y0, y1) || y > Math.max(y0, y1)) continue;
    if (y0 === y1) {
      lo = Math.min(lo, x0, x1);
      hi = Math.max(hi, x0, x1);
    } else {
      const x = x0 + ((y - y0) * (x1 - x0)) / (y1 - y0);
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  return hi >= lo ? [lo, hi] : undefined;
}
