import { InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import type * as tf from '@tensorflow/tfjs';

/** A positive integer or throws `InvalidArgumentError` naming `where` and `field`. */
export function positiveInt(value: unknown, where: string, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${where}: ${field} must be a positive integer, received ${JSON.stringify(value)}`);
  }
  return value;
}

/** A number or a [d, h, w] triple of positive integers, as a triple. */
export function positiveTriple(value: unknown, where: string, field: string): [number, number, number] {
  if (typeof value === 'number') {
    const v = positiveInt(value, where, field);
    return [v, v, v];
  }
  if (!Array.isArray(value) || value.length !== 3) {
    throw new InvalidArgumentError(
      `${where}: ${field} must be a positive integer or a [d, h, w] triple of them, received ${JSON.stringify(value)}`,
    );
  }
  return [
    positiveInt(value[0], where, `${field}[0] (d)`),
    positiveInt(value[1], where, `${field}[1] (h)`),
    positiveInt(value[2], where, `${field}[2] (w)`),
  ];
}

/** A finite number in [min, max] (inclusive unless `open`). */
export function numberIn(value: unknown, where: string, field: string, min: number, max: number, openMin = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value > max || (openMin ? value <= min : value < min)) {
    throw new InvalidArgumentError(
      `${where}: ${field} must be a number in ${openMin ? '(' : '['}${min}, ${max}], received ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** One of the allowed string values. */
export function oneOf<T extends string>(value: unknown, where: string, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `${where}: ${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, received ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

/** A boolean. */
export function bool(value: unknown, where: string, field: string): boolean {
  if (typeof value !== 'boolean') {
    throw new InvalidArgumentError(`${where}: ${field} must be a boolean, received ${JSON.stringify(value)}`);
  }
  return value;
}

/** Exactly one shape out of `Shape | Shape[]`. */
export function oneShape(inputShape: tf.Shape | tf.Shape[], where: string): tf.Shape {
  if (Array.isArray(inputShape[0])) {
    const shapes = inputShape as tf.Shape[];
    if (shapes.length !== 1) {
      throw new ShapeMismatchError(`${where}: expects exactly one input, received ${shapes.length}`);
    }
    return shapes[0];
  }
  return inputShape as tf.Shape;
}

/** Checks a 5-D NDHWC shape with a known channel count; returns the channel count. */
export function ndhwcChannels(shape: tf.Shape, where: string): number {
  if (shape.length !== 5) {
    throw new ShapeMismatchError(
      `${where}: expects a 5-D input [batch, depth, height, width, channels] (NDHWC), received shape ${JSON.stringify(shape)}`,
    );
  }
  const c = shape[4];
  if (c == null || c < 1) {
    throw new ShapeMismatchError(`${where}: the channel axis (last) must be known, received shape ${JSON.stringify(shape)}`);
  }
  return c;
}
