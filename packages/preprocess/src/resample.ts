import { InvalidArgumentError, invertAffine, multiplyAffine, spacingFromAffine, withData } from '@raunet/core';
import type { Affine, Volume } from '@raunet/core';
import { gaussianSmoothAxes } from './internal/gaussian-axes.js';
import { copyAffine, dims3, make3dVolume, numericData, sameKind } from './internal/volume-utils.js';
import type { NumericArray, Vec3 } from './internal/volume-utils.js';

/** A voxel grid: dims (x, y, z) and the voxel-to-RAS+ affine (mm). Any {@link Volume} is one. */
export interface Grid {
  /** Grid size `[nx, ny, nz]`. */
  readonly dims: readonly number[];
  /** Voxel index to world mm (see `Affine` in `@raunet/core`). */
  readonly affine: Affine;
}

/** Options shared by the resampling functions. */
export interface ResampleOptions {
  /** `'linear'` (trilinear, for images) or `'nearest'` (for labels and masks). @defaultValue 'linear' */
  interpolation?: 'linear' | 'nearest';
  /**
   * Element type of the output: `'float32'`, or `'input'` to keep the input's typed-array kind (linear
   * results are rounded to the nearest integer for integer kinds).
   * @defaultValue 'float32' for linear, 'input' for nearest
   */
  dtype?: 'float32' | 'input';
  /**
   * Value of output voxels whose centre falls outside the source's field of view (more than half a voxel
   * beyond its first or last voxel centre along some axis). Must fit the output type.
   * @defaultValue 0
   */
  fillValue?: number;
}

const SNAP = 1e-6;

function snap(s: number): number {
  const r = Math.round(s);
  return Math.abs(s - r) < SNAP ? r : s;
}

interface AxisTable {
  lo: Int32Array;
  hi: Int32Array;
  w: Float64Array;
  valid: Uint8Array;
}

/** Per-axis sampling table for output positions s = scale·o + offset along an axis of length n. */
function axisTable(count: number, scale: number, offset: number, n: number, stride: number, nearest: boolean): AxisTable {
  const lo = new Int32Array(count);
  const hi = new Int32Array(count);
  const w = new Float64Array(count);
  const valid = new Uint8Array(count);
  for (let o = 0; o < count; o++) {
    let s = snap(scale * o + offset);
    if (s < -0.5 - SNAP || s > n - 0.5 + SNAP) continue;
    valid[o] = 1;
    if (nearest) {
      let r = Math.floor(s + 0.5);
      if (r < 0) r = 0;
      if (r > n - 1) r = n - 1;
      lo[o] = hi[o] = r * stride;
      continue;
    }
    if (s < 0) s = 0;
    if (s > n - 1) s = n - 1;
    let f = Math.floor(s);
    if (f > n - 2) f = Math.max(n - 2, 0);
    const t = s - f;
    lo[o] = f * stride;
    hi[o] = Math.min(f + 1, n - 1) * stride;
    w[o] = t;
  }
  return { lo, hi, w, valid };
}

function checkGrid(grid: Grid, where: string): Vec3 {
  const d = grid.dims;
  const out: Vec3 = [d[0] ?? 1, d[1] ?? 1, d[2] ?? 1];
  if (!out.every((x) => Number.isInteger(x) && x > 0)) {
    throw new InvalidArgumentError(`${where}: target grid dims must be positive integers, received [${String(d)}]`);
  }
  return out;
}

/**
 * Resamples `v` onto an arbitrary grid through world coordinates: each output voxel takes the value of
 * `v` at its own world position (`grid.affine · ijk`). Axis-aligned mappings (scaling, translation) use
 * a fast separable path; any other (permuted, oblique) mapping a general one.
 *
 * @example
 * ```ts
 * const back = resampleToGrid(prediction, original, { interpolation: 'nearest' });
 * ```
 */
export function resampleToGrid(v: Volume, grid: Grid, options: ResampleOptions = {}): Volume {
  const where = 'resampleToGrid';
  const [nx, ny, nz] = dims3(v, where);
  const od = checkGrid(grid, where);
  const interpolation = options.interpolation ?? 'linear';
  if (interpolation !== 'linear' && interpolation !== 'nearest') {
    throw new InvalidArgumentError(`${where}: interpolation must be 'linear' or 'nearest', received '${String(interpolation)}'`);
  }
  const nearest = interpolation === 'nearest';
  const dtype = options.dtype ?? (nearest ? 'input' : 'float32');
  const fill = options.fillValue ?? 0;
  const src = numericData(v);
  const count = od[0] * od[1] * od[2];
  const out: NumericArray = dtype === 'float32' ? new Float32Array(count) : sameKind(v.data, count);
  const round = dtype === 'input' && !nearest && !(out instanceof Float32Array || out instanceof Float64Array);
  // Output voxel -> source continuous index: M = inv(A_src) · A_dst.
  const m = multiplyAffine(invertAffine(v.affine), grid.affine);
  const sxy = nx * ny;
  let separable = true;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) if (r !== c && Math.abs(m[r][c]) > 1e-9) separable = false;
  if (separable && nearest) {
    const tx = axisTable(od[0], m[0][0], m[0][3], nx, 1, true);
    const ty = axisTable(od[1], m[1][1], m[1][3], ny, nx, true);
    const tz = axisTable(od[2], m[2][2], m[2][3], nz, sxy, true);
    let o = 0;
    for (let k = 0; k < od[2]; k++) {
      if (!tz.valid[k]) {
        out.fill(fill, o, o + od[0] * od[1]);
        o += od[0] * od[1];
        continue;
      }
      for (let j = 0; j < od[1]; j++) {
        if (!ty.valid[j]) {
          out.fill(fill, o, o + od[0]);
          o += od[0];
          continue;
        }
        const p = tz.lo[k] + ty.lo[j];
        for (let i = 0; i < od[0]; i++) out[o++] = tx.valid[i] ? src[p + tx.lo[i]] : fill;
      }
    }
  } else if (separable) {
    // Trilinear, separably: each needed source slice is resampled in-plane (bilinear) once into a
    // float64 plane (two cached), then output slices interpolate between two planes along z.
    const tx = axisTable(od[0], m[0][0], m[0][3], nx, 1, false);
    const ty = axisTable(od[1], m[1][1], m[1][3], ny, nx, false);
    const tz = axisTable(od[2], m[2][2], m[2][3], nz, sxy, false);
    const planeSize = od[0] * od[1];
    const planes = [new Float64Array(planeSize), new Float64Array(planeSize)];
    const planeZ = [-1, -1];
    let lastUsed = 0;
    const planeAt = (z: number): Float64Array => {
      for (let s = 0; s < 2; s++) {
        if (planeZ[s] === z) {
          lastUsed = s;
          return planes[s];
        }
      }
      const slot = 1 - lastUsed;
      lastUsed = slot;
      planeZ[slot] = z;
      const pl = planes[slot];
      let q = 0;
      for (let j = 0; j < od[1]; j++) {
        if (!ty.valid[j]) {
          pl.fill(fill, q, q + od[0]);
          q += od[0];
          continue;
        }
        const p0 = z + ty.lo[j];
        const p1 = z + ty.hi[j];
        const wy = ty.w[j];
        for (let i = 0; i < od[0]; i++, q++) {
          if (!tx.valid[i]) {
            pl[q] = fill;
            continue;
          }
          const a = tx.lo[i];
          const b = tx.hi[i];
          const wx = tx.w[i];
          const c0 = src[p0 + a] + (src[p0 + b] - src[p0 + a]) * wx;
          const c1 = src[p1 + a] + (src[p1 + b] - src[p1 + a]) * wx;
          pl[q] = c0 + (c1 - c0) * wy;
        }
      }
      return pl;
    };
    let o = 0;
    for (let k = 0; k < od[2]; k++) {
      if (!tz.valid[k]) {
        out.fill(fill, o, o + planeSize);
        o += planeSize;
        continue;
      }
      const wz = tz.w[k];
      const a = planeAt(tz.lo[k]);
      if (wz === 0 || tz.hi[k] === tz.lo[k]) {
        if (round) for (let q = 0; q < planeSize; q++) out[o++] = Math.round(a[q]);
        else for (let q = 0; q < planeSize; q++) out[o++] = a[q];
        continue;
      }
      const b = planeAt(tz.hi[k]);
      if (round) for (let q = 0; q < planeSize; q++) out[o++] = Math.round(a[q] + (b[q] - a[q]) * wz);
      else for (let q = 0; q < planeSize; q++) out[o++] = a[q] + (b[q] - a[q]) * wz;
    }
  } else {
    const lim = [nx - 0.5 + SNAP, ny - 0.5 + SNAP, nz - 0.5 + SNAP];
    const n = [nx, ny, nz];
    let o = 0;
    const s = [0, 0, 0];
    const lo = [0, 0, 0];
    const hi = [0, 0, 0];
    const w = [0, 0, 0];
    for (let k = 0; k < od[2]; k++) {
      for (let j = 0; j < od[1]; j++) {
        for (let i = 0; i < od[0]; i++, o++) {
          let inside = true;
          for (let r = 0; r < 3; r++) {
            const x = snap(m[r][0] * i + m[r][1] * j + m[r][2] * k + m[r][3]);
            if (x < -0.5 - SNAP || x > lim[r]) {
              inside = false;
              break;
            }
            s[r] = x;
          }
          if (!inside) {
            out[o] = fill;
            continue;
          }
          if (nearest) {
            const ix = Math.min(Math.max(Math.floor(s[0] + 0.5), 0), nx - 1);
            const iy = Math.min(Math.max(Math.floor(s[1] + 0.5), 0), ny - 1);
            const iz = Math.min(Math.max(Math.floor(s[2] + 0.5), 0), nz - 1);
            out[o] = src[ix + nx * iy + sxy * iz];
            continue;
          }
          for (let r = 0; r < 3; r++) {
            const x = Math.min(Math.max(s[r], 0), n[r] - 1);
            const f = Math.min(Math.floor(x), Math.max(n[r] - 2, 0));
            lo[r] = f;
            hi[r] = Math.min(f + 1, n[r] - 1);
            w[r] = x - f;
          }
          const y0 = nx * lo[1];
          const y1 = nx * hi[1];
          const z0 = sxy * lo[2];
          const z1 = sxy * hi[2];
          const c00 = src[z0 + y0 + lo[0]] + (src[z0 + y0 + hi[0]] - src[z0 + y0 + lo[0]]) * w[0];
          const c01 = src[z0 + y1 + lo[0]] + (src[z0 + y1 + hi[0]] - src[z0 + y1 + lo[0]]) * w[0];
          const c10 = src[z1 + y0 + lo[0]] + (src[z1 + y0 + hi[0]] - src[z1 + y0 + lo[0]]) * w[0];
          const c11 = src[z1 + y1 + lo[0]] + (src[z1 + y1 + hi[0]] - src[z1 + y1 + lo[0]]) * w[0];
          const c0 = c00 + (c01 - c00) * w[1];
          const c1 = c10 + (c11 - c10) * w[1];
          const val = c0 + (c1 - c0) * w[2];
          out[o] = round ? Math.round(val) : val;
        }
      }
    }
  }
  return make3dVolume(out, od, spacingFromAffine(grid.affine), copyAffine(grid.affine), v);
}

/**
 * Resamples `v` onto the grid of `target` (its dims and affine) through world coordinates, e.g. a mask
 * on a larger field of view onto a cropped CT. Voxels of `target` outside `v`'s field of view get
 * `fillValue`. Only `target`'s grid is used, not its data.
 *
 * @example
 * ```ts
 * const heartOnCt = resampleLike(heartMask, ct, { interpolation: 'nearest' });
 * ```
 */
export function resampleLike(v: Volume, target: Volume | Grid, options: ResampleOptions = {}): Volume {
  return resampleToGrid(v, target, options);
}

/** Options of {@link resampleToSpacing}. */
export interface ResampleToSpacingOptions extends ResampleOptions {
  /**
   * Smooth before downsampling, as scikit-image's `resize(anti_aliasing=True)` does: a Gaussian of
   * standard deviation `(s'/s - 1) / 2` voxels along each axis whose spacing grows from `s` to `s'`
   * (none where it does not grow). Without it, a 2x coarser grid samples every other voxel and fine
   * structure aliases. Only for `'linear'` interpolation (labels keep their values).
   * @defaultValue false
   */
  antiAlias?: boolean;
}

/**
 * The grid {@link resampleToSpacing} resamples onto: voxel (0,0,0) keeps its world position (the
 * SimpleITK/ITK convention of keeping the origin and the direction), each affine column is rescaled
 * to the new spacing, and `n' = max(1, round(n · s / s'))` voxels per axis so the extent `n'·s'` is
 * as close as possible to the original `n·s`.
 */
export function spacingGrid(v: Grid, spacing: readonly number[]): { dims: [number, number, number]; affine: Affine } {
  if (!Array.isArray(spacing) || spacing.length !== 3 || !spacing.every((s) => Number.isFinite(s) && s > 0)) {
    throw new InvalidArgumentError(`resampleToSpacing: spacing must be three positive finite mm [x, y, z], received [${String(spacing)}]`);
  }
  const old = spacingFromAffine(v.affine);
  const dims: [number, number, number] = [0, 0, 0];
  const affine = copyAffine(v.affine);
  for (let c = 0; c < 3; c++) {
    dims[c] = Math.max(1, Math.round(((v.dims[c] ?? 1) * old[c]) / spacing[c]));
    const f = spacing[c] / old[c];
    for (let r = 0; r < 3; r++) affine[r][c] = v.affine[r][c] * f;
  }
  return { dims, affine };
}

/**
 * Resamples a volume to a new voxel spacing (x, y, z mm): trilinear for images, nearest for labels.
 * Grid convention (see {@link spacingGrid}): the centre of voxel (0,0,0) stays at the same world position,
 * axis directions are kept, dims become `round(n · s / s')`; every output voxel takes the value found at
 * its own world position, so world coordinates stay valid. Undo with
 * `resampleLike(resampled, original, { interpolation })`, which samples back onto the original grid
 * (exact for labels when the spacings are integer multiples of each other at the kept voxels).
 *
 * @example
 * ```ts
 * const iso = resampleToSpacing(ct, [1, 1, 1.5]);                              // Float32, trilinear
 * const lab = resampleToSpacing(mask, [1, 1, 1.5], { interpolation: 'nearest' }); // same type as mask
 * const back = resampleLike(lab, mask, { interpolation: 'nearest' });
 * ```
 */
export function resampleToSpacing(v: Volume, spacing: readonly [number, number, number], options: ResampleToSpacingOptions = {}): Volume {
  const dims = dims3(v, 'resampleToSpacing');
  const grid = spacingGrid(v, spacing);
  const { antiAlias, ...resample } = options;
  if (antiAlias && (options.interpolation ?? 'linear') === 'linear') {
    const old = spacingFromAffine(v.affine);
    const sigmas = [0, 1, 2].map((c) => Math.max(0, (spacing[c] / old[c] - 1) / 2)) as Vec3;
    if (sigmas.some((s) => s > 0)) {
      const smooth = withData(v, gaussianSmoothAxes(numericData(v), dims, sigmas));
      return resampleToGrid(smooth, grid, { dtype: 'float32', ...resample });
    }
  }
  return resampleToGrid(v, grid, resample);
}
