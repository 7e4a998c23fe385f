import type { Affine, Volume } from '@raunet/core';
import { copyAffine, dims3, make3dVolume, numericData, sameKind, spacing3 } from './volume-utils.js';
import type { NumericArray, Vec3 } from './volume-utils.js';

/**
 * Re-indexes a 3D array: output axis `a` walks input axis `axes[a]`, reversed when `flips[a]`.
 * `dims` are the input dims (x fastest). Returns the output dims. Pure index arithmetic, no allocation
 * per voxel.
 */
export function permuteFlip(src: NumericArray, dims: Vec3, axes: Vec3, flips: readonly boolean[], out: NumericArray): Vec3 {
  const inStride: Vec3 = [1, dims[0], dims[0] * dims[1]];
  const od: Vec3 = [dims[axes[0]], dims[axes[1]], dims[axes[2]]];
  let base = 0;
  const step: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const s = inStride[axes[a]];
    if (flips[a]) {
      base += (od[a] - 1) * s;
      step[a] = -s;
    } else step[a] = s;
  }
  const [nx, ny, nz] = od;
  const [sx, sy, sz] = step;
  let o = 0;
  for (let k = 0; k < nz; k++) {
    const bk = base + k * sz;
    for (let j = 0; j < ny; j++) {
      let p = bk + j * sy;
      if (sx === 1) {
        out.set(src.subarray(p, p + nx), o);
        o += nx;
      } else {
        for (let i = 0; i < nx; i++, p += sx) out[o++] = src[p];
      }
    }
  }
  return od;
}

/** Output axis `a` walks input axis `axes[a]`; the affine of the output keeps each voxel's world position. */
export function reindexAffine(affine: Affine, inDims: Vec3, axes: Vec3, flips: readonly boolean[]): Affine {
  // Input index i_c = flip ? (n_c - 1 - o_a) : o_a with c = axes[a]; world = A · P · o.
  const out = copyAffine(affine);
  for (let r = 0; r < 3; r++) {
    let t = affine[r][3];
    for (let a = 0; a < 3; a++) {
      const c = axes[a];
      const col = affine[r][c];
      out[r][a] = flips[a] ? -col : col;
      if (flips[a]) t += col * (inDims[c] - 1);
    }
    out[r][3] = t;
  }
  return out;
}

/** Applies a permutation/flip to a volume (data re-indexed, affine updated, spacing permuted). */
export function reindexVolume(v: Volume, axes: Vec3, flips: readonly boolean[], where: string, affine?: Affine, float32 = false): Volume {
  const dims = dims3(v, where);
  const src = numericData(v);
  const out = float32 ? new Float32Array(src.length) : sameKind(v.data, src.length);
  const od = permuteFlip(src, dims, axes, flips, out);
  const sp = spacing3(v);
  return make3dVolume(out, od, [sp[axes[0]], sp[axes[1]], sp[axes[2]]], affine ?? reindexAffine(v.affine, dims, axes, flips), v);
}

