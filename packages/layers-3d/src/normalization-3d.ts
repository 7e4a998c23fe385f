import * as tf from '@tensorflow/tfjs';
import { withDefaultName } from './internal/names.js';
import type { LayerArgs } from './layer-args.js';
import type { AddWeight, NormWeights } from './internal/norm.js';
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

/**
 * The shared body of {@link BatchNorm3D}, {@link InstanceNorm3D} and {@link GroupNorm3D}: one `build`,
 * `computeOutputShape`, `call` and `getConfig`. Instance normalization is group normalization with one group
 * per channel, so the two share one computation; batch normalization adds moving statistics. The subclasses
 * keep their own `className`, configs and weight names, so saved models are unchanged.
 */
export abstract class Norm3D extends tf.layers.Layer {
  /** Variance epsilon. */
  readonly epsilon: number;
  /** Whether `beta` is learnt. */
  readonly center: boolean;
  /** Whether `gamma` is learnt. */
  readonly scale: boolean;
  private readonly kind: 'batch' | 'instance' | 'group';
  private norm: NormWeights | null = null;

  /**
   * @param args - The shared arguments (validated here).
   * @param kind - Which normalization the layer applies.
   * @param defaultName - Name prefix of the layer when `args.name` is absent.
   * @param where - Layer class named in validation errors.
   */
  protected constructor(args: Norm3DArgs, kind: 'batch' | 'instance' | 'group', defaultName: string, where: string) {
    super(withDefaultName(args, defaultName));
    this.kind = kind;
    this.epsilon = numberIn(args.epsilon ?? 1e-5, where, 'epsilon', 0, Infinity, true);
    this.center = bool(args.center ?? true, where, 'center');
    this.scale = bool(args.scale ?? true, where, 'scale');
  }

  /**
   * Channel groups over which statistics are taken, for an input of `channels` channels: one per channel
   * (instance normalization) unless a subclass says otherwise.
   */
  protected groupsOf(channels: number): number {
    return channels;
  }

  /** Momentum of the moving statistics (used by batch normalization only). */
  protected movingMomentum(): number {
    return 0;
  }

  /** The subclass' own config entries, placed before the shared `epsilon`, `center`, `scale`. */
  protected ownConfig(): tf.serialization.ConfigDict {
    return {};
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = ndhwcChannels(oneShape(inputShape, this.name), this.name);
    const groups = this.groupsOf(channels);
    this.inputSpec = [new tf.InputSpec({ ndim: 5, axes: { 4: channels } })];
    const add: AddWeight = (n, s, i, t) => this.addWeight(n, s, 'float32', i, undefined, t);
    this.norm = addNormWeights(add, '', this.kind, channels, groups, this);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = oneShape(inputShape, this.name);
    ndhwcChannels(s, this.name);
    return s;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return applyNorm(x, this.norm!, { epsilon: this.epsilon, momentum: this.movingMomentum() }, kwargs?.['training'] === true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.ownConfig(), epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
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
export class BatchNorm3D extends Norm3D {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>BatchNorm3D';
  /** Moving-average momentum (Keras convention). */
  readonly momentum: number;

  constructor(args: BatchNorm3DArgs = {}) {
    super(args, 'batch', 'batch_norm_3d', 'BatchNorm3D');
    this.momentum = numberIn(args.momentum ?? 0.99, 'BatchNorm3D', 'momentum', 0, 1);
  }

  protected override movingMomentum(): number {
    return this.momentum;
  }

  protected override ownConfig(): tf.serialization.ConfigDict {
    return { momentum: this.momentum };
  }
}
tf.serialization.registerClass(BatchNorm3D);

/**
 * Instance normalization of a 5-D NDHWC tensor: per sample and channel over (D, H, W), with learnable
 * per-channel `gamma`/`beta`; identical in training and inference (PyTorch `InstanceNorm3d(affine=True)`).
 * It is {@link GroupNorm3D} with one group per channel, computed by the same code.
 *
 * @example
 * ```ts
 * const y = instanceNorm3D().apply(x) as tf.Tensor; // x: [b, D, H, W, C]
 * ```
 */
export class InstanceNorm3D extends Norm3D {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>InstanceNorm3D';

  constructor(args: InstanceNorm3DArgs = {}) {
    super(args, 'instance', 'instance_norm_3d', 'InstanceNorm3D');
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
export class GroupNorm3D extends Norm3D {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>GroupNorm3D';
  /** Number of channel groups. */
  readonly groups: number;

  constructor(args: GroupNorm3DArgs = {}) {
    super(args, 'group', 'group_norm_3d', 'GroupNorm3D');
    this.groups = positiveInt(args.groups ?? 8, 'GroupNorm3D', 'groups');
  }

  protected override groupsOf(channels: number): number {
    checkGroups(channels, this.groups, this.name);
    return this.groups;
  }

  protected override ownConfig(): tf.serialization.ConfigDict {
    return { groups: this.groups };
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
