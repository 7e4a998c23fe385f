import type { GraphBuilder } from './graph-builder.js';
import { convWeight, permute } from './layout.js';

/** A weight read from a tfjs layer: row-major data and its tfjs shape. */
export interface Weight {
  data: Float32Array;
  shape: number[];
}

/** Spatial triple `[d, h, w]` (tensor order z, y, x). */
export type Triple = [number, number, number];

/** Per-axis padding `{ begin: [d, h, w], end: [d, h, w] }` in voxels; negative values crop. */
export interface Pads {
  begin: Triple;
  end: Triple;
}

/** `floor(k / 2)` on both sides (PyTorch `padding=k//2`, our `'symmetric'`). */
export function symmetricPads(kernel: readonly number[]): Pads {
  const p = kernel.map((k) => Math.floor(k / 2)) as Triple;
  return { begin: p, end: [...p] as Triple };
}

/**
 * TensorFlow `'same'` padding for input `sizes`: total `(ceil(n/s) - 1) * s + k - n`, the smaller half first.
 * With `clamp` a negative total counts as 0 (our residual blocks' `convSame`); without it (tfjs's own
 * `tf.conv3d` 'same', used by `tf.layers.conv3d`) a negative total shifts the window, read as a crop.
 */
export function samePads(sizes: readonly number[], kernel: readonly number[], strides: readonly number[], clamp: boolean): Pads {
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 3; i++) {
    let total = (Math.ceil(sizes[i] / strides[i]) - 1) * strides[i] + kernel[i] - sizes[i];
    if (clamp) total = Math.max(total, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return { begin: begin as Triple, end: end as Triple };
}

/** No padding. */
export const VALID: Pads = { begin: [0, 0, 0], end: [0, 0, 0] };

/** The weights of one normalization as tfjs stores them (absent ones null). */
export interface NormTensors {
  gamma: Weight | null;
  beta: Weight | null;
  movingMean: Weight | null;
  movingVariance: Weight | null;
}

/** The attention weights in tfjs layout (see `readAttentionTensors` in `@raunet/layers-3d`). */
export interface AttentionWeights {
  wq: Weight;
  wk: Weight;
  wv: Weight;
  wo: Weight | null;
  bq: Weight | null;
  bk: Weight | null;
  bv: Weight | null;
  bo: Weight | null;
  relD: Weight | null;
  relH: Weight | null;
  relW: Weight | null;
}

const fill = (n: number, v: number): Float32Array => new Float32Array(n).fill(v);

/** ONNX building blocks over NCDHW values, fed with tfjs (NDHWC-layout) weights. */
export class Ops {
  constructor(readonly g: GraphBuilder) {}

  /** Conv3D (bias optional) with explicit padding; a negative padding crops the input first (Slice). */
  conv(x: string, name: string, kernel: Weight, bias: Weight | null, strides: readonly number[], pads: Pads): string {
    let input = x;
    const crop = [...pads.begin, ...pads.end].some((p) => p < 0);
    if (crop) {
      const starts = pads.begin.map((p) => Math.max(-p, 0));
      const ends = pads.end.map((p) => (p < 0 ? p : Number.MAX_SAFE_INTEGER));
      input = this.g.node('Slice', [x, this.g.int64(`${name}/crop_starts`, starts), this.g.int64(`${name}/crop_ends`, ends), this.g.int64(`${name}/crop_axes`, [2, 3, 4])], `${name}/crop`);
    }
    const w = convWeight(kernel.data, kernel.shape);
    const inputs = [input, this.g.float(`${name}/W`, w.data, w.shape)];
    if (bias) inputs.push(this.g.float(`${name}/B`, bias.data, [bias.data.length]));
    return this.g.node('Conv', inputs, name, {
      kernel_shape: { ints: w.shape.slice(2) },
      strides: { ints: [...strides] },
      pads: { ints: [...pads.begin, ...pads.end].map((p) => Math.max(p, 0)) },
      dilations: { ints: [1, 1, 1] },
      group: { int: 1 },
    });
  }

  /** A 1x1x1 stride-1 convolution (projection) with a tfjs `[1, 1, 1, in, out]` kernel. */
  pointwise(x: string, name: string, kernel: Weight, bias: Weight | null): string {
    return this.conv(x, name, kernel, bias, [1, 1, 1], VALID);
  }

  /** Zero padding of the spatial axes (`Pad`, constant 0). */
  pad(x: string, name: string, pads: Pads): string {
    const all = [0, 0, ...pads.begin, 0, 0, ...pads.end];
    return this.g.node('Pad', [x, this.g.int64(`${name}/pads`, all)], name, { mode: { string: 'constant' } });
  }

  /**
   * One normalization of `channels` channels: batch norm with the moving statistics (`BatchNormalization`,
   * inference mode), instance norm (`InstanceNormalization`), or group norm (a `[N, groups, -1]` reshape,
   * `InstanceNormalization` per group, then the per-channel affine), each with its epsilon.
   */
  norm(kind: string, x: string, name: string, t: NormTensors, epsilon: number, channels: number, groups: number, spatial: Triple): string {
    const gamma = t.gamma?.data ?? fill(channels, 1);
    const beta = t.beta?.data ?? fill(channels, 0);
    if (kind === 'none') return x;
    if (kind === 'batch') {
      if (!t.movingMean || !t.movingVariance) throw new Error(`${name}: batch norm without moving statistics`);
      const inputs = [
        x,
        this.g.float(`${name}/scale`, gamma, [channels]),
        this.g.float(`${name}/B`, beta, [channels]),
        this.g.float(`${name}/mean`, t.movingMean.data, [channels]),
        this.g.float(`${name}/var`, t.movingVariance.data, [channels]),
      ];
      return this.g.node('BatchNormalization', inputs, name, { epsilon: { float: epsilon } });
    }
    if (kind === 'instance') {
      const inputs = [x, this.g.float(`${name}/scale`, gamma, [channels]), this.g.float(`${name}/B`, beta, [channels])];
      return this.g.node('InstanceNormalization', inputs, name, { epsilon: { float: epsilon } });
    }
    if (kind === 'group') {
      const grouped = this.g.node('Reshape', [x, this.g.int64(`${name}/group_shape`, [0, groups, -1])], `${name}/grouped`);
      const normed = this.g.node(
        'InstanceNormalization',
        [grouped, this.g.float(`${name}/ones`, fill(groups, 1), [groups]), this.g.float(`${name}/zeros`, fill(groups, 0), [groups])],
        `${name}/normed`,
        { epsilon: { float: epsilon } },
      );
      const back = this.g.node('Reshape', [normed, this.g.int64(`${name}/shape`, [0, channels, ...spatial])], `${name}/ungrouped`);
      const scaled = this.g.node('Mul', [back, this.g.float(`${name}/scale`, gamma, [channels, 1, 1, 1])], `${name}/scaled`);
      return this.g.node('Add', [scaled, this.g.float(`${name}/B`, beta, [channels, 1, 1, 1])], name);
    }
    throw new Error(`${name}: unknown normalization '${kind}'`);
  }

  relu(x: string, name: string): string {
    return this.g.node('Relu', [x], name);
  }

  add(a: string, b: string, name: string): string {
    return this.g.node('Add', [a, b], name);
  }

  /**
   * Multi-head self-attention over the D*H*W tokens of an NCDHW value, as in `multiHeadAttention` of
   * `@raunet/layers-3d`: Q, K, V 1x1x1 projections split into heads of width c, logits
   * `Q (K / sqrt(c) + P)^T` (`MatMul`, with the position code P = rel_d + rel_h + rel_w summed in the graph),
   * `Softmax` over keys, `Z = A V` (`MatMul`), heads merged, then the output projection when there is one.
   */
  attention(x: string, name: string, t: AttentionWeights, heads: number, spatial: Triple): string {
    const g = this.g;
    const inner = t.wq.shape[4];
    const c = inner / heads;
    const l = spatial[0] * spatial[1] * spatial[2];
    const headsShape = g.int64(`${name}/heads_shape`, [0, heads, c, l]);
    // [N, inner, D, H, W] -> [N, heads, c, L]: channel index head * c + j, as tfjs's [b, L, heads, c] split.
    const split = (v: string, what: string): string => g.node('Reshape', [v, headsShape], `${name}/${what}_heads`);
    const q = g.node('Transpose', [split(this.pointwise(x, `${name}/query`, t.wq, t.bq), 'query')], `${name}/query_t`, { perm: { ints: [0, 1, 3, 2] } });
    let kt = g.node('Mul', [split(this.pointwise(x, `${name}/key`, t.wk, t.bk), 'key'), g.scalar(`${name}/scale`, 1 / Math.sqrt(c))], `${name}/key_scaled`);
    if (t.relD && t.relH && t.relW) {
      // tfjs [heads, D, 1, 1, c] (and H, W) -> [heads, c, D, 1, 1]: P^T broadcasts to [heads, c, D, H, W].
      const rel = (w: Weight, what: string): string => {
        const p = permute(w.data, w.shape, [0, 4, 1, 2, 3]);
        return g.float(`${name}/${what}`, p.data, p.shape);
      };
      const dh = g.node('Add', [rel(t.relD, 'rel_d'), rel(t.relH, 'rel_h')], `${name}/rel_dh`);
      const dhw = g.node('Add', [dh, rel(t.relW, 'rel_w')], `${name}/rel_dhw`);
      const pt = g.node('Reshape', [dhw, g.int64(`${name}/position_shape`, [1, heads, c, l])], `${name}/position_t`);
      kt = g.node('Add', [kt, pt], `${name}/key_position`);
    }
    const logits = g.node('MatMul', [q, kt], `${name}/logits`);
    const weights = g.node('Softmax', [logits], `${name}/softmax`, { axis: { int: -1 } });
    const v = g.node('Transpose', [split(this.pointwise(x, `${name}/value`, t.wv, t.bv), 'value')], `${name}/value_t`, { perm: { ints: [0, 1, 3, 2] } });
    const z = g.node('MatMul', [weights, v], `${name}/z`);
    const zt = g.node('Transpose', [z], `${name}/z_t`, { perm: { ints: [0, 1, 3, 2] } });
    const merged = g.node('Reshape', [zt, g.int64(`${name}/merged_shape`, [0, inner, ...spatial])], `${name}/merged`);
    return t.wo ? this.pointwise(merged, `${name}/output`, t.wo, t.bo) : merged;
  }
}
