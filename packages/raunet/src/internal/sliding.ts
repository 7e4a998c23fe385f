import type { Volume } from '@raunet/core';
import { extractPatch, PatchStitcher, slidingWindowGrid } from '@raunet/preprocess';
import type { PatchPredictor } from '../patch-predictor.js';

/** Options of the sliding-window probability map. */
export interface SlidingOptions {
  patchSize: [number, number, number];
  overlap: number;
  /** Patches per model call, flipped copies included; `'auto'` = {@link autoBatchSize}. */
  batchSize: number | 'auto';
  flipTta: boolean;
  sigmaScale: number;
  blending: 'gaussian' | 'constant';
  /**
   * Run windows only where some voxel reaches this value: on each axis where it takes fewer windows, the
   * grid covers just the bounding box of the voxels at or above it, and windows with no such voxel are not
   * run. Voxels no window reached get probability 0. Undefined runs the whole grid.
   */
  skipBelow?: number;
  /** The window origins, when already computed by {@link windowOrigins} with these options. */
  origins?: [number, number, number][];
  onPatch?: (done: number, total: number) => void;
}

/** The origins of the windows {@link slidingWindowProbability} runs on `image` with these options. */
export function windowOrigins(image: Volume, options: Pick<SlidingOptions, 'patchSize' | 'overlap' | 'skipBelow'>): [number, number, number][] {
  return options.skipBelow === undefined
    ? slidingWindowGrid(image.dims, options.patchSize, { overlap: options.overlap }).origins
    : windowsReaching(image, options.patchSize, options.overlap, options.skipBelow);
}

/** Bounding box [min, max] per axis (x, y, z) of the voxels at or above `value`; undefined when there is none. */
function boxReaching(image: Volume, value: number): [number, number][] | undefined {
  const [nx, ny, nz] = image.dims;
  const d = image.data as ArrayLike<number>;
  const lo = [nx, ny, nz];
  const hi = [-1, -1, -1];
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (!(d[i] >= value)) continue;
        if (x < lo[0]) lo[0] = x;
        if (x > hi[0]) hi[0] = x;
        if (y < lo[1]) lo[1] = y;
        if (y > hi[1]) hi[1] = y;
        if (z < lo[2]) lo[2] = z;
        if (z > hi[2]) hi[2] = z;
      }
  return hi[0] < 0 ? undefined : [0, 1, 2].map((a): [number, number] => [lo[a], hi[a]]);
}

/**
 * The window origins of {@link SlidingOptions.skipBelow}: per axis, the positions of a grid over the bounding
 * box of the voxels reaching `value` (shifted to the box, kept inside the volume) when they are fewer than the
 * whole volume's, else the whole volume's; then only the windows holding such a voxel.
 */
export function windowsReaching(image: Volume, size: readonly number[], overlap: number, value: number): [number, number, number][] {
  const box = boxReaching(image, value);
  if (!box) return [];
  const full = slidingWindowGrid(image.dims, size, { overlap });
  const inBox = slidingWindowGrid(box.map(([a, b]) => b - a + 1), size, { overlap });
  const axisPositions = (grid: typeof full, a: number): number[] => {
    const stride = [1, grid.steps[0], grid.steps[0] * grid.steps[1]][a];
    return Array.from({ length: grid.steps[a] }, (_, s) => grid.origins[s * stride][a]);
  };
  const positions = [0, 1, 2].map((a) => {
    if (inBox.steps[a] >= full.steps[a]) return axisPositions(full, a);
    const n = image.dims[a];
    const last = Math.max(0, n - size[a]);
    return axisPositions(inBox, a).map((o) => Math.min(last, Math.max(0, o + box[a][0])));
  });
  const origins: [number, number, number][] = [];
  for (const z of positions[2]) for (const y of positions[1]) for (const x of positions[0]) origins.push([x, y, z]);
  return origins.filter((o) => windowReaches(image, o, size, value));
}

/** Whether some voxel of the window at `origin` (clipped to the volume) is at or above `value`. */
function windowReaches(image: Volume, origin: readonly number[], size: readonly number[], value: number): boolean {
  const [nx, ny, nz] = image.dims;
  const d = image.data as ArrayLike<number>;
  const x0 = Math.max(0, origin[0]);
  const x1 = Math.min(nx, origin[0] + size[0]);
  for (let z = Math.max(0, origin[2]); z < Math.min(nz, origin[2] + size[2]); z++) {
    for (let y = Math.max(0, origin[1]); y < Math.min(ny, origin[1] + size[1]); y++) {
      const row = nx * (y + ny * z);
      for (let x = x0; x < x1; x++) if (d[row + x] >= value) return true;
    }
  }
  return false;
}

/**
 * The sliding-window settings of prediction and of validation during training when nothing else is given:
 * half-patch overlap, as many patches per model call as {@link autoBatchSize} allows, no flip TTA, Gaussian
 * blending with σ = patch/8, and the mask threshold 0.5.
 */
export const SLIDING_DEFAULTS = {
  overlap: 0.5,
  batchSize: 'auto',
  flipTta: false,
  sigmaScale: 0.125,
  blending: 'gaussian',
  threshold: 0.5,
} as const satisfies Omit<SlidingOptions, 'patchSize' | 'onPatch' | 'skipBelow'> & { threshold: number };

/** Input voxels per model call of {@link autoBatchSize}: two patches of the paper's 192x192x32. */
const AUTO_BATCH_VOXELS = 2 * 192 * 192 * 32;
/**
 * Most patches per model call of {@link autoBatchSize}: past this, bigger calls gain little (wall time per patch
 * of the LIDC model on the native kernels: 53 ms in calls of 4, 48 ms of 8, 46.5 ms of 16)
 * and the activations grow with the call (at 16 patches of 48x48x16 with 16 channels, 38 MB per tensor).
 * The RA block's attention no longer bounds it: its kernel never forms the [L, L] logits.
 */
const AUTO_BATCH_MAX = 16;

/**
 * Patches per model call when none is asked for: as many as fit in the input voxels of two patches of the
 * paper's size (2 for 192x192x32), at most 16 (16 for 48x48x16 or 192x192x1). Small patches are too cheap per
 * call for the per-call overhead of the layers (measured on the shipped LIDC model: CPU time per patch 210 ms
 * alone, 163 ms in calls of 4).
 */
export function autoBatchSize(patchSize: readonly [number, number, number]): number {
  const voxels = patchSize[0] * patchSize[1] * patchSize[2];
  return Math.max(1, Math.min(AUTO_BATCH_MAX, Math.floor(AUTO_BATCH_VOXELS / voxels)));
}

/** The binary mask of a probability map: 1 where `p >= threshold`, else 0. */
export function thresholdProbability(p: ArrayLike<number>, threshold: number): Uint8Array<ArrayBuffer> {
  const mask = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) mask[i] = p[i] >= threshold ? 1 : 0;
  return mask;
}

/**
 * A copy of `count` NDHWC patches (`[count, z, y, x, channels]`, x fastest within a voxel's channels)
 * reversed along the given tensor axes (1 = z, 2 = y, 3 = x). Flipping twice restores the input.
 */
export function flipPatches(src: Float32Array, count: number, size: [number, number, number], channels: number, axes: readonly number[]): Float32Array {
  const [nx, ny, nz] = size;
  const fz = axes.includes(1);
  const fy = axes.includes(2);
  const fx = axes.includes(3);
  const out = new Float32Array(src.length);
  const row = nx * channels;
  for (let b = 0; b < count; b++) {
    const base = b * nz * ny * row;
    for (let z = 0; z < nz; z++) {
      const zs = fz ? nz - 1 - z : z;
      for (let y = 0; y < ny; y++) {
        const ys = fy ? ny - 1 - y : y;
        const dst = base + (z * ny + y) * row;
        const from = base + (zs * ny + ys) * row;
        if (!fx) {
          out.set(src.subarray(from, from + row), dst);
          continue;
        }
        for (let x = 0; x < nx; x++) {
          const s0 = from + (nx - 1 - x) * channels;
          const d0 = dst + x * channels;
          for (let c = 0; c < channels; c++) out[d0 + c] = src[s0 + c];
        }
      }
    }
  }
  return out;
}

/**
 * Flips of test-time augmentation for a patch size: none, then each NDHWC axis (1 = z, 2 = y, 3 = x) along
 * which the patch has more than one voxel (a flip along a one-voxel axis is the patch itself: a 2D patch
 * gets three views, not the same view twice).
 */
export function ttaFlips(patchSize: readonly [number, number, number]): number[][] {
  const [nx, ny, nz] = patchSize;
  return [[], ...[[1, nz], [2, ny], [3, nx]].filter(([, n]) => n > 1).map(([axis]) => [axis])];
}

/**
 * Probability map of a normalized volume: the model runs on a regular grid of patches (`overlap`
 * fraction of the patch size shared by neighbours), `batchSize` patches per call (a window's flipped copies
 * for test-time augmentation in the same call), and the outputs
 * are blended with a Gaussian importance map. Returns the map on the volume's own grid (x fastest).
 */
export async function slidingWindowProbability(predictor: PatchPredictor, image: Volume, options: SlidingOptions): Promise<Float32Array> {
  const size = options.patchSize;
  const origins = options.origins ?? windowOrigins(image, options);
  const stitcher = new PatchStitcher(image.dims, size, { sigmaScale: options.sigmaScale, mode: options.blending });
  let padValue = Infinity;
  for (let i = 0; i < image.data.length; i++) {
    const v = Number(image.data[i]);
    if (v < padValue) padValue = v;
  }
  const patchVoxels = size[0] * size[1] * size[2];
  const flips = options.flipTta ? ttaFlips(size) : [[]];
  const perCall = options.batchSize === 'auto' ? autoBatchSize(size) : options.batchSize;
  // Whole windows with all their flipped copies per model call when the batch allows; otherwise one window
  // per call and its flips spread over several calls, so no call exceeds the batch.
  const flipsPerCall = Math.min(flips.length, perCall);
  const windowsPerCall = Math.max(1, Math.floor(perCall / flips.length));
  for (let start = 0; start < origins.length; start += windowsPerCall) {
    const chunk = origins.slice(start, start + windowsPerCall);
    const n = chunk.length;
    const data = new Float32Array(n * patchVoxels);
    chunk.forEach((origin, b) => data.set(extractPatch(image, origin, size, { padValue }), b * patchVoxels));
    let values: Float32Array | undefined;
    for (let first = 0; first < flips.length; first += flipsPerCall) {
      const group = flips.slice(first, first + flipsPerCall);
      // Flips are done on the typed arrays (the cpu backend's 5-D reverse is a slow per-element loop).
      const input = group.length === 1 && group[0].length === 0 ? data : new Float32Array(group.length * data.length);
      if (input !== data) group.forEach((axes, f) => input.set(axes.length ? flipPatches(data, n, size, 1, axes) : data, f * data.length));
      const raw = await predictor.predictPatches(input, group.length * n);
      // A macrotask turn after each model call: tfjs's cpu kernels are synchronous (`data()` resolves at
      // once), so without it a whole volume blocks the event loop: timers starve (a job queue's lock
      // renewal, whose job is then taken over as if its worker had died; a page's rendering).
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
      const part = raw.length / group.length;
      const channels = part / (n * patchVoxels);
      group.forEach((axes, f) => {
        const out = raw.subarray(f * part, (f + 1) * part);
        const back = axes.length ? flipPatches(out, n, size, channels, axes) : out;
        if (!values) values = Float32Array.from(back);
        else for (let i = 0; i < values.length; i++) values[i] += back[i];
      });
    }
    const sum = values!;
    if (flips.length > 1) for (let i = 0; i < sum.length; i++) sum[i] /= flips.length;
    chunk.forEach((origin, b) => stitcher.add(origin, sum.subarray(b * patchVoxels, (b + 1) * patchVoxels)));
    options.onPatch?.(Math.min(start + n, origins.length), origins.length);
  }
  return stitcher.result();
}
