/**
 * Exact squared Euclidean distance transform with anisotropic spacing, after Felzenszwalb &
 * Huttenlocher, "Distance Transforms of Sampled Functions" (Theory of Computing 8, 2012): the 3D
 * transform is three 1D lower-envelope-of-parabolas passes (x, then y, then z), each linear in the
 * number of voxels. Spacing enters as the weight of each axis: along an axis of spacing `w` the 1D
 * transform is `d(p) = min_q (w²(p − q)² + f(q))`.
 */

/** Reusable per-line buffers for {@link edt1d}. */
export interface LineBuffers {
  f: Float64Array;
  d: Float64Array;
  v: Int32Array;
  z: Float64Array;
}

/** Buffers for lines of up to `n` samples. */
export function lineBuffers(n: number): LineBuffers {
  return { f: new Float64Array(n), d: new Float64Array(n), v: new Int32Array(n), z: new Float64Array(n + 1) };
}

/**
 * 1D squared distance transform of `f[0..n)` (Infinity = no feature) into `d[0..n)` with axis weight
 * `w2 = spacing²`. Infinite samples never enter the envelope, so `Infinity − Infinity` never occurs; a
 * line with no finite sample stays all Infinity.
 */
export function edt1d(n: number, w2: number, b: LineBuffers): void {
  const { f, d, v, z } = b;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q];
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
    let s = (hq - (f[vk] + w2 * vk * vk)) / (2 * w2 * (q - vk));
    while (s <= z[k]) {
      k--;
      vk = v[k];
      s = (hq - (f[vk] + w2 * vk * vk)) / (2 * w2 * (q - vk));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    d.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let p = 0; p < n; p++) {
    while (z[j + 1] < p) j++;
    const vj = v[j];
    const dp = p - vj;
    d[p] = w2 * dp * dp + f[vj];
  }
}

/**
 * Squared distance in mm² from every voxel of an `nx × ny × nz` grid (x fastest) to the nearest voxel
 * with `features[i] !== 0`; Infinity everywhere when there is no feature. `out` may be passed to reuse
 * a buffer of at least `nx·ny·nz` values.
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
): Float64Array {
  const n = nx * ny * nz;
  const g = out && out.length >= n ? out : new Float64Array(n);
  const b = lineBuffers(Math.max(nx, ny, nz));
  const { f, d } = b;
  // x pass (contiguous lines).
  const wx = sx * sx;
  for (let line = 0, base = 0; line < ny * nz; line++, base += nx) {
    for (let i = 0; i < nx; i++) f[i] = features[base + i] ? 0 : Infinity;
    edt1d(nx, wx, b);
    for (let i = 0; i < nx; i++) g[base + i] = d[i];
  }
  // y pass (stride nx).
  if (ny > 1) {
    const wy = sy * sy;
    for (let zz = 0; zz < nz; zz++) {
      for (let x = 0; x < nx; x++) {
        const base = x + nx * ny * zz;
        for (let j = 0, o = base; j < ny; j++, o += nx) f[j] = g[o];
        edt1d(ny, wy, b);
        for (let j = 0, o = base; j < ny; j++, o += nx) g[o] = d[j];
      }
    }
  }
  // z pass (stride nx·ny).
  if (nz > 1) {
    const wz = sz * sz;
    const plane = nx * ny;
    for (let base = 0; base < plane; base++) {
      for (let k = 0, o = base; k < nz; k++, o += plane) f[k] = g[o];
      edt1d(nz, wz, b);
      for (let k = 0, o = base; k < nz; k++, o += plane) g[o] = d[k];
    }
  }
  return g;
}
