import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import type * as tf from '@tensorflow/tfjs';
import { positiveTriple } from './validate.js';

/** Validates an optional `spatialShape` argument. */
export function checkSpatialShape(value: unknown, where: string): [number, number, number] | null {
  if (value == null) return null;
  return positiveTriple(value, where, 'spatialShape');
}

/**
 * The fixed [D, H, W] of an attention layer: the one from the arguments (checked against the input) or the
 * input's (which must then be fully known).
 */
export function resolveSpatialShape(fixed: [number, number, number] | null, shape: tf.Shape, where: string): [number, number, number] {
  const got = [shape[1], shape[2], shape[3]];
  if (fixed) {
    checkSpatialMatch(fixed, got, where);
    return fixed;
  }
  if (got.some((n) => n == null)) {
    throw new InvalidArgumentError(
      `${where}: the spatial size [D, H, W] must be known when the layer is built (the position code has one entry per voxel); ` +
        `received input shape ${JSON.stringify(shape)}. Give the model input a full shape or pass spatialShape.`,
    );
  }
  return got as [number, number, number];
}

/** Throws `ShapeMismatchError` when a known spatial size differs from the fixed one. */
export function checkSpatialMatch(fixed: readonly number[], got: readonly (number | null)[], where: string): void {
  for (let i = 0; i < 3; i++) {
    const g = got[i];
    if (g != null && g !== fixed[i]) {
      throw new ShapeMismatchError(
        `${where}: this layer was built for spatial size [D, H, W] = ${JSON.stringify(fixed)} (fixed by its position code), ` +
          `received an input with [D, H, W] = ${JSON.stringify(got)}`,
      );
    }
  }
}
