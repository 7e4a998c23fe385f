import type { Affine } from '@raunet/core';
import type { NumericArray, Vec3 } from './volume-utils.js';

/** Positions within this distance of an integer are snapped to it, so exact re-indexings copy values exactly. */
const SNAP = 1e-6;

function snap(s: number): number {
  const r = Math.round(s);
  return Math.abs(s - r) < SNAP ? r : s;
}

/**
 * Index map (output voxel to continuous source voxel index) that keeps x-y planes: x and y depend on the
 * output's (i, j) only, z on its k only. A 4x4 index-to-index affine with zero (x,y)-z couplings.
 */
export type InPlaneMap = Affine;

/** One source (image, optional label) and the arrays the warp writes. */
export interface WarpArrays {
  /** Source image, x fastest. */
  image: NumericArray;
  /** Source label on the same grid, or undefined to warp the image only. */
  label?: NumericArray;
  /** Output image (trilinear), length of the output grid. */
  outImage: Float32Array;
  /** Output label (nearest), same length; required when `label` is given. */
  outLabel?: NumericArray;
}

/** True when every output voxel of `outDims` maps inside the source's field of view (the fill is never used). */
export function warpStaysInside(map: InPlaneMap, dims: Vec3, outDims: Vec3): boolean {
  for (let r = 0; r < 3; r++) {
    let lo = map[r][3];
    let hi = map[r][3];
    for (let c = 0; c < 3; c++) {
      const e = map[r][c] * (outDims[c] - 1);
      if (e < 0) lo += e;
      else hi += e;
    }
    if (snap(lo) < -0.5 - SNAP || snap(hi) > dims[r] - 0.5 + SNAP) return false;
  }
  return true;
}

/**
 * Samples an image (trilinear) and a label (nearest) of `dims` at the positions `map` gives for each
 * voxel of `outDims`, in one pass sharing the coordinates. The field-of-view convention is
 * `resampleToGrid`'s: a position more than half a voxel beyond the first or last voxel centre along an
 * axis takes `imageFill` / `labelFill`; within that half voxel the edge value is used. O(output voxels),
 * no allocation.
 */
export function warpInPlane(arrays: WarpArrays, dims: Vec3, map: InPlaneMap, outDims: Vec3, imageFill: number, labelFill: number): void {
  const { image: src, label: lab, outImage, outLabel } = arrays;
  const [nx, ny, nz] = dims;
  const [ox, oy, oz] = outDims;
  const sxy = nx * ny;
  const plane = ox * oy;
  const [xi, xj, , x0] = map[0];
  const [yi, yj, , y0] = map[1];
  const [, , zk, z0] = map[2];
  const xMax = nx - 0.5 + SNAP;
  const yMax = ny - 0.5 + SNAP;
  const zMax = nz - 0.5 + SNAP;
  const low = -0.5 - SNAP;
  const withLabel = lab !== undefined && outLabel !== undefined;
  let o = 0;
  for (let k = 0; k < oz; k++) {
    const z = snap(zk * k + z0);
    if (z < low || z > zMax) {
      outImage.fill(imageFill, o, o + plane);
      if (withLabel) outLabel.fill(labelFill, o, o + plane);
      o += plane;
      continue;
    }
    const zc = z < 0 ? 0 : z > nz - 1 ? nz - 1 : z;
    const fz = Math.min(Math.floor(zc), Math.max(nz - 2, 0));
    const wz = zc - fz;
    const pz0 = fz * sxy;
    const pz1 = Math.min(fz + 1, nz - 1) * sxy;
    const pzn = Math.min(Math.max(Math.floor(z + 0.5), 0), nz - 1) * sxy;
    for (let j = 0; j < oy; j++) {
      const bx = xj * j + x0;
      const by = yj * j + y0;
      for (let i = 0; i < ox; i++, o++) {
        const x = snap(bx + xi * i);
        const y = snap(by + yi * i);
        if (x < low || x > xMax || y < low || y > yMax) {
          outImage[o] = imageFill;
          if (withLabel) outLabel[o] = labelFill;
          continue;
        }
        if (withLabel) {
          const rx = Math.min(Math.max(Math.floor(x + 0.5), 0), nx - 1);
          const ry = Math.min(Math.max(Math.floor(y + 0.5), 0), ny - 1);
          outLabel[o] = lab[pzn + nx * ry + rx];
        }
        const xc = x < 0 ? 0 : x > nx - 1 ? nx - 1 : x;
        const yc = y < 0 ? 0 : y > ny - 1 ? ny - 1 : y;
        const fx = Math.min(Math.floor(xc), Math.max(nx - 2, 0));
        const fy = Math.min(Math.floor(yc), Math.max(ny - 2, 0));
        const wx = xc - fx;
        const wy = yc - fy;
        const dx = fx + 1 < nx ? 1 : 0;
        const dy = fy + 1 < ny ? nx : 0;
        const p = nx * fy + fx;
        let v = bilinear(src, pz0 + p, dx, dy, wx, wy);
        if (wz !== 0) v += (bilinear(src, pz1 + p, dx, dy, wx, wy) - v) * wz;
        outImage[o] = v;
      }
    }
  }
}

/** Bilinear value at offset `p` (the lower corner), neighbours at `+dx` and `+dy`; exact at zero weights. */
function bilinear(src: NumericArray, p: number, dx: number, dy: number, wx: number, wy: number): number {
  const a = src[p];
  const c0 = wx === 0 ? a : a + (src[p + dx] - a) * wx;
  if (wy === 0) return c0;
  const b = src[p + dy];
  const c1 = wx === 0 ? b : b + (src[p + dy + dx] - b) * wx;
  return c0 + (c1 - c0) * wy;
}
