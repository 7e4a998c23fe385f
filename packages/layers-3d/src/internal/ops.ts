import * as tf from '@tensorflow/tfjs';
import { attentionKernelAvailable, softmaxAttention } from './attention.js';
import type { ConvPadding } from '../layer-args.js';

/**
 * Linear interpolation along one axis by an integer factor with half-pixel centres and edge clamping
 * (PyTorch `interpolate(mode='linear', align_corners=False)` along that axis). For output phase r of
 * factor s the source offset is delta = (r + 0.5) / s - 0.5 in (-0.5, 0.5): the output is a fixed blend
 * of the input and its neighbour shifted by one voxel (edge-replicated), so it is built from slice,
 * concat, mul, add and stack only, all of which have gradients.
 */
export function linearUpsampleAxis(x: tf.Tensor, axis: number, factor: number): tf.Tensor {
  if (factor === 1) return x;
  const n = x.shape[axis];
  const begin = x.shape.map(() => 0);
  const size = x.shape.map(() => -1);
  const sliceAt = (start: number, length: number): tf.Tensor => {
    const b = begin.slice();
    const s = size.slice();
    b[axis] = start;
    s[axis] = length;
    return tf.slice(x, b, s);
  };
  let prev: tf.Tensor | null = null;
  let next: tf.Tensor | null = null;
  const getPrev = (): tf.Tensor => (prev ??= n === 1 ? x : tf.concat([sliceAt(0, 1), sliceAt(0, n - 1)], axis));
  const getNext = (): tf.Tensor => (next ??= n === 1 ? x : tf.concat([sliceAt(1, n - 1), sliceAt(n - 1, 1)], axis));
  const phases: tf.Tensor[] = [];
  for (let r = 0; r < factor; r++) {
    const delta = (r + 0.5) / factor - 0.5;
    if (Math.abs(delta) < 1e-12) phases.push(x);
    else if (delta > 0) phases.push(tf.add(tf.mul(x, 1 - delta), tf.mul(getNext(), delta)));
    else phases.push(tf.add(tf.mul(x, 1 + delta), tf.mul(getPrev(), -delta)));
  }
  return mergePhases(phases, x.shape, axis, factor);
}

/** Nearest-neighbour upsampling along one axis (each voxel repeated `factor` times). */
export function nearestUpsampleAxis(x: tf.Tensor, axis: number, factor: number): tf.Tensor {
  if (factor === 1) return x;
  return mergePhases(new Array<tf.Tensor>(factor).fill(x), x.shape, axis, factor);
}

function mergePhases(phases: tf.Tensor[], shape: number[], axis: number, factor: number): tf.Tensor {
  const outShape = shape.slice();
  outShape[axis] *= factor;
  return tf.reshape(tf.stack(phases, axis + 1), outShape);
}

/** 1x1x1 convolution of an NDHWC tensor with a [1, 1, 1, in, out] kernel as one matMul (plus bias). */
export function pointwise(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  const [b, d, h, w, c] = x.shape;
  const f = (kernel.shape as number[])[4];
  let y: tf.Tensor = tf.matMul(tf.reshape<tf.Rank.R2>(x, [b * d * h * w, c]), tf.reshape<tf.Rank.R2>(kernel, [c, f]));
  if (bias) y = tf.add(y, bias);
  return tf.reshape(y, [b, d, h, w, f]);
}

/**
 * A 3D convolution with TensorFlow 'same' padding (output `ceil(n / stride)`, `pad_before = floor(total / 2)`),
 * 1x1x1 stride-1 kernels as a matMul. tfjs 4.22's conv3d computes 'same' padding without clamping the total
 * at 0, so a kernel smaller than the stride (e.g. a strided 1x1x1 projection) reads the wrong voxels
 * (indices 1, 3, … instead of 0, 2, …); those cases are padded explicitly and run as 'valid'.
 */
export function convSame(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null, strides: [number, number, number]): tf.Tensor {
  const k = kernel.shape as number[];
  if (k[0] === 1 && k[1] === 1 && k[2] === 1 && strides[0] === 1 && strides[1] === 1 && strides[2] === 1) {
    return pointwise(x, kernel, bias);
  }
  const pads = [0, 1, 2].map((i) => {
    const n = x.shape[i + 1];
    const out = Math.ceil(n / strides[i]);
    return (out - 1) * strides[i] + k[i] - n;
  });
  let y: tf.Tensor;
  if (pads.every((p) => p >= 0)) {
    y = tf.conv3d(x as tf.Tensor5D, kernel as tf.Tensor5D, strides, 'same');
  } else {
    const total = pads.map((p) => Math.max(p, 0));
    const padded = total.some((p) => p > 0)
      ? tf.pad(x, [[0, 0], ...total.map((p): [number, number] => [Math.floor(p / 2), p - Math.floor(p / 2)]), [0, 0]])
      : x;
    y = tf.conv3d(padded as tf.Tensor5D, kernel as tf.Tensor5D, strides, 'valid');
  }
  return bias ? tf.add(y, bias) : y;
}

/** The padding kinds, for validation. */
export const CONV_PADDINGS: readonly ConvPadding[] = ['symmetric', 'same'];

/**
 * A 3D convolution with symmetric zero padding `floor(k / 2)` on both sides of each axis, then 'valid'
 * (PyTorch `Conv3d(padding=k//2)`): for odd kernels the output size is `ceil(n / stride)` as with 'same',
 * and output voxel i is centred on input voxel `i * stride` on every size (TF 'same' centres it on
 * `i * stride + 1` when the size is even and the stride 2). Where 'same' pads the same amounts (stride 1,
 * or an odd size) it runs as {@link convSame}, which is one op less.
 */
export function convSymmetric(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null, strides: [number, number, number]): tf.Tensor {
  const k = kernel.shape as number[];
  const pads = [0, 1, 2].map((i) => Math.floor(k[i] / 2));
  const sameAgrees = [0, 1, 2].every((i) => {
    const n = x.shape[i + 1];
    const total = Math.max((Math.ceil(n / strides[i]) - 1) * strides[i] + k[i] - n, 0);
    return k[i] % 2 === 1 && Math.floor(total / 2) === pads[i] && total - Math.floor(total / 2) === pads[i];
  });
  if (sameAgrees) return convSame(x, kernel, bias, strides);
  const padded = pads.some((p) => p > 0) ? tf.pad(x, [[0, 0], ...pads.map((p): [number, number] => [p, p]), [0, 0]]) : x;
  const y = tf.conv3d(padded as tf.Tensor5D, kernel as tf.Tensor5D, strides, 'valid');
  return bias ? tf.add(y, bias) : y;
}

/** Output size of one axis of a symmetric-padding convolution: `floor((n + 2 floor(k/2) - k) / s) + 1`. */
export function symmetricSize(n: number | null, kernel: number, stride: number): number | null {
  return n == null ? null : Math.floor((n + 2 * Math.floor(kernel / 2) - kernel) / stride) + 1;
}

/** 'same' output size of one axis for a stride. */
export function sameSize(n: number | null, stride: number): number | null {
  return n == null ? null : Math.ceil(n / stride);
}

/** The weights of one multi-head self-attention. */
export interface AttentionTensors {
  wq: tf.Tensor;
  wk: tf.Tensor;
  wv: tf.Tensor;
  /** Output projection, null without one. */
  wo: tf.Tensor | null;
  bq: tf.Tensor | null;
  bk: tf.Tensor | null;
  bv: tf.Tensor | null;
  bo: tf.Tensor | null;
  /** [heads, D, 1, 1, c], [heads, 1, H, 1, c], [heads, 1, 1, W, c] or null for no position code. */
  relD: tf.Tensor | null;
  relH: tf.Tensor | null;
  relW: tf.Tensor | null;
}

/**
 * The attention tensors of a layer, read by weight name (`wq`, `bq`, `relD`, ...); absent optional
 * weights (biases, output projection, position code) read as null. Shared by the attention layer and the RA block.
 */
export function readAttentionTensors(read: (name: string) => tf.Tensor | null): AttentionTensors {
  const required = (name: string): tf.Tensor => {
    const t = read(name);
    if (!t) throw new Error(`attention weight '${name}' is not built`);
    return t;
  };
  return {
    wq: required('wq'),
    wk: required('wk'),
    wv: required('wv'),
    wo: read('wo'),
    bq: read('bq'),
    bk: read('bk'),
    bv: read('bv'),
    bo: read('bo'),
    relD: read('relD'),
    relH: read('relH'),
    relW: read('relW'),
  };
}

/**
 * Multi-head self-attention over the D*H*W tokens of an NDHWC tensor:
 * logits = Q K^T / sqrt(c) + Q P^T = Q (K / sqrt(c) + P)^T per head (c = width of one head), softmax over
 * keys, Z = softmax(logits) V, heads concatenated, then the output projection when there is one. Batched
 * tf.matMul only; in inference, the attention itself runs as one kernel where the backend has one
 * (attention.ts).
 */
export function multiHeadAttention(x: tf.Tensor, t: AttentionTensors, heads: number, training: boolean): tf.Tensor {
  const [b, d, h, w, cin] = x.shape;
  const l = d * h * w;
  const inner = (t.wq.shape as number[])[4];
  const c = inner / heads;
  const x2 = tf.reshape<tf.Rank.R2>(x, [b * l, cin]);
  const project = (kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor => {
    let y: tf.Tensor = tf.matMul(x2, tf.reshape<tf.Rank.R2>(kernel, [cin, inner]));
    if (bias) y = tf.add(y, bias);
    // [b*L, heads*c] -> [b, heads, L, c]
    return tf.transpose(tf.reshape(y, [b, l, heads, c]), [0, 2, 1, 3]);
  };
  const q = project(t.wq, t.bq);
  let k = tf.mul(project(t.wk, t.bk), 1 / Math.sqrt(c));
  const v = project(t.wv, t.bv);
  if (t.relD && t.relH && t.relW) {
    const p = tf.reshape(tf.add(tf.add(t.relD, t.relH), t.relW), [1, heads, l, c]);
    k = tf.add(k, p);
  }
  const qf = tf.reshape<tf.Rank.R3>(q, [b * heads, l, c]);
  const kf = tf.reshape<tf.Rank.R3>(k, [b * heads, l, c]);
  const vf = tf.reshape<tf.Rank.R3>(v, [b * heads, l, c]);
  const z = !training && attentionKernelAvailable(qf, kf, vf) ? softmaxAttention(qf, kf, vf) : attentionByMatMul(qf, kf, vf);
  const merged = tf.reshape<tf.Rank.R2>(tf.transpose(tf.reshape(z, [b, heads, l, c]), [0, 2, 1, 3]), [b * l, inner]);
  if (!t.wo) return tf.reshape(merged, [b, d, h, w, inner]);
  const cout = (t.wo.shape as number[])[4];
  let out: tf.Tensor = tf.matMul(merged, tf.reshape<tf.Rank.R2>(t.wo, [inner, cout]));
  if (t.bo) out = tf.add(out, t.bo);
  return tf.reshape(out, [b, d, h, w, cout]);
}

/** softmax(qf kf^T) vf per batch entry ([B, L, c] each) with batched matmuls. */
function attentionByMatMul(qf: tf.Tensor3D, kf: tf.Tensor3D, vf: tf.Tensor3D): tf.Tensor {
  const [bh, l] = qf.shape;
  // Softmax without broadcasting over the [B, L, L] logits (tfjs cpu's Softmax and broadcasting
  // sub/div are 5-10x slower than plain elementwise ops there): the row maximum m is folded into the
  // matMul as an extra column, exp(Q K'^T - m) = exp([Q, m] [K', -1]^T), and the normalization by the
  // row sums is applied after multiplying with V, on the small [B, L, c] result. m gets no gradient
  // (the result does not depend on it).
  const m = rowMaxOfProduct(qf, kf);
  const minusOnes = tf.fill([bh, l, 1], -1);
  const e = tf.exp(tf.matMul(tf.concat([qf, m], 2), tf.concat([kf, minusOnes], 2), false, true));
  return tf.div(tf.matMul(e, vf), tf.sum(e, -1, true));
}

/** max_j (q_i . k_j) per row, [B, L, 1], as a constant for autodiff (zero gradient). */
const rowMaxOfProduct = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const q = args[0] as tf.Tensor3D;
  const k = args[1] as tf.Tensor3D;
  return {
    value: tf.tidy(() => tf.max(tf.matMul(q, k, false, true), -1, true)),
    gradFunc: () => [tf.zerosLike(q), tf.zerosLike(k)],
  };
}) as (q: tf.Tensor3D, k: tf.Tensor3D) => tf.Tensor3D;
