import type { Rng } from '@raunet/core';

/** Smoothstep weight used by every value-noise interpolation (C1-continuous noise). */
export function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/**
 * 3D value noise on a regular coarse lattice laid over a voxel grid: lattice values uniform in [-1, 1],
 * smoothstep-weighted trilinear interpolation. Evaluated a whole slice at a time (`slice`) for the big
 * passes, or at any point (`at`) for sampling; both use the same lattice so they agree.
 */
export class ValueNoise3 {
  private readonly cx: number;
  private readonly cy: number;
  private readonly cz: number;
  private readonly lattice: Float32Array;
  private readonly ix: Int32Array;
  private readonly wx: Float32Array;
  private readonly jy: Int32Array;
  private readonly wy: Float32Array;
  private readonly layer: Float32Array;
  private readonly rows: Float32Array;

  /**
   * @param dims - voxel grid `[nx, ny, nz]`.
   * @param cell - lattice cell size in voxels per axis (any positive number, fractions allowed).
   */
  constructor(
    private readonly dims: readonly [number, number, number],
    private readonly cell: readonly [number, number, number],
    rng: Rng,
  ) {
    const [nx, ny, nz] = dims;
    this.cx = Math.floor((nx - 1) / cell[0]) + 2;
    this.cy = Math.floor((ny - 1) / cell[1]) + 2;
    this.cz = Math.floor((nz - 1) / cell[2]) + 2;
    this.lattice = new Float32Array(this.cx * this.cy * this.cz);
    for (let n = 0; n < this.lattice.length; n++) this.lattice[n] = rng.uniform(-1, 1);
    this.ix = new Int32Array(nx);
    this.wx = new Float32Array(nx);
    for (let i = 0; i < nx; i++) {
      const g = i / cell[0];
      const g0 = Math.min(Math.floor(g), this.cx - 2);
      this.ix[i] = g0;
      this.wx[i] = smooth(g - g0);
    }
    this.jy = new Int32Array(ny);
    this.wy = new Float32Array(ny);
    for (let j = 0; j < ny; j++) {
      const g = j / cell[1];
      const g0 = Math.min(Math.floor(g), this.cy - 2);
      this.jy[j] = g0;
      this.wy[j] = smooth(g - g0);
    }
    this.layer = new Float32Array(this.cx * this.cy);
    this.rows = new Float32Array(this.cy * nx);
  }

  /** Writes the noise of slice `k` (x fastest, `nx * ny` values in [-1, 1]) into `out`, scaled by `amplitude`. */
  slice(k: number, out: Float32Array, amplitude = 1): void {
    const [nx, ny] = this.dims;
    const { cx, cy, lattice, layer, rows, ix, wx, jy, wy } = this;
    const g = k / this.cell[2];
    const k0 = Math.min(Math.floor(g), this.cz - 2);
    const t = smooth(g - k0);
    const a = k0 * cx * cy;
    const b = a + cx * cy;
    for (let n = 0; n < cx * cy; n++) layer[n] = amplitude * (lattice[a + n] + t * (lattice[b + n] - lattice[a + n]));
    for (let r = 0; r < cy; r++) {
      const base = r * cx;
      const ro = r * nx;
      for (let i = 0; i < nx; i++) {
        const p = base + ix[i];
        rows[ro + i] = layer[p] + wx[i] * (layer[p + 1] - layer[p]);
      }
    }
    for (let j = 0; j < ny; j++) {
      const r0 = jy[j] * nx;
      const r1 = r0 + nx;
      const w = wy[j];
      const o = j * nx;
      for (let i = 0; i < nx; i++) out[o + i] = rows[r0 + i] + w * (rows[r1 + i] - rows[r0 + i]);
    }
  }

  /** Noise at a fractional voxel position (same lattice as `slice`), in [-1, 1]. */
  at(i: number, j: number, k: number): number {
    const { cx, cy, cz, lattice } = this;
    const gx = Math.max(0, i / this.cell[0]);
    const gy = Math.max(0, j / this.cell[1]);
    const gz = Math.max(0, k / this.cell[2]);
    const x0 = Math.min(Math.floor(gx), cx - 2);
    const y0 = Math.min(Math.floor(gy), cy - 2);
    const z0 = Math.min(Math.floor(gz), cz - 2);
    const tx = smooth(Math.min(1, gx - x0));
    const ty = smooth(Math.min(1, gy - y0));
    const tz = smooth(Math.min(1, gz - z0));
    const p = x0 + cx * (y0 + cy * z0);
    const lerp = (q: number): number => lattice[q] + tx * (lattice[q + 1] - lattice[q]);
    const c00 = lerp(p);
    const c10 = lerp(p + cx);
    const c01 = lerp(p + cx * cy);
    const c11 = lerp(p + cx + cx * cy);
    const c0 = c00 + ty * (c10 - c00);
    const c1 = c01 + ty * (c11 - c01);
    return c0 + tz * (c1 - c0);
  }
}

/**
 * 65536 standard-normal quantiles at `(n + 0.5) / 65536` (Acklam's inverse-CDF approximation), so one
 * uint32 from the generator gives two Gaussian deviates by table lookup.
 */
let normalTable: Float32Array | undefined;
export function gaussianTable(): Float32Array {
  if (normalTable) return normalTable;
  const t = new Float32Array(65536);
  for (let n = 0; n < 65536; n++) t[n] = inverseNormalCdf((n + 0.5) / 65536);
  normalTable = t;
  return t;
}

function inverseNormalCdf(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Adds white Gaussian noise of standard deviation `sigma` (HU) to `data` in place and clamps to
 * `[lo, hi]`. A local mulberry32 stream seeded by `seed` draws two deviates per uint32.
 */
export function addGaussianNoise(data: Int16Array, sigma: number, seed: number, lo: number, hi: number): void {
  const table = gaussianTable();
  let s = seed >>> 0;
  const n = data.length;
  let v = 0;
  for (let p = 0; p < n; p += 2) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    v = data[p] + sigma * table[t >>> 16];
    data[p] = v < lo ? lo : v > hi ? hi : Math.round(v);
    if (p + 1 < n) {
      v = data[p + 1] + sigma * table[t & 0xffff];
      data[p + 1] = v < lo ? lo : v > hi ? hi : Math.round(v);
    }
  }
}

/** Clamps every value of `data` to `[lo, hi]` in place. */
export function clampInPlace(data: Int16Array, lo: number, hi: number): void {
  for (let p = 0; p < data.length; p++) {
    const v = data[p];
    if (v < lo) data[p] = lo;
    else if (v > hi) data[p] = hi;
  }
}

/**
 * Separable `[1, c, 1] / (c + 2)` smoothing along x, y and z of an int16 volume in place (edges
 * replicated): the partial-volume blur. `c = 4` gives a point spread of 0.58 voxel standard deviation.
 */
export function blur121(data: Int16Array, nx: number, ny: number, nz: number, c = 4): void {
  const g = 1 / (c + 2);
  const plane = nx * ny;
  // x
  if (nx > 1) {
    for (let r = 0; r < ny * nz; r++) {
      const o = r * nx;
      let prev = data[o];
      for (let i = 0; i < nx; i++) {
        const cur = data[o + i];
        const next = i + 1 < nx ? data[o + i + 1] : cur;
        data[o + i] = Math.round((prev + c * cur + next) * g);
        prev = cur;
      }
    }
  }
  // y
  if (ny > 1) {
    const prevRow = new Int16Array(nx);
    const curRow = new Int16Array(nx);
    for (let k = 0; k < nz; k++) {
      const base = k * plane;
      prevRow.set(data.subarray(base, base + nx));
      for (let j = 0; j < ny; j++) {
        const o = base + j * nx;
        curRow.set(data.subarray(o, o + nx));
        const nextO = j + 1 < ny ? o + nx : o;
        for (let i = 0; i < nx; i++) {
          const next = j + 1 < ny ? data[nextO + i] : curRow[i];
          data[o + i] = Math.round((prevRow[i] + c * curRow[i] + next) * g);
        }
        prevRow.set(curRow);
      }
    }
  }
  // z
  if (nz > 1) {
    const prev = new Int16Array(plane);
    const cur = new Int16Array(plane);
    prev.set(data.subarray(0, plane));
    for (let k = 0; k < nz; k++) {
      const o = k * plane;
      cur.set(data.subarray(o, o + plane));
      const hasNext = k + 1 < nz;
      for (let p = 0; p < plane; p++) {
        const next = hasNext ? data[o + plane + p] : cur[p];
        data[o + p] = Math.round((prev[p] + c * cur[p] + next) * g);
      }
      prev.set(cur);
    }
  }
}
