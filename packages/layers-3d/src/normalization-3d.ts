import * as tf from '@tensorflow/tfjs';
import { withDefaultName } from './internal/names.js';
import type { LayerArgs } from './layer-args.js';
import type { AddWeight, NormKind, NormWeights } from './internal/norm.js';
import { addNormWeights, applyNorm, checkGroups } from './internal/norm.js';
import { bool, ndhwcChannels, numberIn, oneShape, positiveInt } from './internal/validate.js';

/**
 * Normalization used inside {@link ResidualBlock3D} and {@link RABlock3D}: `'batch'` ({@link BatchNorm3D}),
 * `'instance'` ({@link InstanceNorm3D}), `'group'` ({@link GroupNorm3D}) or `'none'`.
 */
export type Normalization3D = 'batch' | 'instance' | 'group' | 'none';

/** Arguments shared by the three 3D normalization layers. */
export interface Norm3DArgs extends LayerArgs {
  /**
   * Added to the variance before the square root. Stored in the config, so a saved layer keeps the
   * value it was built with (layers saved under the former default carry 1e-3).
   * @defaultValue 1e-5 (PyTorch, MONAI and nnU-Net; tfjs-layers' BatchNormalization uses 1e-3)
   */
  epsilon?: number;
  /**
   * Learn an offset `beta` per channel (initialized to 0).
   * @defaultValue true
   */
  center?: boolean;
  /**
   * Learn a scale `gamma` per channel (initialized to 1).
   * @defaultValue true
   */
  scale?: boolean;
}

/** Arguments of {@link BatchNorm3D}. */
export interface BatchNorm3DArgs extends Norm3DArgs {
  /**
   * Moving-average momentum, Keras convention: `moving = moving * momentum + batch * (1 - momentum)`
   * (PyTorch's `momentum=0.1` is `0.9` here).
   * @defaultValue 0.99
   */
  momentum?: number;
}

/** Arguments of {@link InstanceNorm3D}. */
export type InstanceNorm3DArgs = Norm3DArgs;

/** Arguments of {@link GroupNorm3D}. */
export interface GroupNorm3DArgs extends Norm3DArgs {
  /**
   * Number of channel groups; must divide the channel count.
   * @defaultValue 8
   */
  groups?: number;
}

interface CommonNorm {
  epsilon: number;
  center: boolean;
  scale: boolean;
}

function commonArgs(args: Norm3DArgs, where: string): CommonNorm {
  return {
    epsilon: numberIn(args.epsilon ?? 1e-5, where, 'epsilon', 0, Infinity, true),
    center: bool(args.center ?? true, where, 'center'),
    scale: bool(args.scale ?? true, where, 'scale'),
  };
}

function buildNorm(
  layer: tf.layers.Layer,
  add: AddWeight,
  inputShape: tf.Shape | tf.Shape[],
  kind: NormKind,
  groups: number,
  common: CommonNorm,
): NormWeights {
  const channels = ndhwcChannels(oneShape(inputShape, layer.name), layer.name);
  if (kind === 'group') checkGroups(channels, groups, layer.name);
  layer.inputSpec = [new tf.InputSpec({ ndim: 5, axes: { 4: channels } })];
  return addNormWeights(add, '', kind, channels, groups, common);
}

function sameShape(layer: tf.layers.Layer, inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  const s = oneShape(inputShape, layer.name);
  ndhwcChannels(s, layer.name);
  return s;
}

/**
 * Batch normalization of a 5-D NDHWC tensor over (batch, D, H, W) per channel, with learnable `gamma`/`beta`
 * and moving mean/variance (tfjs 4.22's own batchNormalization throws on 5-D input). With `training: true`
 * (inside `model.fit`, `trainOnBatch`, or `layer.apply(x, { training: true })` in a custom loop) it uses
 * batch statistics and updates the moving statistics, imperatively like tfjs-layers' BatchNormalization;
 * otherwise it uses the moving statistics. Weights: `gamma`, `beta`, `moving_mean`, `moving_variance`.
 *
 * @example
 * ```ts
 * const bn = batchNorm3D({ momentum: 0.9 });
 * const y = bn.apply(x, { training: true }) as tf.Tensor; // x: [b, D, H, W, C]
 * ```
 */
export class BatchNorm3D extends tf.layers.Layer {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>BatchNorm3D';
  /** Moving-average momentum (Keras convention). */
  readonly momentum: number;
  /** Variance epsilon. */
  readonly epsilon: number;
  /** Whether `beta` is learnt. */
  readonly center: boolean;
  /** Whether `gamma` is learnt. */
  readonly scale: boolean;
  private norm: NormWeights | null = null;

  constructor(args: BatchNorm3DArgs = {}) {
    super(withDefaultName(args, 'batch_norm_3d'));
    const c = commonArgs(args, 'BatchNorm3D');
    this.epsilon = c.epsilon;
    this.center = c.center;
    this.scale = c.scale;
    this.momentum = numberIn(args.momentum ?? 0.99, 'BatchNorm3D', 'momentum', 0, 1);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.norm = buildNorm(this, (n, s, i, t) => this.addWeight(n, s, 'float32', i, undefined, t), inputShape, 'batch', 1, this);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return sameShape(this, inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return applyNorm(x, this.norm!, this, kwargs?.['training'] === true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}
tf.serialization.registerClass(BatchNorm3D);

/**
 * Instance normalization of a 5-D NDHWC tensor: per sample and channel over (D, H, W), with learnable
 * per-channel `gamma`/`beta`; identical in training and inference (PyTorch `InstanceNorm3d(affine=True)`).
 *
 * @example
 * ```ts
 * const y = instanceNorm3D().apply(x) as tf.Tensor; // x: [b, D, H, W, C]
 * ```
 */
export class InstanceNorm3D extends tf.layers.Layer {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>InstanceNorm3D';
  /** Variance epsilon. */
  readonly epsilon: number;
  /** Whether `beta` is learnt. */
  readonly center: boolean;
  /** Whether `gamma` is learnt. */
  readonly scale: boolean;
  private norm: NormWeights | null = null;

  constructor(args: InstanceNorm3DArgs = {}) {
    super(withDefaultName(args, 'instance_norm_3d'));
    const c = commonArgs(args, 'InstanceNorm3D');
    this.epsilon = c.epsilon;
    this.center = c.center;
    this.scale = c.scale;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.norm = buildNorm(this, (n, s, i, t) => this.addWeight(n, s, 'float32', i, undefined, t), inputShape, 'instance', 1, this);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return sameShape(this, inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => applyNorm(Array.isArray(inputs) ? inputs[0] : inputs, this.norm!, { epsilon: this.epsilon, momentum: 0 }, false));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}
tf.serialization.registerClass(InstanceNorm3D);

/**
 * Group normalization (Wu and He, 2018) of a 5-D NDHWC tensor: per sample and group of `channels / groups`
 * consecutive channels over (D, H, W, channels of the group), with learnable per-channel `gamma`/`beta`;
 * identical in training and inference (PyTorch `GroupNorm`).
 *
 * @example
 * ```ts
 * const y = groupNorm3D({ groups: 4 }).apply(x) as tf.Tensor; // x: [b, D, H, W, 16]
 * ```
 */
export class GroupNorm3D extends tf.layers.Layer {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>GroupNorm3D';
  /** Number of channel groups. */
  readonly groups: number;
  /** Variance epsilon. */
  readonly epsilon: number;
  /** Whether `beta` is learnt. */
  readonly center: boolean;
  /** Whether `gamma` is learnt. */
  readonly scale: boolean;
  private norm: NormWeights | null = null;

  constructor(args: GroupNorm3DArgs = {}) {
    super(withDefaultName(args, 'group_norm_3d'));
    const c = commonArgs(args, 'GroupNorm3D');
    this.epsilon = c.epsilon;
    this.center = c.center;
    this.scale = c.scale;
    this.groups = positiveInt(args.groups ?? 8, 'GroupNorm3D', 'groups');
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.norm = buildNorm(
      this,
      (n, s, i, t) => this.addWeight(n, s, 'float32', i, undefined, t),
      inputShape,
      'group',
      this.groups,
      this,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return sameShape(this, inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => applyNorm(Array.isArray(inputs) ? inputs[0] : inputs, this.norm!, { epsilon: this.epsilon, momentum: 0 }, false));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}
tf.serialization.registerClass(GroupNorm3D);

/**
 * Creates a {@link BatchNorm3D} layer.
 *
 * @example
 * ```ts
 * const bn = batchNorm3D(); // momentum 0.99, epsilon 1e-5
 * ```
 */
export function batchNorm3D(args: BatchNorm3DArgs = {}): BatchNorm3D {
  return new BatchNorm3D(args);
}

/**
 * Creates an {@link InstanceNorm3D} layer.
 *
 * @example
 * ```ts
 * const norm = instanceNorm3D({ epsilon: 1e-5 });
 * ```
 */
export function instanceNorm3D(args: InstanceNorm3DArgs = {}): InstanceNorm3D {
  return new InstanceNorm3D(args);
}

/**
 * Creates a {@link GroupNorm3D} layer.
 *
 * @example
 * ```ts
 * const norm = groupNorm3D({ groups: 4 });
 * ```
 */
export function groupNorm3D(args: GroupNorm3DArgs = {}): GroupNorm3D {
  return new GroupNorm3D(args);
}
