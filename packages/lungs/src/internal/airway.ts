import type { Dims } from './regions.js';

/** The in-plane 4-neighbours of pixel `q` = (x, y) of an nx x ny slice; -1 where one falls outside. */
function inPlaneNeighbours(q: number, x: number, y: number, nx: number, ny: number): number[] {
  return [x > 0 ? q - 1 : -1, x < nx - 1 ? q + 1 : -1, y > 0 ? q - nx : -1, y < ny - 1 ? q + nx : -1];
}

/** Settings of {@link findAirway}. */
export interface AirwaySettings {
  /** A trachea's mean HU on the working grid is below this (partial volume raises it on coarse grids), HU. */
  tracheaHu: number;
  /** Cross-section area range of a trachea, mm². */
  tracheaAreaMm2: [number, number];
  /** A slice whose airway area exceeds this multiple of the trachea's has leaked into the lung. */
  leakFactor: number;
  /** Most airway volume grown, mL. */
  maxVolumeMl: number;
}

/** The trachea and main bronchi found by {@link findAirway}. */
export interface AirwayResult {
  /** 1 on airway lumen voxels (working grid). */
  mask: Uint8Array;
  /** Working slice (z) of the trachea seed, -1 when no trachea was found. */
  seedSlice: number;
  /** Lumen voxels grown. */
  voxels: number;
}

interface Blob {
  pixels: number[];
  area: number;
  cx: number;
  meanHu: number;
  width: number;
  height: number;
}

/** 4-connected components of one slice of `mask` within the slice (pixel indices within the slice). */
function sliceBlobs(mask: Uint8Array, hu: Float32Array, dims: Dims, z: number, pixelMm2: number): Blob[] {
  const [nx, ny] = dims;
  const base = z * nx * ny;
  const seen = new Uint8Array(nx * ny);
  const blobs: Blob[] = [];
  const queue: number[] = [];
  for (let s = 0; s < nx * ny; s++) {
    if (!mask[base + s] || seen[s]) continue;
    queue.length = 0;
    queue.push(s);
    seen[s] = 1;
    let sumX = 0,
      sumHu = 0,
      x0 = nx,
      x1 = 0,
      y0 = ny,
      y1 = 0;
    for (let h = 0; h < queue.length; h++) {
      const q = queue[h];
      const x = q % nx;
      const y = (q - x) / nx;
      sumX += x;
      sumHu += hu[base + q];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      const next = inPlaneNeighbours(q, x, y, nx, ny);
      for (const r of next) {
        if (r < 0 || seen[r] || !mask[base + r]) continue;
        seen[r] = 1;
        queue.push(r);
      }
    }
    blobs.push({
      pixels: queue.slice(),
      area: queue.length * pixelMm2,
      cx: sumX / queue.length,
      meanHu: sumHu / queue.length,
      width: x1 - x0 + 1,
      height: y1 - y0 + 1,
    });
  }
  return blobs;
}

/**
 * Finds the trachea in the top slices of the air-filled candidate `candidate` (a small, round, dark blob
 * near the body's mid-sagittal plane `midX`) and grows it slice by slice, up and down, through the
 * candidate's voxels, stopping where a slice's area explodes (the bronchus has joined the lung in that
 * slice) or the volume limit is reached. Gives the trachea and the main bronchi (and lumen of larger bronchi
 * followed downward), which the caller removes from the lungs.
 */
export function findAirway(
  candidate: Uint8Array,
  hu: Float32Array,
  dims: Dims,
  spacing: readonly [number, number, number],
  midX: number,
  bodyWidth: number,
  settings: AirwaySettings,
): AirwayResult {
  const [nx, ny, nz] = dims;
  const sxy = nx * ny;
  const mask = new Uint8Array(sxy * nz);
  const pixelMm2 = spacing[0] * spacing[1];
  let top = -1;
  let bottom = nz;
  for (let z = nz - 1; z >= 0 && top < 0; z--)
    for (let q = 0; q < sxy; q++)
      if (candidate[z * sxy + q]) {
        top = z;
        break;
      }
  for (let z = 0; z < nz && bottom === nz; z++)
    for (let q = 0; q < sxy; q++)
      if (candidate[z * sxy + q]) {
        bottom = z;
        break;
      }
  if (top < 0) return { mask, seedSlice: -1, voxels: 0 };
  // Look for the trachea in the upper 40 % of the candidate's extent.
  const lowest = Math.max(bottom, Math.floor(top - 0.4 * (top - bottom + 1)));
  let seed: Blob | undefined;
  let seedSlice = -1;
  for (let z = top; z >= lowest && !seed; z--) {
    const blobs = sliceBlobs(candidate, hu, dims, z, pixelMm2);
    let best: Blob | undefined;
    for (const b of blobs) {
      if (b.area < settings.tracheaAreaMm2[0] || b.area > settings.tracheaAreaMm2[1]) continue;
      if (b.meanHu > settings.tracheaHu) continue;
      const aspect =
        (Math.max(b.width * spacing[0], b.height * spacing[1]) + spacing[0]) /
        (Math.min(b.width * spacing[0], b.height * spacing[1]) + spacing[0]);
      if (aspect > 2.5) continue;
      if (Math.abs(b.cx - midX) > 0.1 * bodyWidth) continue;
      if (!best || Math.abs(b.cx - midX) < Math.abs(best.cx - midX)) best = b;
    }
    if (best) {
      seed = best;
      seedSlice = z;
    }
  }
  if (!seed) return { mask, seedSlice: -1, voxels: 0 };
  const voxelMl = (pixelMm2 * spacing[2]) / 1000;
  const refArea = seed.pixels.length;
  let voxels = 0;
  for (const q of seed.pixels) mask[seedSlice * sxy + q] = 1;
  voxels += seed.pixels.length;
  const queue = new Int32Array(sxy);
  const grow = (from: number, z: number): number => {
    const base = z * sxy;
    const prev = from * sxy;
    let tail = 0;
    for (let q = 0; q < sxy; q++) {
      if (mask[prev + q] && candidate[base + q]) {
        mask[base + q] = 1;
        queue[tail++] = q;
      }
    }
    for (let h = 0; h < tail; h++) {
      const q = queue[h];
      const x = q % nx;
      const y = (q - x) / nx;
      const next = inPlaneNeighbours(q, x, y, nx, ny);
      for (const r of next) {
        if (r < 0 || mask[base + r] || !candidate[base + r]) continue;
        mask[base + r] = 1;
        queue[tail++] = r;
        if (tail > settings.leakFactor * refArea) break;
      }
      if (tail > settings.leakFactor * refArea) break;
    }
    if (tail > settings.leakFactor * refArea || tail === 0) {
      // A leak (or the end of the lumen): this slice is not airway.
      for (let q = 0; q < sxy; q++) mask[base + q] = 0;
      return 0;
    }
    return tail;
  };
  for (let z = seedSlice + 1; z < nz; z++) {
    const n = grow(z - 1, z);
    if (n === 0) break;
    voxels += n;
  }
  for (let z = seedSlice - 1; z >= 0; z--) {
    const n = grow(z + 1, z);
    if (n === 0) break;
    voxels += n;
    if (voxels * voxelMl > settings.maxVolumeMl) break;
  }
  return { mask, seedSlice, voxels };
}
