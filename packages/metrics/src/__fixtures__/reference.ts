// Plain-loop references for the tests: slow, obvious, independent of the package's code paths.
import { createVolume, type Volume } from '@raunet/core';
import fc from 'fast-check';

export type Dims = [number, number, number];
export type Spacing = [number, number, number];

export function vol(data: Uint8Array, dims: Dims, spacing: Spacing = [1, 1, 1]): Volume<Uint8Array> {
  return createVolume({ data, dims, spacing });
}

export function idx(dims: Dims, x: number, y: number, z: number): number {
  return x + dims[0] * (y + dims[1] * z);
}

/** A mask with the inclusive box [x0..x1] x [y0..y1] x [z0..z1] set. */
export function boxMask(dims: Dims, lo: Dims, hi: Dims): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let z = lo[2]; z <= hi[2]; z++) for (let y = lo[1]; y <= hi[1]; y++) for (let x = lo[0]; x <= hi[0]; x++) m[idx(dims, x, y, z)] = 1;
  return m;
}

/** A voxelized ball: voxels whose centre is within `r` voxels of `c`. */
export function ballMask(dims: Dims, c: Dims, r: number): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let z = 0; z < dims[2]; z++)
    for (let y = 0; y < dims[1]; y++)
      for (let x = 0; x < dims[0]; x++) if ((x - c[0]) ** 2 + (y - c[1]) ** 2 + (z - c[2]) ** 2 <= r * r) m[idx(dims, x, y, z)] = 1;
  return m;
}

/** Border voxels by the definition: foreground with a 6-neighbour that is background or outside. */
export function borderVoxels(m: ArrayLike<number>, dims: Dims): Dims[] {
  const out: Dims[] = [];
  const at = (x: number, y: number, z: number): number =>
    x < 0 || y < 0 || z < 0 || x >= dims[0] || y >= dims[1] || z >= dims[2] ? 0 : m[idx(dims, x, y, z)];
  for (let z = 0; z < dims[2]; z++)
    for (let y = 0; y < dims[1]; y++)
      for (let x = 0; x < dims[0]; x++) {
        if (!at(x, y, z)) continue;
        const nb = [at(x - 1, y, z), at(x + 1, y, z), at(x, y - 1, z), at(x, y + 1, z), at(x, y, z - 1), at(x, y, z + 1)];
        if (nb.some((v) => !v)) out.push([x, y, z]);
      }
  return out;
}

/** Brute-force directed distances from each point of `a` to the nearest of `b`, in mm. */
export function directed(a: Dims[], b: Dims[], s: Spacing): number[] {
  return a.map(([x, y, z]) => {
    let best = Infinity;
    for (const [u, v, w] of b) {
      const d = ((x - u) * s[0]) ** 2 + ((y - v) * s[1]) ** 2 + ((z - w) * s[2]) ** 2;
      if (d < best) best = d;
    }
    return Math.sqrt(best);
  });
}

/** numpy's default (linear) percentile. */
export function npPercentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const r = (p / 100) * (s.length - 1);
  const lo = Math.floor(r);
  const hi = Math.ceil(r);
  return s[lo] === s[hi] ? s[lo] : s[lo] + (s[hi] - s[lo]) * (r - lo);
}

/** All surface metrics by brute force (non-empty masks only). */
export function bruteSurface(p: ArrayLike<number>, t: ArrayLike<number>, dims: Dims, s: Spacing, tol: number) {
  const bp = borderVoxels(p, dims);
  const bt = borderVoxels(t, dims);
  const pt = directed(bp, bt, s);
  const tp = directed(bt, bp, s);
  const all = [...pt, ...tp];
  return {
    hausdorff: Math.max(...all),
    hausdorff95: Math.max(npPercentile(pt, 95), npPercentile(tp, 95)),
    assd: all.reduce((a, b) => a + b, 0) / all.length,
    nsd: all.filter((d) => d <= tol).length / all.length,
    pt,
    tp,
  };
}

/** Brute-force squared EDT: to the nearest nonzero voxel, in mm². */
export function bruteSquaredEdt(m: ArrayLike<number>, dims: Dims, s: Spacing): Float64Array {
  const feats: Dims[] = [];
  for (let z = 0; z < dims[2]; z++) for (let y = 0; y < dims[1]; y++) for (let x = 0; x < dims[0]; x++) if (m[idx(dims, x, y, z)]) feats.push([x, y, z]);
  const out = new Float64Array(dims[0] * dims[1] * dims[2]);
  for (let z = 0; z < dims[2]; z++)
    for (let y = 0; y < dims[1]; y++)
      for (let x = 0; x < dims[0]; x++) {
        let best = Infinity;
        for (const [u, v, w] of feats) best = Math.min(best, ((x - u) * s[0]) ** 2 + ((y - v) * s[1]) ** 2 + ((z - w) * s[2]) ** 2);
        out[idx(dims, x, y, z)] = best;
      }
  return out;
}

/** Pads a mask with `pad` background voxels on every side (per axis: [before, after]). */
export function padMask(m: Uint8Array, dims: Dims, pad: [Dims, Dims]): { data: Uint8Array; dims: Dims } {
  const nd: Dims = [dims[0] + pad[0][0] + pad[1][0], dims[1] + pad[0][1] + pad[1][1], dims[2] + pad[0][2] + pad[1][2]];
  const out = new Uint8Array(nd[0] * nd[1] * nd[2]);
  for (let z = 0; z < dims[2]; z++)
    for (let y = 0; y < dims[1]; y++)
      for (let x = 0; x < dims[0]; x++) out[idx(nd, x + pad[0][0], y + pad[0][1], z + pad[0][2])] = m[idx(dims, x, y, z)];
  return { data: out, dims: nd };
}

/**
 * Surfels by the definition: the corner points `(x, y, z)`, `0 <= x <= nx` (likewise y, z), whose 8
 * surrounding voxels `(x − 1 + i, y − 1 + j, z − 1 + k)` (outside the grid: background) are neither all
 * foreground nor all background; `code` has bit `i + 2j + 4k` for each foreground one.
 */
export function surfelCorners(m: ArrayLike<number>, dims: Dims): { at: Dims; code: number }[] {
  const at = (x: number, y: number, z: number): number =>
    x < 0 || y < 0 || z < 0 || x >= dims[0] || y >= dims[1] || z >= dims[2] ? 0 : m[idx(dims, x, y, z)] ? 1 : 0;
  const out: { at: Dims; code: number }[] = [];
  for (let z = 0; z <= dims[2]; z++)
    for (let y = 0; y <= dims[1]; y++)
      for (let x = 0; x <= dims[0]; x++) {
        let code = 0;
        for (let b = 0; b < 8; b++) code |= at(x - 1 + (b & 1), y - 1 + ((b >> 1) & 1), z - 1 + ((b >> 2) & 1)) << b;
        if (code !== 0 && code !== 255) out.push({ at: [x, y, z], code });
      }
  return out;
}

/** Brute-force surfel distances (mm, corner to nearest corner of the other surface) and areas from `areaOf(code)`. */
export function bruteSurfels(p: ArrayLike<number>, t: ArrayLike<number>, dims: Dims, s: Spacing, areaOf: (code: number) => number) {
  const sp = surfelCorners(p, dims);
  const st = surfelCorners(t, dims);
  const pt = directed(
    sp.map((c) => c.at),
    st.map((c) => c.at),
    s,
  );
  const tp = directed(
    st.map((c) => c.at),
    sp.map((c) => c.at),
    s,
  );
  return { pt, tp, ap: sp.map((c) => areaOf(c.code)), at: st.map((c) => areaOf(c.code)) };
}

/**
 * DeepMind's robust Hausdorff of one direction, re-stated as plainly as possible: sort by distance,
 * cumulative area over the total, the first index where it reaches `p` %.
 */
export function cumulativeAreaPercentile(d: number[], a: number[], p: number): number {
  const order = d.map((_, i) => i).sort((i, j) => d[i] - d[j] || a[i] - a[j]);
  const total = a.reduce((x, y) => x + y, 0);
  let cum = 0;
  for (let r = 0; r < order.length; r++) {
    cum += a[order[r]];
    if (cum / total >= p / 100) return d[order[r]];
  }
  return d[order[order.length - 1]];
}

/** Random pairs of non-empty masks on a small grid (up to 6 x 6 x 5) with random anisotropic spacing. */
export const pairArb = fc
  .record({
    dims: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 })),
    spacing: fc.tuple(
      fc.double({ min: 0.2, max: 5, noNaN: true }),
      fc.double({ min: 0.2, max: 5, noNaN: true }),
      fc.double({ min: 0.2, max: 5, noNaN: true }),
    ),
  })
  .chain(({ dims, spacing }) => {
    const n = dims[0] * dims[1] * dims[2];
    const bits = fc.uint8Array({ minLength: n, maxLength: n, min: 0, max: 1 }).filter((m) => m.some((x) => x));
    return fc.record({ dims: fc.constant(dims), spacing: fc.constant(spacing), a: bits, b: bits });
  });
