import { InvalidArgumentError } from '@raunet/core';
import * as tf from '@tensorflow/tfjs';
import { withDefaultName } from './internal/names.js';
import type { InitializerSpec, LayerArgs } from './layer-args.js';
import type { Normalization3D } from './normalization-3d.js';
import type { Initializer } from './internal/initializers.js';
import { checkInitializer, resolveInitializer, serializeInitializer } from './internal/initializers.js';
import type { NormWeights } from './internal/norm.js';
import { NORM_KINDS, addNormWeights, checkGroups } from './internal/norm.js';
import { applyNormRelu } from './internal/norm-relu.js';
import { multiHeadAttention, readAttentionTensors, pointwise } from './internal/ops.js';
import { checkSpatialMatch, checkSpatialShape, resolveSpatialShape } from './internal/spatial.js';
import { bool, ndhwcChannels, numberIn, oneOf, oneShape, positiveInt } from './internal/validate.js';

/** Arguments of {@link RABlock3D}. */
export interface RABlock3DArgs extends LayerArgs {
  /**
   * Width of the bottleneck (channels of the attention); must be a multiple of `heads`.
   * @defaultValue `floor(inputChannels / 4)`, as in ResNet-50's bottleneck
   */
  bottleneckFilters?: number;
  /**
   * Attention heads (per-head width `bottleneckFilters / heads`).
   * @defaultValue 4
   */
  heads?: number;
  /**
   * Normalization after the reduce convolution, the attention and the expand convolution.
   * @defaultValue 'batch'
   */
  normalization?: Normalization3D;
  /**
   * Channel groups when `normalization` is `'group'` (must divide the bottleneck and input widths).
   * @defaultValue 8
   */
  groups?: number;
  /**
   * Batch-norm moving-average momentum (Keras convention).
   * @defaultValue 0.99
   */
  momentum?: number;
  /**
   * Normalization epsilon (added to the variance).
   * @defaultValue 1e-5 (PyTorch, MONAI, nnU-Net)
   */
  epsilon?: number;
  /**
   * Biases on the 1x1x1 reduce/expand convolutions and the attention's Q, V and output projections (and K
   * with {@link RABlock3DArgs.keyBias}).
   * @defaultValue `true` when `normalization` is `'none'`, otherwise `false`
   */
  useBias?: boolean;
  /**
   * Learn a bias on the key projection (only with `useBias`). It is a dead parameter: it adds `q_i . b_k`
   * to every logit of query i, a per-query constant that the softmax over keys removes, so its gradient
   * is exactly 0. A config deserialized without this field (a layer saved before it existed) gets the
   * value of `useBias`, so saved weights that include `key_bias` still load.
   * @defaultValue false
   */
  keyBias?: boolean;
  /**
   * Apply the attention's 1x1x1 output projection (`bottleneck -> bottleneck`, MHSA's W_O) before `norm2`.
   * `false` is the paper's literal form `Z = softmax(Q K^T / sqrt(d) + Q P^T) V` feeding the expand
   * convolution directly (the expand convolution then mixes the heads). Absent from a deserialized config:
   * `true`, the form every earlier layer had.
   * @defaultValue true
   */
  outputProjection?: boolean;
  /**
   * Learn the attention's relative position code.
   * @defaultValue true
   */
  positionCode?: boolean;
  /**
   * Fixed spatial size `[D, H, W]`; taken from the input at build time when absent and stored in the config.
   * @defaultValue the input's spatial size at build time
   */
  spatialShape?: [number, number, number];
  /**
   * Initializer of the reduce and expand kernels.
   * @defaultValue 'heNormal'
   */
  kernelInitializer?: InitializerSpec;
  /**
   * Initializer of the attention's Q, K, V and output kernels.
   * @defaultValue 'glorotUniform'
   */
  attentionInitializer?: InitializerSpec;
}

/**
 * The RA ("residual attention") block of RA-Unet: a ResNet-50 bottleneck whose middle 3x3x3 convolution is
 * replaced by 3D multi-head self-attention with a relative position code (see
 * {@link MultiHeadSelfAttention3D}):
 * `relu(norm3(expand(relu(norm2(attention(relu(norm1(reduce(x)))))))) + x)`, reduce/expand being 1x1x1
 * convolutions `C -> bottleneck -> C`. Output channels = input channels. The spatial size is fixed at
 * build time (position code).
 *
 * Weights: `reduce_kernel`, `norm1_*`, `query_kernel`, `key_kernel`, `value_kernel`, `rel_d`, `rel_h`,
 * `rel_w`, `output_kernel` (with `outputProjection`), `norm2_*`, `expand_kernel`, `norm3_*`, plus `*_bias`
 * with `useBias` (`key_bias` only with `keyBias`).
 *
 * @example
 * ```ts
 * const x = tf.input({ shape: [4, 24, 24, 128] });
 * const y = raBlock3D({ heads: 4 }).apply(x); // [null, 4, 24, 24, 128], bottleneck width 32
 * ```
 */
export class RABlock3D extends tf.layers.Layer {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>RABlock3D';
  /** Bottleneck width (null: input channels / 4 at build time). */
  bottleneckFilters: number | null;
  /** Attention heads. */
  readonly heads: number;
  /** Normalization kind. */
  readonly normalization: Normalization3D;
  /** Groups of group normalization. */
  readonly groups: number;
  /** Batch-norm momentum. */
  readonly momentum: number;
  /** Normalization epsilon. */
  readonly epsilon: number;
  /** Whether convolutions and projections have biases. */
  readonly useBias: boolean;
  /** Whether the attention's key projection has a bias (`key_bias`). */
  readonly keyBias: boolean;
  /** Whether the attention's output projection is applied. */
  readonly outputProjection: boolean;
  /** Whether the attention uses the relative position code. */
  readonly positionCode: boolean;
  /** Fixed spatial size `[D, H, W]` (null until built when not given). */
  spatialShape: [number, number, number] | null;
  private readonly kernelInitializerSpec: InitializerSpec;
  private readonly attentionInitializerSpec: InitializerSpec;
  private vars: Record<string, tf.LayerVariable | null> = {};
  private norms: NormWeights[] = [];

  constructor(args: RABlock3DArgs = {}) {
    super(withDefaultName(args, 'ra_block_3d'));
    const where = 'RABlock3D';
    this.bottleneckFilters = args.bottleneckFilters == null ? null : positiveInt(args.bottleneckFilters, where, 'bottleneckFilters');
    this.heads = positiveInt(args.heads ?? 4, where, 'heads');
    this.normalization = oneOf(args.normalization ?? 'batch', where, 'normalization', NORM_KINDS);
    this.groups = positiveInt(args.groups ?? 8, where, 'groups');
    this.momentum = numberIn(args.momentum ?? 0.99, where, 'momentum', 0, 1);
    this.epsilon = numberIn(args.epsilon ?? 1e-5, where, 'epsilon', 0, Infinity, true);
    this.useBias = bool(args.useBias ?? this.normalization === 'none', where, 'useBias');
    this.keyBias = bool(args.keyBias ?? false, where, 'keyBias');
    if (this.keyBias && !this.useBias) throw new InvalidArgumentError(`${where}: keyBias needs useBias: true`);
    this.outputProjection = bool(args.outputProjection ?? true, where, 'outputProjection');
    this.positionCode = bool(args.positionCode ?? true, where, 'positionCode');
    this.spatialShape = checkSpatialShape(args.spatialShape, where);
    this.kernelInitializerSpec = checkInitializer(args.kernelInitializer ?? 'heNormal', where, 'kernelInitializer');
    this.attentionInitializerSpec = checkInitializer(args.attentionInitializer ?? 'glorotUniform', where, 'attentionInitializer');
    if (this.bottleneckFilters != null && this.bottleneckFilters % this.heads !== 0) {
      throw new InvalidArgumentError(
        `${where}: bottleneckFilters must be a multiple of heads, received bottleneckFilters = ${this.bottleneckFilters} and heads = ${this.heads}`,
      );
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = oneShape(inputShape, this.name);
    const cin = ndhwcChannels(shape, this.name);
    const bw = this.bottleneckFilters ?? Math.floor(cin / 4);
    if (bw < 1 || bw % this.heads !== 0) {
      throw new InvalidArgumentError(
        `${this.name}: the bottleneck width must be a positive multiple of heads = ${this.heads}, received ${bw}` +
          (this.bottleneckFilters == null ? ` (input channels ${cin} / 4); pass bottleneckFilters` : ''),
      );
    }
    this.bottleneckFilters = bw;
    if (this.normalization === 'group') {
      checkGroups(bw, this.groups, `${this.name} (bottleneck)`);
      checkGroups(cin, this.groups, this.name);
    }
    const [d, h, w] = (this.spatialShape = resolveSpatialShape(this.spatialShape, shape, this.name));
    this.inputSpec = [new tf.InputSpec({ ndim: 5, axes: { 4: cin } })];
    const c = bw / this.heads;
    const kinit = resolveInitializer(this.kernelInitializerSpec);
    const ainit = resolveInitializer(this.attentionInitializerSpec);
    const pinit = tf.initializers.randomNormal({ mean: 0, stddev: 1 / Math.sqrt(c) });
    const zeros = tf.initializers.zeros();
    const add = (n: string, s: number[], i: Initializer, t = true): tf.LayerVariable => this.addWeight(n, s, 'float32', i, undefined, t);
    const norm = (prefix: string, channels: number): NormWeights =>
      addNormWeights(add, prefix, this.normalization, channels, this.groups, { center: true, scale: true });
    const bias = (n: string, size: number): tf.LayerVariable | null => (this.useBias ? add(n, [size], zeros) : null);
    const v = this.vars;
    v.wr = add('reduce_kernel', [1, 1, 1, cin, bw], kinit);
    v.br = bias('reduce_bias', bw);
    const n1 = norm('norm1_', bw);
    v.wq = add('query_kernel', [1, 1, 1, bw, bw], ainit);
    v.bq = bias('query_bias', bw);
    v.wk = add('key_kernel', [1, 1, 1, bw, bw], ainit);
    v.bk = this.keyBias ? bias('key_bias', bw) : null;
    v.wv = add('value_kernel', [1, 1, 1, bw, bw], ainit);
    v.bv = bias('value_bias', bw);
    v.relD = this.positionCode ? add('rel_d', [this.heads, d, 1, 1, c], pinit) : null;
    v.relH = this.positionCode ? add('rel_h', [this.heads, 1, h, 1, c], pinit) : null;
    v.relW = this.positionCode ? add('rel_w', [this.heads, 1, 1, w, c], pinit) : null;
    v.wo = this.outputProjection ? add('output_kernel', [1, 1, 1, bw, bw], ainit) : null;
    v.bo = this.outputProjection ? bias('output_bias', bw) : null;
    const n2 = norm('norm2_', bw);
    v.we = add('expand_kernel', [1, 1, 1, bw, cin], kinit);
    v.be = bias('expand_bias', cin);
    const n3 = norm('norm3_', cin);
    this.norms = [n1, n2, n3];
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = oneShape(inputShape, this.name);
    ndhwcChannels(s, this.name);
    if (this.spatialShape) checkSpatialMatch(this.spatialShape, [s[1], s[2], s[3]], this.name);
    return s.slice();
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      ndhwcChannels(x.shape, this.name);
      checkSpatialMatch(this.spatialShape!, x.shape.slice(1, 4), this.name);
      const training = kwargs?.['training'] === true;
      const r = (name: string): tf.Tensor | null => this.vars[name]?.read() ?? null;
      const [n1, n2, n3] = this.norms;
      let y = applyNormRelu(pointwise(x, r('wr')!, r('br')), n1, this, training);
      y = multiHeadAttention(y, readAttentionTensors(r), this.heads, training);
      y = applyNormRelu(y, n2, this, training);
      return applyNormRelu(pointwise(y, r('we')!, r('be')), n3, this, training, x);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      bottleneckFilters: this.bottleneckFilters,
      heads: this.heads,
      normalization: this.normalization,
      groups: this.groups,
      momentum: this.momentum,
      epsilon: this.epsilon,
      useBias: this.useBias,
      keyBias: this.keyBias,
      outputProjection: this.outputProjection,
      positionCode: this.positionCode,
      spatialShape: this.spatialShape ? [...this.spatialShape] : null,
      kernelInitializer: serializeInitializer(this.kernelInitializerSpec),
      attentionInitializer: serializeInitializer(this.attentionInitializerSpec),
    };
  }

  /**
   * Creates the layer from a config (model loading). A config without `keyBias` (saved before the field
   * existed) gets `keyBias = useBias`, the key bias that layer was saved with.
   */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const useBias = config['useBias'] ?? (config['normalization'] ?? 'batch') === 'none';
    return new cls({ ...config, keyBias: config['keyBias'] ?? useBias });
  }
}
tf.serialization.registerClass(RABlock3D);

/**
 * Creates an {@link RABlock3D} layer.
 *
 * @example
 * ```ts
 * const ra = raBlock3D({ heads: 4, normalization: 'batch' });
 * ```
 */
export function raBlock3D(args: RABlock3DArgs = {}): RABlock3D {
  return new RABlock3D(args);
}
