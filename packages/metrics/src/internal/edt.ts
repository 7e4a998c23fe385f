/**
 * Exact squared Euclidean distance transform with anisotropic spacing, after Felzenszwalb &
 * Huttenlocher, "Distance Transforms of Sampled Functions" (Theory of Computing 8, 2012): the 3D
 * transform is three 1D lower-envelope-of-parabolas passes (x, then y, then z), each linear in the
 * number of voxels. Spacing enters as the weight of each axis: along an axis of spacing `w` the 1D
 * transform is `d(p) = min_q (w²(p − q)² + f(q))`.
 */

/** Reusable per-line buffers for {@link edt1d}. */
export interface LineBuffers {
  v: Int32Array;
  z: Float64Array;
}

/** Buffers for lines of up to `n` samples. */
export function lineBuffers(n: number): LineBuffers {
  return { v: new Int32Array(n), z: new Float64Array(n + 1) };
}

/**
 * 1D squared distance transform of `f[fo .. fo+n)` (Infinity = no feature) into `d[fo .. fo+n)` with
 * axis weight `w2 = spacing²`. Infinite samples never enter the envelope, so `Infinity − Infinity`
 * never occurs; a line with no finite sample stays all Infinity. `f` and `d` must not overlap.
 */
export function edt1d(f: Float64Array, d: Float64Array, fo: number, n: number, w2: number, b: LineBuffers): void {
  const { v, z } = b;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[fo + q];
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    const hq = fq + w2 * q * q;
    let vk = v[k];
    let s = (hq - (f[fo + vk] + w2 * vk * vk)) / (2 * w2 * (q - vk));
    while (s <= z[k]) {
      k--;
      vk = v[k];
      s = (hq - (f[fo + vk] + w2 * vk * vk)) / (2 * w2 * (q - vk));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    d.fill(Infinity, fo, fo + n);
    return;
  }
  let j = 0;
  for (let p = 0; p < n; p++) {
    while (z[j + 1] < p) j++;
    const vj = v[j];
    const dp = p - vj;
    d[fo + p] = w2 * dp * dp + f[fo + vj];
  }
}

/** Lines processed together in the strided passes, so each gathered cache line is used fully. */
const BLOCK = 16;

/**
 * Squared distance in mm² from every voxel of an `nx × ny × nz` grid (x fastest) to the nearest voxel
 * with `(features[i] & bit) !== 0`; Infinity everywhere when there is no feature. `out` may be passed
 * to reuse a buffer of at least `nx·ny·nz` values.
 *
 * With `queryBit`, the result is exact only where `(features[i] & queryBit) !== 0` (the points whose
 * distances the caller will read): the y and z passes skip the lines that cannot reach such a point.
 */
export function squaredEdt3d(
  features: Uint8Array,
  nx: number,
  ny: number,
  nz: number,
  sx: number,
  sy: number,
  sz: number,
  out?: Float64Array,
  bit = 0xff,
  queryBit = 0,
): Float64Array {
  const n = nx * ny * nz;
  const g = out && out.length >= n ? out : new Float64Array(n);
  const plane = nx * ny;
  // Columns (x, y) holding a query point, and x positions holding one (all when no query is given).
  const column = new Uint8Array(plane);
  const xs = new Uint8Array(nx);
  if (queryBit) {
    for (let i = 0, c = 0; i < n; i++, c++) {
      if (c === plane) c = 0;
      if (features[i] & queryBit) column[c] = 1;
    }
    for (let c = 0; c < plane; c++) if (column[c]) xs[c % nx] = 1;
  } else {
    column.fill(1);
    xs.fill(1);
  }
  // x pass: f ∈ {0, ∞}, so the 1D transform is the distance to the nearest feature in the row
  // (two sweeps), squared and weighted.
  const wx = sx * sx;
  for (let base = 0; base < n; base += nx) {
    let last = -Infinity;
    for (let i = 0; i < nx; i++) {
      if (features[base + i] & bit) last = i;
      const dd = i - last;
      g[base + i] = dd === Infinity ? Infinity : wx * dd * dd;
    }
    last = Infinity;
    for (let i = nx - 1; i >= 0; i--) {
      if (features[base + i] & bit) last = i;
      const dd = last - i;
      if (dd !== Infinity) {
        const w = wx * dd * dd;
        if (w < g[base + i]) g[base + i] = w;
      }
    }
  }
  const maxLen = Math.max(ny, nz);
  const b = lineBuffers(maxLen);
  const fin = new Float64Array(BLOCK * maxLen);
  const dout = new Float64Array(BLOCK * maxLen);
  // y pass: lines of stride nx, BLOCK neighbouring x at a time.
  if (ny > 1) {
    const wy = sy * sy;
    for (let zz = 0; zz < nz; zz++) {
      const slab = nx * ny * zz;
      for (let x0 = 0; x0 < nx; x0 += BLOCK) {
        const m = Math.min(BLOCK, nx - x0);
        if (!anySet(xs, x0, m)) continue;
        for (let j = 0; j < ny; j++) {
          const row = slab + nx * j + x0;
          for (let t = 0; t < m; t++) fin[t * ny + j] = g[row + t];
        }
        for (let t = 0; t < m; t++) edt1d(fin, dout, t * ny, ny, wy, b);
        for (let j = 0; j < ny; j++) {
          const row = slab + nx * j + x0;
          for (let t = 0; t < m; t++) g[row + t] = dout[t * ny + j];
        }
      }
    }
  }
  // z pass: lines of stride nx·ny, BLOCK neighbouring voxels of a plane at a time.
  if (nz > 1) {
    const wz = sz * sz;
    for (let p0 = 0; p0 < plane; p0 += BLOCK) {
      const m = Math.min(BLOCK, plane - p0);
      if (!anySet(column, p0, m)) continue;
      for (let k = 0; k < nz; k++) {
        const o = p0 + plane * k;
        for (let t = 0; t < m; t++) fin[t * nz + k] = g[o + t];
      }
      for (let t = 0; t < m; t++) edt1d(fin, dout, t * nz, nz, wz, b);
      for (let k = 0; k < nz; k++) {
        const o = p0 + plane * k;
        for (let t = 0; t < m; t++) g[o + t] = dout[t * nz + k];
      }
    }
  }
  return g;
}

function anySet(flags: Uint8Array, from: number, count: number): boolean {
  for (let i = from; i < from + count; i++) if (flags[i]) return true;
  return false;
}
