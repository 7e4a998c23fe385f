import * as tf from '@tensorflow/tfjs';
import { withDefaultName } from './internal/names.js';
import type { LayerArgs } from './layer-args.js';
import { upsample3D } from './internal/upsample-3d.js';
import { ndhwcChannels, oneOf, oneShape, positiveTriple } from './internal/validate.js';

/** Interpolation of {@link TrilinearUpSampling3D}. */
export type UpSamplingInterpolation3D = 'trilinear' | 'nearest';

/** Arguments of {@link TrilinearUpSampling3D}. */
export interface TrilinearUpSampling3DArgs extends LayerArgs {
  /**
   * Integer upsampling factor per spatial axis, one number for all three or `[d, h, w]`
   * (NDHWC input: depth = z, height = y, width = x).
   * @defaultValue 2
   */
  size?: number | [number, number, number];
  /**
   * `'trilinear'`: linear along each axis with half-pixel centres and edge clamping, the semantics of
   * PyTorch `F.interpolate(x, scale_factor=s, mode='trilinear', align_corners=False)`.
   * `'nearest'`: each voxel repeated (PyTorch `mode='nearest'` for integer factors).
   * @defaultValue 'trilinear'
   */
  interpolation?: UpSamplingInterpolation3D;
}

/**
 * Upsamples a 5-D NDHWC tensor `[batch, depth, height, width, channels]` by integer factors with trilinear
 * (or nearest) interpolation. tfjs 4.22 has no UpSampling3D layer and no 3D resize op; this layer is built
 * from differentiable ops (slices, weighted sums, stack, reshape, applied separably per axis), so it
 * trains on every backend. Output shape `[batch, depth*sd, height*sh, width*sw, channels]`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { trilinearUpSampling3D } from '@raunet/layers-3d';
 * const up = trilinearUpSampling3D({ size: [1, 2, 2] });
 * const y = up.apply(tf.zeros([1, 4, 8, 8, 16])) as tf.Tensor; // [1, 4, 16, 16, 16]
 * ```
 */
export class TrilinearUpSampling3D extends tf.layers.Layer {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>TrilinearUpSampling3D';
  /** Upsampling factors `[d, h, w]`. */
  readonly size: [number, number, number];
  /** Interpolation kind. */
  readonly interpolation: UpSamplingInterpolation3D;

  constructor(args: TrilinearUpSampling3DArgs = {}) {
    super(withDefaultName(args, 'trilinear_up_sampling_3d'));
    const where = 'TrilinearUpSampling3D';
    this.size = positiveTriple(args.size ?? 2, where, 'size');
    this.interpolation = oneOf(args.interpolation ?? 'trilinear', where, 'interpolation', ['trilinear', 'nearest'] as const);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = oneShape(inputShape, this.name);
    ndhwcChannels(shape, this.name);
    this.inputSpec = [new tf.InputSpec({ ndim: 5 })];
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = oneShape(inputShape, this.name);
    ndhwcChannels(s, this.name);
    const scale = (n: number | null, f: number): number | null => (n == null ? null : n * f);
    return [s[0], scale(s[1], this.size[0]), scale(s[2], this.size[1]), scale(s[3], this.size[2]), s[4]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      ndhwcChannels(x.shape, this.name);
      return upsample3D(x, this.size, this.interpolation);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: [...this.size], interpolation: this.interpolation };
  }
}
tf.serialization.registerClass(TrilinearUpSampling3D);

/**
 * Creates a {@link TrilinearUpSampling3D} layer (the tfjs-style lowercase factory).
 *
 * @example
 * ```ts
 * const up = trilinearUpSampling3D(); // x2 on D, H and W, trilinear
 * ```
 */
export function trilinearUpSampling3D(args: TrilinearUpSampling3DArgs = {}): TrilinearUpSampling3D {
  return new TrilinearUpSampling3D(args);
}
