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
    const out = tf.tidy(() => {
      const x = batchTensor(data, chunk.length, size);
      let sum: tf.Tensor | undefined;
      for (const axes of flips) {
        const input = axes.length ? tf.reverse(x, axes) : x;
        let y = model.predict(input) as tf.Tensor;
        if (axes.length) y = tf.reverse(y, axes);
        sum = sum ? tf.add(sum, y) : y;
      }
      return flips.length > 1 ? tf.div(sum!, flips.length) : sum!;
    });
    const values = (await out.data()) as Float32Array;
    out.dispose();
    chunk.forEach((origin, b) => stitcher.add(origin, values.subarray(b * patchVoxels, (b + 1) * patchVoxels)));
    options.onPatch?.(Math.min(start + chunk.length, origins.length), origins.length);
  }
  return stitcher.result();
}
