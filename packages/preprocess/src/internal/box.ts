import type { NumericArray, Vec3 } from './volume-utils.js';

/**
 * Copies the box `[start, start + size)` of a 3D array (x fastest) into `out` (length
 * size[0]·size[1]·size[2]); voxels outside the source are `padValue`. Rows are copied with `set`
 * when the element types match, else with a plain loop.
 */
export function copyBox(src: NumericArray, dims: Vec3, start: Vec3, size: Vec3, out: NumericArray, padValue: number): void {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = start;
  const [bx, by, bz] = size;
  const x0 = Math.max(0, -sx);
  const x1 = Math.min(bx, nx - sx);
  const sameType = src.constructor === out.constructor;
  let o = 0;
  for (let k = 0; k < bz; k++) {
    const z = sz + k;
    for (let j = 0; j < by; j++, o += bx) {
      const y = sy + j;
      if (z < 0 || z >= nz || y < 0 || y >= ny || x1 <= x0) {
        out.fill(padValue, o, o + bx);
        continue;
      }
      if (x0 > 0) out.fill(padValue, o, o + x0);
      if (x1 < bx) out.fill(padValue, o + x1, o + bx);
      const p = sx + nx * (y + ny * z);
      if (sameType) out.set(src.subarray(p + x0, p + x1), o + x0);
      else for (let i = x0; i < x1; i++) out[o + i] = src[p + i];
    }
  }
}

/** Writes `values` (a box of `size` at `start`) into the 3D array `out` of `dims`, skipping the outside. */
export function pasteBox(values: NumericArray, size: Vec3, start: Vec3, out: NumericArray, dims: Vec3): void {
  const [nx, ny, nz] = dims;
  const [sx, sy, sz] = start;
  const [bx, by, bz] = size;
  const x0 = Math.max(0, -sx);
  const x1 = Math.min(bx, nx - sx);
  if (x1 <= x0) return;
  const sameType = values.constructor === out.constructor;
  for (let k = 0; k < bz; k++) {
    const z = sz + k;
    if (z < 0 || z >= nz) continue;
    for (let j = 0; j < by; j++) {
      const y = sy + j;
      if (y < 0 || y >= ny) continue;
      const o = bx * (j + by * k);
      const p = sx + nx * (y + ny * z);
      if (sameType) out.set(values.subarray(o + x0, o + x1), p + x0);
      else for (let i = x0; i < x1; i++) out[p + i] = values[o + i];
    }
  }
}
