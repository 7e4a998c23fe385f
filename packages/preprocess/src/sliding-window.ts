import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import { checkIntTriple, checkSize } from './internal/volume-utils.js';
import type { Vec3 } from './internal/volume-utils.js';

/** Options of {@link slidingWindowGrid}. */
export interface SlidingWindowGridOptions {
  /** Fraction of the patch shared by neighbouring patches, in [0, 1). @defaultValue 0.5 */
  overlap?: number;
}

/** Result of {@link slidingWindowGrid}. */
export interface SlidingWindowGrid {
  /**
   * First voxel (x, y, z) of each patch on the ORIGINAL volume's grid, x varying fastest. Negative
   * (and running past the end) on axes where the volume is smaller than the patch: those voxels are
   * padding, which {@link extractPatch} fills and {@link PatchStitcher} ignores.
   */
  origins: [number, number, number][];
  /** Dims after padding every axis to at least the patch size: `max(dims, patchSize)`. */
  paddedDims: [number, number, number];
  /** Padding before the volume on each axis (`floor((paddedDims - dims) / 2)`, centred). */
  padBefore: [number, number, number];
  /** Number of patch positions along each axis. */
  steps: [number, number, number];
}

/**
 * The patch grid covering a volume for sliding-window inference, nnU-Net style: the volume is
 * (virtually) padded to at least the patch size, the target step is `patch · (1 - overlap)`, the number
 * of positions per axis is `ceil((padded - patch) / step) + 1`, and positions are spread evenly from
 * the first to the last so the grid covers the volume exactly (the last patch ends at the last voxel).
 *
 * @example
 * ```ts
 * const { origins } = slidingWindowGrid([512, 512, 301], [192, 192, 32], { overlap: 0.5 });
 * ```
 */
export function slidingWindowGrid(dims: readonly number[], patchSize: readonly number[], options: SlidingWindowGridOptions = {}): SlidingWindowGrid {
  const d = checkSize(dims.slice(0, 3), 'slidingWindowGrid', 'dims');
  const p = checkSize(patchSize, 'slidingWindowGrid', 'patchSize');
  const overlap = options.overlap ?? 0.5;
  if (!(overlap >= 0 && overlap < 1)) throw new InvalidArgumentError(`slidingWindowGrid: overlap must be in [0, 1), received ${overlap}`);
  const padded = [0, 1, 2].map((a) => Math.max(d[a], p[a])) as Vec3;
  const padBefore = [0, 1, 2].map((a) => Math.floor((padded[a] - d[a]) / 2)) as Vec3;
  const positions: number[][] = [];
  for (let a = 0; a < 3; a++) {
    const step = Math.max(1, p[a] * (1 - overlap));
    const span = padded[a] - p[a];
    const count = Math.ceil(span / step) + 1;
    const list: number[] = [];
    for (let s = 0; s < count; s++) list.push((count > 1 ? Math.round((s * span) / (count - 1)) : 0) - padBefore[a]);
    positions.push(list);
  }
  const origins: [number, number, number][] = [];
  for (const z of positions[2]) for (const y of positions[1]) for (const x of positions[0]) origins.push([x, y, z]);
  return { origins, paddedDims: padded, padBefore, steps: [positions[0].length, positions[1].length, positions[2].length] };
}

/** Options of {@link gaussianImportanceMap}. */
export interface GaussianImportanceMapOptions {
  /** Standard deviation as a fraction of the patch size, per axis. @defaultValue 1/8 */
  sigmaScale?: number;
}

/** float32's smallest normal number, 2^-126: the importance map's lowest weight. */
const MIN_NORMAL_FLOAT32 = 2 ** -126;

/** One axis of the importance map: exp(-x²/2σ²) around floor(n/2), 0 beyond the 4σ truncation radius. */
function gaussian1d(n: number, scale: number): Float64Array {
  const sigma = n * scale;
  const radius = Math.floor(4 * sigma + 0.5);
  const c = Math.floor(n / 2);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = i - c;
    v[i] = Math.abs(x) <= radius ? Math.exp((-x * x) / (2 * sigma * sigma)) : 0;
  }
  return v;
}

/**
 * nnU-Net's Gaussian importance map for a patch of `patchSize` (x, y, z), x fastest: a Gaussian centred
 * on voxel `floor(size / 2)` with sigma `size · sigmaScale` per axis, truncated at 4 sigma like
 * `scipy.ndimage.gaussian_filter`, normalized so its maximum is 1, and its zeros replaced by its smallest
 * nonzero value (so every voxel keeps some weight), but never below float32's smallest normal number, 2^-126
 * (with very small sigmas the tails would otherwise be subnormal and blend imprecisely).
 *
 * @example
 * ```ts
 * const w = gaussianImportanceMap([192, 192, 32]); // w[96 + 192 * (96 + 192 * 16)] === 1
 * ```
 */
export function gaussianImportanceMap(patchSize: readonly number[], options: GaussianImportanceMapOptions = {}): Float32Array {
  const p = checkSize(patchSize, 'gaussianImportanceMap', 'patchSize');
  const scale = options.sigmaScale ?? 1 / 8;
  if (!(scale > 0 && Number.isFinite(scale))) throw new InvalidArgumentError(`gaussianImportanceMap: sigmaScale must be a positive number, received ${scale}`);
  const g = p.map((n) => gaussian1d(n, scale));
  const out = new Float32Array(p[0] * p[1] * p[2]);
  let o = 0;
  let minPositive = Infinity;
  for (let k = 0; k < p[2]; k++) {
    for (let j = 0; j < p[1]; j++) {
      const gjk = g[1][j] * g[2][k];
      for (let i = 0; i < p[0]; i++, o++) {
        const w = Math.fround(g[0][i] * gjk);
        out[o] = w;
        if (w > 0 && w < minPositive) minPositive = w;
      }
    }
  }
  // A floor of float32's smallest normal number: a subnormal weight (tiny sigmas) keeps too few bits for the
  // stitcher's weighted average, which then drifts from the patch values (1.7e-4 for sigmaScale 1/32, patch 4).
  const floor = Math.max(minPositive, MIN_NORMAL_FLOAT32);
  if (minPositive < Infinity) for (let i = 0; i < out.length; i++) if (out[i] < floor) out[i] = floor;
  return out;
}

/** Options of {@link PatchStitcher}. */
export interface PatchStitcherOptions {
  /** Sigma of the Gaussian weights as a fraction of the patch size (mode `'gaussian'`). @defaultValue 1/8 */
  sigmaScale?: number;
  /** `'gaussian'`: nnU-Net importance weights; `'constant'`: plain average of overlapping patches. @defaultValue 'gaussian' */
  mode?: 'gaussian' | 'constant';
}

/**
 * Blends patch predictions back into a full volume: a weighted average where each patch contributes
 * `weight · value` to every voxel it covers (weights from {@link gaussianImportanceMap} or all 1), and
 * {@link PatchStitcher.result} divides by the summed weights. Patch voxels outside the volume (padding,
 * for volumes smaller than the patch) are dropped, which crops the result back to `dims`.
 *
 * @example
 * ```ts
 * const grid = slidingWindowGrid(ct.dims, [192, 192, 32]);
 * const stitcher = new PatchStitcher(ct.dims, [192, 192, 32]);
 * for (const origin of grid.origins) stitcher.add(origin, predict(extractPatch(ct, origin, [192, 192, 32])));
 * const probability = stitcher.result(); // Float32Array, x fastest, dims of ct
 * ```
 */
export class PatchStitcher {
  /** Volume dims (x, y, z). */
  readonly dims: [number, number, number];
  /** Patch size (x, y, z). */
  readonly patchSize: [number, number, number];
  private readonly weights: Float32Array | undefined;
  /** Per-axis factors when the map is separable (no truncation zeros): weight = gx[i]·gy[j]·gz[k]. */
  private readonly separable: [Float64Array, Float64Array, Float64Array] | undefined;
  private readonly sum: Float32Array;
  private readonly weightSum: Float32Array;

  /**
   * @param dims - volume dims (x, y, z)
   * @param patchSize - patch size (x, y, z)
   * @param options - weighting
   */
  constructor(dims: readonly number[], patchSize: readonly number[], options: PatchStitcherOptions = {}) {
    this.dims = checkSize(dims.slice(0, 3), 'PatchStitcher', 'dims');
    this.patchSize = checkSize(patchSize, 'PatchStitcher', 'patchSize');
    const mode = options.mode ?? 'gaussian';
    if (mode !== 'gaussian' && mode !== 'constant') throw new InvalidArgumentError(`PatchStitcher: mode must be 'gaussian' or 'constant', received '${String(mode)}'`);
    const sigmaOptions = options.sigmaScale === undefined ? {} : { sigmaScale: options.sigmaScale };
    let separable: [Float64Array, Float64Array, Float64Array] | undefined;
    if (mode === 'gaussian') {
      const scale = options.sigmaScale ?? 1 / 8;
      if (!(scale > 0 && Number.isFinite(scale))) throw new InvalidArgumentError(`PatchStitcher: sigmaScale must be a positive number, received ${scale}`);
      const g = this.patchSize.map((n) => gaussian1d(n, scale)) as [Float64Array, Float64Array, Float64Array];
      // Without truncation zeros the map is exactly the product of the axes (its maximum is 1 at the centre).
      if (g.every((axis) => axis.every((x) => x > 0))) separable = g;
    }
    this.separable = separable;
    this.weights = mode === 'gaussian' && !separable ? gaussianImportanceMap(this.patchSize, sigmaOptions) : undefined;
    const n = this.dims[0] * this.dims[1] * this.dims[2];
    this.sum = new Float32Array(n);
    this.weightSum = new Float32Array(n);
  }

  /**
   * Accumulates one patch prediction whose first voxel is `origin` (x, y, z, may be negative).
   * @param values - `patchSize[0]·patchSize[1]·patchSize[2]` values, x fastest
   */
  add(origin: readonly number[], values: Float32Array): void {
    const o = checkIntTriple(origin, 'PatchStitcher.add', 'origin');
    const [bx, by, bz] = this.patchSize;
    if (values.length !== bx * by * bz) {
      throw new ShapeMismatchError(`PatchStitcher.add: expected ${bx * by * bz} values for a patch of [${this.patchSize.join(', ')}], received ${values.length}`);
    }
    const [nx, ny, nz] = this.dims;
    const x0 = Math.max(0, -o[0]);
    const x1 = Math.min(bx, nx - o[0]);
    if (x1 <= x0) return;
    const w = this.weights;
    const sep = this.separable;
    const sum = this.sum;
    const ws = this.weightSum;
    for (let k = 0; k < bz; k++) {
      const z = o[2] + k;
      if (z < 0 || z >= nz) continue;
      for (let j = 0; j < by; j++) {
        const y = o[1] + j;
        if (y < 0 || y >= ny) continue;
        const q = bx * (j + by * k);
        const p = o[0] + nx * (y + ny * z);
        if (sep) {
          // Separable weights: a row factor times the x profile (no full-map read).
          const gx = sep[0];
          const gyz = sep[1][j] * sep[2][k];
          for (let i = x0; i < x1; i++) {
            const wi = gx[i] * gyz;
            sum[p + i] += wi * values[q + i];
            ws[p + i] += wi;
          }
        } else if (w) {
          for (let i = x0; i < x1; i++) {
            const wi = w[q + i];
            sum[p + i] += wi * values[q + i];
            ws[p + i] += wi;
          }
        } else {
          for (let i = x0; i < x1; i++) {
            sum[p + i] += values[q + i];
            ws[p + i] += 1;
          }
        }
      }
    }
  }

  /** The blended volume (x fastest, `dims`): weighted average of the patches; 0 where no patch reached. */
  result(): Float32Array {
    const n = this.sum.length;
    const out = new Float32Array(n);
    const sum = this.sum;
    const ws = this.weightSum;
    for (let i = 0; i < n; i++) out[i] = ws[i] > 0 ? sum[i] / ws[i] : 0;
    return out;
  }

  /** The summed weights per voxel (x fastest): 0 marks voxels no patch covered. A copy. */
  coverage(): Float32Array {
    return this.weightSum.slice();
  }
}
