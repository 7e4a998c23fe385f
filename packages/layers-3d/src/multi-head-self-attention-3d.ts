import * as tf from '@tensorflow/tfjs';
import { withDefaultName } from './internal/names.js';
import type { InitializerSpec, LayerArgs } from './layer-args.js';
import type { Initializer } from './internal/initializers.js';
import { checkInitializer, resolveInitializer, serializeInitializer } from './internal/initializers.js';
import { multiHeadAttention, readAttentionTensors } from './internal/ops.js';
import { checkSpatialMatch, checkSpatialShape, resolveSpatialShape } from './internal/spatial.js';
import { bool, ndhwcChannels, oneShape, positiveInt } from './internal/validate.js';
import { InvalidArgumentError } from '@raunet/core';

/** Arguments of {@link MultiHeadSelfAttention3D}. */
export interface MultiHeadSelfAttention3DArgs extends LayerArgs {
  /**
   * Number of heads; must divide the input channel count (the per-head width is `channels / heads`).
   * @defaultValue 4
   */
  heads?: number;
  /**
   * Output channels of the output projection.
   * @defaultValue the input channel count
   */
  filters?: number;
  /**
   * Learn the relative position code P (otherwise the logits are Q K^T / sqrt(c) only).
   * @defaultValue true
   */
  positionCode?: boolean;
  /**
   * Fixed spatial size `[D, H, W]`. Taken from the input shape at build time when absent; stored in the
   * config. The layer only accepts inputs of this size.
   * @defaultValue the input's spatial size at build time
   */
  spatialShape?: [number, number, number];
  /**
   * Bias on the Q, V and output projections (and on K with {@link MultiHeadSelfAttention3DArgs.keyBias}).
   * @defaultValue true
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
   * Apply the 1x1x1 output projection after the heads are concatenated (`filters` then sets its width).
   * Without it the output has the input's channels and `filters` must be absent.
   * @defaultValue true
   */
  outputProjection?: boolean;
  /**
   * Initializer of the four 1x1x1 projection kernels (`[1, 1, 1, in, out]`).
   * @defaultValue 'glorotUniform'
   */
  kernelInitializer?: InitializerSpec;
  /**
   * Initializer of the position code tensors.
   * @defaultValue random normal with standard deviation `c^-0.5` (c = per-head width), as in BoTNet ports
   */
  positionInitializer?: InitializerSpec;
}

/**
 * 3D multi-head self-attention with a learnable relative position code (BoTNet's MHSA in 3D) on NDHWC input.
 *
 * With L = D*H*W tokens, per-head width c = channels / heads, and Q, K, V = 1x1x1 projections of the input
 * split into heads: `logits = Q K^T / sqrt(c) + Q P^T`, `Z = softmax(logits over keys) V`, heads
 * concatenated, then a 1x1x1 output projection (optional). K has no bias by default (see
 * {@link MultiHeadSelfAttention3DArgs.keyBias}). The position code P = w_d + w_h + w_w broadcasts three
 * learnable tensors of shapes `(D,1,1,c)`, `(1,H,1,c)`, `(1,1,W,c)`; **each head has its own** (weights
 * `rel_d` `[heads, D, 1, 1, c]`, `rel_h` `[heads, 1, H, 1, c]`, `rel_w` `[heads, 1, 1, W, c]`), as in the
 * BoTNet reference implementations. It is computed as `Q (K / sqrt(c) + P)^T` with batched `tf.matMul`
 * (which has gradients; `tf.einsum` has none in tfjs 4.22).
 *
 * The spatial size is fixed at build time (the position code has one entry per position) and stored in
 * the config; an input of another size throws `ShapeMismatchError`. Memory: the logits are
 * `batch * heads * L^2` floats (L = 2,304 tokens: 21.2 MB per head and sample), several times that in training.
 *
 * @example
 * ```ts
 * const x = tf.input({ shape: [4, 24, 24, 32] });
 * const y = multiHeadSelfAttention3D({ heads: 4 }).apply(x); // [null, 4, 24, 24, 32]
 * ```
 */
export class MultiHeadSelfAttention3D extends tf.layers.Layer {
  /** Serialization name (`raunet>` package prefix). */
  static className = 'raunet>MultiHeadSelfAttention3D';
  /** Number of heads. */
  readonly heads: number;
  /** Output channels (null: same as input). */
  readonly filters: number | null;
  /** Whether the relative position code is used. */
  readonly positionCode: boolean;
  /** Whether the projections have biases. */
  readonly useBias: boolean;
  /** Whether the key projection has a bias (`key_bias`). */
  readonly keyBias: boolean;
  /** Whether the output projection is applied. */
  readonly outputProjection: boolean;
  /** Fixed spatial size `[D, H, W]` (null until built when not given). */
  spatialShape: [number, number, number] | null;
  private readonly kernelInitializerSpec: InitializerSpec;
  private readonly positionInitializerSpec: InitializerSpec | null;
  private vars: Record<string, tf.LayerVariable | null> = {};

  constructor(args: MultiHeadSelfAttention3DArgs = {}) {
    super(withDefaultName(args, 'multi_head_self_attention_3d'));
    const where = 'MultiHeadSelfAttention3D';
    this.heads = positiveInt(args.heads ?? 4, where, 'heads');
    this.filters = args.filters == null ? null : positiveInt(args.filters, where, 'filters');
    this.positionCode = bool(args.positionCode ?? true, where, 'positionCode');
    this.useBias = bool(args.useBias ?? true, where, 'useBias');
    this.keyBias = bool(args.keyBias ?? false, where, 'keyBias');
    if (this.keyBias && !this.useBias) throw new InvalidArgumentError(`${where}: keyBias needs useBias: true`);
    this.outputProjection = bool(args.outputProjection ?? true, where, 'outputProjection');
    if (!this.outputProjection && this.filters != null) {
      throw new InvalidArgumentError(`${where}: filters sets the output projection's width; it needs outputProjection: true`);
    }
    this.spatialShape = checkSpatialShape(args.spatialShape, where);
    this.kernelInitializerSpec = checkInitializer(args.kernelInitializer ?? 'glorotUniform', where, 'kernelInitializer');
    this.positionInitializerSpec =
      args.positionInitializer == null ? null : checkInitializer(args.positionInitializer, where, 'positionInitializer');
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = oneShape(inputShape, this.name);
    const cin = ndhwcChannels(shape, this.name);
    if (cin % this.heads !== 0) {
      throw new InvalidArgumentError(
        `${this.name}: the input channel count must be a multiple of heads, received ${cin} channels and heads = ${this.heads}`,
      );
    }
    const [d, h, w] = (this.spatialShape = resolveSpatialShape(this.spatialShape, shape, this.name));
    this.inputSpec = [new tf.InputSpec({ ndim: 5, axes: { 4: cin } })];
    const c = cin / this.heads;
    const cout = this.filters ?? cin;
    const init = resolveInitializer(this.kernelInitializerSpec);
    const pinit = this.positionInitializerSpec
      ? resolveInitializer(this.positionInitializerSpec)
      : tf.initializers.randomNormal({ mean: 0, stddev: 1 / Math.sqrt(c) });
    const add = (n: string, s: number[], i: Initializer): tf.LayerVariable => this.addWeight(n, s, 'float32', i, undefined, true);
    const zeros = tf.initializers.zeros();
    const v = this.vars;
    v.wq = add('query_kernel', [1, 1, 1, cin, cin], init);
    v.bq = this.useBias ? add('query_bias', [cin], zeros) : null;
    v.wk = add('key_kernel', [1, 1, 1, cin, cin], init);
    v.bk = this.keyBias ? add('key_bias', [cin], zeros) : null;
    v.wv = add('value_kernel', [1, 1, 1, cin, cin], init);
    v.bv = this.useBias ? add('value_bias', [cin], zeros) : null;
    v.relD = this.positionCode ? add('rel_d', [this.heads, d, 1, 1, c], pinit) : null;
    v.relH = this.positionCode ? add('rel_h', [this.heads, 1, h, 1, c], pinit) : null;
    v.relW = this.positionCode ? add('rel_w', [this.heads, 1, 1, w, c], pinit) : null;
    v.wo = this.outputProjection ? add('output_kernel', [1, 1, 1, cin, cout], init) : null;
    v.bo = this.outputProjection && this.useBias ? add('output_bias', [cout], zeros) : null;
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = oneShape(inputShape, this.name);
    const cin = ndhwcChannels(s, this.name);
    if (this.spatialShape) checkSpatialMatch(this.spatialShape, [s[1], s[2], s[3]], this.name);
    return [s[0], s[1], s[2], s[3], this.filters ?? cin];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      ndhwcChannels(x.shape, this.name);
      checkSpatialMatch(this.spatialShape!, x.shape.slice(1, 4), this.name);
      const r = (name: string): tf.Tensor | null => this.vars[name]?.read() ?? null;
      return multiHeadAttention(x, readAttentionTensors(r), this.heads, kwargs?.['training'] === true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      heads: this.heads,
      filters: this.filters,
      positionCode: this.positionCode,
      spatialShape: this.spatialShape ? [...this.spatialShape] : null,
      useBias: this.useBias,
      keyBias: this.keyBias,
      outputProjection: this.outputProjection,
      kernelInitializer: serializeInitializer(this.kernelInitializerSpec),
      positionInitializer: serializeInitializer(this.positionInitializerSpec),
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
    return new cls({ ...config, keyBias: config['keyBias'] ?? config['useBias'] ?? true });
  }
}
tf.serialization.registerClass(MultiHeadSelfAttention3D);

/**
 * Creates a {@link MultiHeadSelfAttention3D} layer.
 *
 * @example
 * ```ts
 * const attention = multiHeadSelfAttention3D({ heads: 4 });
 * ```
 */
export function multiHeadSelfAttention3D(args: MultiHeadSelfAttention3DArgs = {}): MultiHeadSelfAttention3D {
  return new MultiHeadSelfAttention3D(args);
}
