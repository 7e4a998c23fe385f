import { InvalidArgumentError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import { withDefaultName } from './internal/names.js';
import type { LayerArgs } from './layer-args.js';
import { ndhwcChannels, oneShape } from './internal/validate.js';

/** Zero padding `[[before, after] of D, of H, of W]` in voxels. */
export type Padding3D = [[number, number], [number, number], [number, number]];

/** Arguments of {@link ZeroPadding3D}. */
export interface ZeroPadding3DArgs extends LayerArgs {
  /**
   * Voxels of zeros added to the spatial axes (NDHWC: depth = z, height = y, width = x): one number for
   * both sides of all three axes, `[d, h, w]` for both sides of each axis, or
   * `[[dBefore, dAfter], [hBefore, hAfter], [wBefore, wAfter]]` (the Keras `ZeroPadding3D` forms).
   * @defaultValue 1
   */
  padding?: number | [number, number, number] | Padding3D;
}

function nonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(`ZeroPadding3D: ${field} must be a non-negative integer (voxels), received ${JSON.stringify(value)}`);
  }
  return value;
}

function resolvePadding(value: unknown): Padding3D {
  if (typeof value === 'number') {
    const p = nonNegativeInt(value, 'padding');
    return [
      [p, p],
      [p, p],
      [p, p],
    ];
  }
  if (!Array.isArray(value) || value.length !== 3) {
    throw new InvalidArgumentError(
      `ZeroPadding3D: padding must be a number, [d, h, w] or [[before, after] x 3] voxels, received ${JSON.stringify(value)}`,
    );
  }
  const axes = ['d', 'h', 'w'];
  return value.map((v: unknown, i): [number, number] => {
    if (Array.isArray(v)) {
      if (v.length !== 2) {
        throw new InvalidArgumentError(`ZeroPadding3D: padding[${i}] (${axes[i]}) must be [before, after], received ${JSON.stringify(v)}`);
      }
      return [nonNegativeInt(v[0], `padding[${i}][0] (${axes[i]} before)`), nonNegativeInt(v[1], `padding[${i}][1] (${axes[i]} after)`)];
    }
    const p = nonNegativeInt(v, `padding[${i}] (${axes[i]})`);
    return [p, p];
  }) as Padding3D;
}

/**
 * Pads the spatial axes of a 5-D NDHWC tensor `[batch, depth, height, width, channels]` with zeros
 * (Keras `ZeroPadding3D`, which tfjs 4.22 lacks). Followed by a `'valid'` convolution it gives a
 * convolution with explicit padding, e.g. PyTorch's `Conv3d(kernel_size=3, stride=2, padding=1)` as
 * `zeroPadding3D({ padding: 1 })` then `tf.layers.conv3d({ kernelSize: 3, strides: 2, padding: 'valid' })`:
 * output voxel i is then centred on input voxel `2i` on every size, where TF `'same'` centres it on
 * `2i + 1` for even sizes. No weights. Output shape
 * `[batch, depth + dBefore + dAfter, height + hBefore + hAfter, width + wBefore + wAfter, channels]`.
 *
 * @example
 * ```ts
 * const x = tf.input({ shape: [32, 192, 192, 16] });
 * const padded = zeroPadding3D({ padding: [1, 1, 1] }).apply(x); // [null, 34, 194, 194, 16]
 * const down = tf.layers.conv3d({ filters: 16, kernelSize: 3, strides: 2, padding: 'valid' }).apply(padded);
 * // [null, 16, 96, 96, 16]
 * ```
 */
export class ZeroPadding3D extends tf.layers.Layer {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>ZeroPadding3D';
  /** Padding `[[before, after] of D, of H, of W]` in voxels. */
  readonly padding: Padding3D;

  constructor(args: ZeroPadding3DArgs = {}) {
    super(withDefaultName(args, 'zero_padding_3d'));
    this.padding = resolvePadding(args.padding ?? 1);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    ndhwcChannels(oneShape(inputShape, this.name), this.name);
    this.inputSpec = [new tf.InputSpec({ ndim: 5 })];
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = oneShape(inputShape, this.name);
    ndhwcChannels(s, this.name);
    const grow = (n: number | null, [b, a]: [number, number]): number | null => (n == null ? null : n + b + a);
    return [s[0], grow(s[1], this.padding[0]), grow(s[2], this.padding[1]), grow(s[3], this.padding[2]), s[4]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      ndhwcChannels(x.shape, this.name);
      if (this.padding.every(([b, a]) => b === 0 && a === 0)) return tf.clone(x);
      return tf.pad(x, [[0, 0], ...this.padding, [0, 0]]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding.map((p) => [...p]) };
  }
}
tf.serialization.registerClass(ZeroPadding3D);

/**
 * Creates a {@link ZeroPadding3D} layer.
 *
 * @example
 * ```ts
 * const pad = zeroPadding3D({ padding: [0, 1, 1] }); // H and W by one voxel on each side, D unpadded
 * ```
 */
export function zeroPadding3D(args: ZeroPadding3DArgs = {}): ZeroPadding3D {
  return new ZeroPadding3D(args);
}
