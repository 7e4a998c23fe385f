import * as tf from '@tensorflow/tfjs';
import type { Volume } from '@raunet/core';
import { extractPatch, PatchStitcher, slidingWindowGrid } from '@raunet/preprocess';
import { batchTensor } from './bridge.js';

/** Options of the sliding-window probability map. */
export interface SlidingOptions {
  patchSize: [number, number, number];
  overlap: number;
  batchSize: number;
  flipTta: boolean;
  sigmaScale: number;
  blending: 'gaussian' | 'constant';
  onPatch?: (done: number, total: number) => void;
}

/**
 * The sliding-window settings of prediction and of validation during training when nothing else is given:
 * half-patch overlap, 2 patches per model call, no flip TTA, Gaussian blending with σ = patch/8, and the
 * mask threshold 0.5.
 */
export const SLIDING_DEFAULTS = {
  overlap: 0.5,
  batchSize: 2,
  flipTta: false,
  sigmaScale: 0.125,
  blending: 'gaussian',
  threshold: 0.5,
} as const satisfies Omit<SlidingOptions, 'patchSize' | 'onPatch'> & { threshold: number };

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

/** Axes of the NDHWC batch tensor flipped by test-time augmentation: none, z, y, x. */
const FLIPS: number[][] = [[], [1], [2], [3]];

/**
 * Probability map of a normalized volume: the model runs on a regular grid of patches (`overlap`
 * fraction of the patch size shared by neighbours), `batchSize` patches per call, and the outputs
 * are blended with a Gaussian importance map. Returns the map on the volume's own grid (x fastest).
 */
export async function slidingWindowProbability(model: tf.LayersModel, image: Volume, options: SlidingOptions): Promise<Float32Array> {
  const size = options.patchSize;
  const { origins } = slidingWindowGrid(image.dims, size, { overlap: options.overlap });
  const stitcher = new PatchStitcher(image.dims, size, { sigmaScale: options.sigmaScale, mode: options.blending });
  let padValue = Infinity;
  for (let i = 0; i < image.data.length; i++) {
    const v = Number(image.data[i]);
    if (v < padValue) padValue = v;
  }
  const patchVoxels = size[0] * size[1] * size[2];
  const flips = options.flipTta ? FLIPS : [[]];
  for (let start = 0; start < origins.length; start += options.batchSize) {
    const chunk = origins.slice(start, start + options.batchSize);
    const data = new Float32Array(chunk.length * patchVoxels);
    chunk.forEach((origin, b) => data.set(extractPatch(image, origin, size, { padValue }), b * patchVoxels));
    // Flips are done on the typed arrays (the cpu backend's 5-D reverse is a slow per-element loop: it made
    // flip TTA 7x slower than one pass instead of 4x); each flip is its own model call, so memory stays that
    // of one pass.
    let values: Float32Array | undefined;
    for (const axes of flips) {
      const input = axes.length ? flipPatches(data, chunk.length, size, 1, axes) : data;
      const y = tf.tidy(() => model.predict(batchTensor(input, chunk.length, size)) as tf.Tensor);
      const raw = (await y.data()) as Float32Array;
      y.dispose();
      const channels = raw.length / (chunk.length * patchVoxels);
      const back = axes.length ? flipPatches(raw, chunk.length, size, channels, axes) : raw;
      if (!values) values = axes.length ? back : Float32Array.from(back);
      else for (let i = 0; i < values.length; i++) values[i] += back[i];
    }
    if (flips.length > 1) for (let i = 0; i < values!.length; i++) values![i] /= flips.length;
    chunk.forEach((origin, b) => stitcher.add(origin, values!.subarray(b * patchVoxels, (b + 1) * patchVoxels)));
    options.onPatch?.(Math.min(start + chunk.length, origins.length), origins.length);
  }
  return stitcher.result();
}
