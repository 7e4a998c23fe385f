import * as tf from '@tensorflow/tfjs';
import { withDefaultName } from './internal/names.js';
import type { ConvPadding, InitializerSpec, LayerArgs } from './layer-args.js';
import type { Normalization3D } from './normalization-3d.js';
import type { Initializer } from './internal/initializers.js';
import { checkInitializer, resolveInitializer, serializeInitializer } from './internal/initializers.js';
import type { NormWeights } from './internal/norm.js';
import { NORM_KINDS, addNormWeights, applyNorm, checkGroups } from './internal/norm.js';
import { applyNormRelu } from './internal/norm-relu.js';
import { InvalidArgumentError } from '@raunet/core';
import { CONV_PADDINGS, convSame, convSymmetric, sameSize } from './internal/ops.js';
import { bool, ndhwcChannels, numberIn, oneOf, oneShape, positiveInt, positiveTriple } from './internal/validate.js';

/** Arguments of {@link ResidualBlock3D}. */
export interface ResidualBlock3DArgs extends LayerArgs {
  /** Output channels of both convolutions (and of the block). Required. */
  filters: number;
  /**
   * Kernel size of the two convolutions, one number or `[d, h, w]`.
   * @defaultValue 3
   */
  kernelSize?: number | [number, number, number];
  /**
   * Strides of the first convolution (and of the projection shortcut), one number or `[d, h, w]`.
   * The output size is `ceil(input / stride)` per axis with either {@link ResidualBlock3DArgs.padding}.
   * @defaultValue 1
   */
  strides?: number | [number, number, number];
  /**
   * Zero padding of the convolutions. `'symmetric'`: `floor(k / 2)` voxels on both sides of each axis
   * (PyTorch `padding=k//2`), so with a stride the output voxel i is centred on input voxel `i * stride`,
   * exactly where the strided 1x1x1 shortcut samples; kernel sizes must then be odd. `'same'`: TensorFlow
   * `'same'` (on an even size with stride 2 it pads 0 before and 1 after, so the strided convolution is
   * centred one voxel after the shortcut's sample). Both are identical without a stride.
   * A config deserialized without this field (a layer saved before it existed) gets `'same'`, so saved
   * models predict as before.
   * @defaultValue 'symmetric'
   */
  padding?: ConvPadding;
  /**
   * Normalization after each convolution and after the projection shortcut.
   * @defaultValue 'batch'
   */
  normalization?: Normalization3D;
  /**
   * Channel groups when `normalization` is `'group'` (must divide `filters`).
   * @defaultValue 8
   */
  groups?: number;
  /**
   * Batch-norm moving-average momentum (Keras convention, see {@link BatchNorm3DArgs.momentum}).
   * @defaultValue 0.99
   */
  momentum?: number;
  /**
   * Normalization epsilon (added to the variance).
   * @defaultValue 1e-5 (PyTorch, MONAI, nnU-Net)
   */
  epsilon?: number;
  /**
   * Add a bias to the convolutions. Redundant before a normalization with an offset.
   * @defaultValue `true` when `normalization` is `'none'`, otherwise `false`
   */
  useBias?: boolean;
  /**
   * Initializer of the convolution kernels (layout `[kd, kh, kw, in, out]`, as tf.layers.conv3d).
   * @defaultValue 'heNormal'
   */
  kernelInitializer?: InitializerSpec;
}

/**
 * A 3D residual block (He et al., basic block) on NDHWC input:
 * `y = relu(norm2(conv2(relu(norm1(conv1(x))))) + shortcut(x))`, where both convolutions are
 * `kernelSize` (3x3x3) with symmetric zero padding (see {@link ResidualBlock3DArgs.padding}), the first one strided, and `shortcut(x)` is `x` when the
 * channel count and strides are unchanged, otherwise `norm(conv1x1x1(x, strides))`.
 *
 * The block owns its weights (`conv1_kernel`, `norm1_gamma`, `norm1_beta`, `norm1_moving_mean`, …,
 * `shortcut_kernel`, `shortcut_norm_*`) and calls tf ops directly, so it saves and loads as one layer.
 * Batch normalization uses batch statistics and updates its moving statistics when called with
 * `training: true` (as in `model.fit`).
 *
 * @example
 * ```ts
 * const x = tf.input({ shape: [16, 32, 32, 1] });
 * const y = residualBlock3D({ filters: 16 }).apply(x) as tf.SymbolicTensor; // [null, 16, 32, 32, 16]
 * const down = residualBlock3D({ filters: 32, strides: 2 }).apply(y); // [null, 8, 16, 16, 32]
 * ```
 */
export class ResidualBlock3D extends tf.layers.Layer {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>ResidualBlock3D';
  /** Output channels. */
  readonly filters: number;
  /** Kernel size `[d, h, w]`. */
  readonly kernelSize: [number, number, number];
  /** Strides `[d, h, w]` of the first convolution and the shortcut. */
  readonly strides: [number, number, number];
  /** Zero padding of the convolutions. */
  readonly padding: ConvPadding;
  /** Normalization kind. */
  readonly normalization: Normalization3D;
  /** Groups of group normalization. */
  readonly groups: number;
  /** Batch-norm momentum. */
  readonly momentum: number;
  /** Normalization epsilon. */
  readonly epsilon: number;
  /** Whether the convolutions have a bias. */
  readonly useBias: boolean;
  private readonly kernelInitializerSpec: InitializerSpec;
  private w: {
    k1: tf.LayerVariable;
    b1: tf.LayerVariable | null;
    n1: NormWeights;
    k2: tf.LayerVariable;
    b2: tf.LayerVariable | null;
    n2: NormWeights;
    ks: tf.LayerVariable | null;
    bs: tf.LayerVariable | null;
    ns: NormWeights | null;
  } | null = null;

  constructor(args: ResidualBlock3DArgs) {
    super(withDefaultName(args, 'residual_block_3d'));
    const where = 'ResidualBlock3D';
    this.filters = positiveInt(args?.filters, where, 'filters');
    this.kernelSize = positiveTriple(args.kernelSize ?? 3, where, 'kernelSize');
    this.strides = positiveTriple(args.strides ?? 1, where, 'strides');
    this.padding = oneOf(args.padding ?? 'symmetric', where, 'padding', CONV_PADDINGS);
    if (this.padding === 'symmetric' && this.kernelSize.some((k) => k % 2 === 0)) {
      throw new InvalidArgumentError(
        `${where}: padding 'symmetric' needs odd kernel sizes (the output must keep the shortcut's size), received kernelSize ${JSON.stringify(this.kernelSize)}`,
      );
    }
    this.normalization = oneOf(args.normalization ?? 'batch', where, 'normalization', NORM_KINDS);
    this.groups = positiveInt(args.groups ?? 8, where, 'groups');
    if (this.normalization === 'group') checkGroups(this.filters, this.groups, where);
    this.momentum = numberIn(args.momentum ?? 0.99, where, 'momentum', 0, 1);
    this.epsilon = numberIn(args.epsilon ?? 1e-5, where, 'epsilon', 0, Infinity, true);
    this.useBias = bool(args.useBias ?? this.normalization === 'none', where, 'useBias');
    this.kernelInitializerSpec = checkInitializer(args.kernelInitializer ?? 'heNormal', where, 'kernelInitializer');
  }

  /** True when the shortcut is a 1x1x1 projection (channels or strides change). */
  hasProjection(inputChannels: number): boolean {
    return inputChannels !== this.filters || this.strides.some((s) => s !== 1);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const cin = ndhwcChannels(oneShape(inputShape, this.name), this.name);
    this.inputSpec = [new tf.InputSpec({ ndim: 5, axes: { 4: cin } })];
    const init = resolveInitializer(this.kernelInitializerSpec);
    const f = this.filters;
    const [kd, kh, kw] = this.kernelSize;
    const add = (n: string, s: number[], i: Initializer, t: boolean): tf.LayerVariable =>
      this.addWeight(n, s, 'float32', i, undefined, t);
    const zeros = tf.initializers.zeros();
    const norm = (prefix: string): NormWeights =>
      addNormWeights(add, prefix, this.normalization, f, this.groups, { center: true, scale: true });
    const k1 = add('conv1_kernel', [kd, kh, kw, cin, f], init, true);
    const b1 = this.useBias ? add('conv1_bias', [f], zeros, true) : null;
    const n1 = norm('norm1_');
    const k2 = add('conv2_kernel', [kd, kh, kw, f, f], init, true);
    const b2 = this.useBias ? add('conv2_bias', [f], zeros, true) : null;
    const n2 = norm('norm2_');
    let ks: tf.LayerVariable | null = null;
    let bs: tf.LayerVariable | null = null;
    let ns: NormWeights | null = null;
    if (this.hasProjection(cin)) {
      ks = add('shortcut_kernel', [1, 1, 1, cin, f], init, true);
      bs = this.useBias ? add('shortcut_bias', [f], zeros, true) : null;
      ns = norm('shortcut_norm_');
    }
    this.w = { k1, b1, n1, k2, b2, n2, ks, bs, ns };
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = oneShape(inputShape, this.name);
    ndhwcChannels(s, this.name);
    return [s[0], sameSize(s[1], this.strides[0]), sameSize(s[2], this.strides[1]), sameSize(s[3], this.strides[2]), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const training = kwargs?.['training'] === true;
      const w = this.w!;
      const read = (v: tf.LayerVariable | null): tf.Tensor | null => (v ? v.read() : null);
      const conv = this.padding === 'symmetric' ? convSymmetric : convSame;
      let y = conv(x, w.k1.read(), read(w.b1), this.strides);
      y = applyNormRelu(y, w.n1, this, training);
      y = conv(y, w.k2.read(), read(w.b2), [1, 1, 1]);
      const shortcut = w.ks ? applyNorm(convSame(x, w.ks.read(), read(w.bs), this.strides), w.ns!, this, training) : x;
      return applyNormRelu(y, w.n2, this, training, shortcut);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      normalization: this.normalization,
      groups: this.groups,
      momentum: this.momentum,
      epsilon: this.epsilon,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializerSpec),
    };
  }

  /**
   * Creates the layer from a config (model loading). A config without `padding` (saved before the field
   * existed) gets `'same'`, the padding that layer was trained with.
   */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ ...config, padding: config['padding'] ?? 'same' });
  }
}
tf.serialization.registerClass(ResidualBlock3D);

/**
 * Creates a {@link ResidualBlock3D} layer.
 *
 * @example
 * ```ts
 * const block = residualBlock3D({ filters: 32, strides: 2, normalization: 'instance' });
 * ```
 */
export function residualBlock3D(args: ResidualBlock3DArgs): ResidualBlock3D {
  return new ResidualBlock3D(args);
}
