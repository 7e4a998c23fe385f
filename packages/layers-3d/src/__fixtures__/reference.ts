// Plain-loop reference implementations (float64) used by the tests as independent truth.
// Layout everywhere: NDHWC, [batch, depth, height, width, channels], row-major (channels fastest).

/** A dense array with its shape. */
export interface Arr {
  data: Float64Array;
  shape: number[];
}

/** Seeded uniform numbers in [lo, hi) (mulberry32). */
export function randomArray(shape: number[], seed: number, lo = -1, hi = 1): Arr {
  let a = seed >>> 0;
  const n = shape.reduce((p, q) => p * q, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return { data, shape };
}

/** Row-major flat index. */
export function at(shape: number[], ...idx: number[]): number {
  let o = 0;
  for (let i = 0; i < shape.length; i++) o = o * shape[i] + idx[i];
  return o;
}

/** 3D convolution, TensorFlow 'same' or symmetric (`floor(k/2)` per side) padding, kernel [kd, kh, kw, in, out]. */
export function conv3dSame(x: Arr, k: Arr, strides: number[], bias?: Arr, padding: 'same' | 'symmetric' = 'same'): Arr {
  const [b, D, H, W, C] = x.shape;
  const [kd, kh, kw, , F] = k.shape;
  const size = [D, H, W];
  const ks = [kd, kh, kw];
  // 'same': TF (output ceil(n/s), the smaller half of the padding before); 'symmetric': PyTorch padding=k//2
  const out =
    padding === 'same'
      ? size.map((n, i) => Math.ceil(n / strides[i]))
      : size.map((n, i) => Math.floor((n + 2 * Math.floor(ks[i] / 2) - ks[i]) / strides[i]) + 1);
  const pad =
    padding === 'same'
      ? size.map((n, i) => Math.floor(Math.max((out[i] - 1) * strides[i] + ks[i] - n, 0) / 2))
      : ks.map((kk) => Math.floor(kk / 2));
  const shape = [b, out[0], out[1], out[2], F];
  const data = new Float64Array(shape.reduce((p, q) => p * q, 1));
  for (let n = 0; n < b; n++)
    for (let od = 0; od < out[0]; od++)
      for (let oh = 0; oh < out[1]; oh++)
        for (let ow = 0; ow < out[2]; ow++)
          for (let f = 0; f < F; f++) {
            let s = bias ? bias.data[f] : 0;
            for (let a = 0; a < kd; a++)
              for (let bb = 0; bb < kh; bb++)
                for (let c = 0; c < kw; c++) {
                  const id = od * strides[0] + a - pad[0];
                  const ih = oh * strides[1] + bb - pad[1];
                  const iw = ow * strides[2] + c - pad[2];
                  if (id < 0 || ih < 0 || iw < 0 || id >= D || ih >= H || iw >= W) continue;
                  for (let ch = 0; ch < C; ch++) s += x.data[at(x.shape, n, id, ih, iw, ch)] * k.data[at(k.shape, a, bb, c, ch, f)];
                }
            data[at(shape, n, od, oh, ow, f)] = s;
          }
  return { data, shape };
}

/** PyTorch `area_pixel_compute_source_index` for linear modes, align_corners=False, then the two taps. */
function linearTaps(o: number, scale: number, n: number): [number, number, number] {
  let src = (o + 0.5) / scale - 0.5;
  if (src < 0) src = 0;
  const i0 = Math.floor(src);
  const i1 = Math.min(i0 + 1, n - 1);
  const lambda = src - i0;
  return [i0, i1, lambda];
}

/** PyTorch `F.interpolate(mode='trilinear', align_corners=False)` with integer scale factors, direct 8-tap form. */
export function trilinear(x: Arr, size: number[]): Arr {
  const [b, D, H, W, C] = x.shape;
  const shape = [b, D * size[0], H * size[1], W * size[2], C];
  const data = new Float64Array(shape.reduce((p, q) => p * q, 1));
  for (let n = 0; n < b; n++)
    for (let od = 0; od < shape[1]; od++)
      for (let oh = 0; oh < shape[2]; oh++)
        for (let ow = 0; ow < shape[3]; ow++) {
          const [d0, d1, ld] = linearTaps(od, size[0], D);
          const [h0, h1, lh] = linearTaps(oh, size[1], H);
          const [w0, w1, lw] = linearTaps(ow, size[2], W);
          for (let c = 0; c < C; c++) {
            let s = 0;
            for (const [di, wd] of [[d0, 1 - ld], [d1, ld]])
              for (const [hi, wh] of [[h0, 1 - lh], [h1, lh]])
                for (const [wi, ww] of [[w0, 1 - lw], [w1, lw]]) s += wd * wh * ww * x.data[at(x.shape, n, di, hi, wi, c)];
            data[at(shape, n, od, oh, ow, c)] = s;
          }
        }
  return { data, shape };
}

/** PyTorch `mode='nearest'` with integer scale factors: source index floor(o / s). */
export function nearest(x: Arr, size: number[]): Arr {
  const [b, D, H, W, C] = x.shape;
  const shape = [b, D * size[0], H * size[1], W * size[2], C];
  const data = new Float64Array(shape.reduce((p, q) => p * q, 1));
  for (let n = 0; n < b; n++)
    for (let od = 0; od < shape[1]; od++)
      for (let oh = 0; oh < shape[2]; oh++)
        for (let ow = 0; ow < shape[3]; ow++)
          for (let c = 0; c < C; c++)
            data[at(shape, n, od, oh, ow, c)] = x.data[at(x.shape, n, Math.floor(od / size[0]), Math.floor(oh / size[1]), Math.floor(ow / size[2]), c)];
  return { data, shape };
}

/**
 * Normalization by plain loops. `groupOf(n, c)` names the statistics bucket of (sample n, channel c);
 * statistics are taken over every element in the bucket (biased variance).
 */
function normalizeBy(x: Arr, bucket: (n: number, c: number) => number, buckets: number, gamma: number[], beta: number[], eps: number): { y: Arr; mean: number[]; variance: number[] } {
  const [b, D, H, W, C] = x.shape;
  const sum = new Array<number>(buckets).fill(0);
  const count = new Array<number>(buckets).fill(0);
  const each = (fn: (i: number, n: number, c: number) => void): void => {
    for (let n = 0; n < b; n++)
      for (let v = 0; v < D * H * W; v++)
        for (let c = 0; c < C; c++) fn((n * D * H * W + v) * C + c, n, c);
  };
  each((i, n, c) => {
    sum[bucket(n, c)] += x.data[i];
    count[bucket(n, c)]++;
  });
  const mean = sum.map((s, k) => s / count[k]);
  const sq = new Array<number>(buckets).fill(0);
  each((i, n, c) => {
    sq[bucket(n, c)] += (x.data[i] - mean[bucket(n, c)]) ** 2;
  });
  const variance = sq.map((s, k) => s / count[k]);
  const data = new Float64Array(x.data.length);
  each((i, n, c) => {
    const k = bucket(n, c);
    data[i] = ((x.data[i] - mean[k]) / Math.sqrt(variance[k] + eps)) * gamma[c] + beta[c];
  });
  return { y: { data, shape: x.shape }, mean, variance };
}

/** Batch norm with batch statistics; also returns the per-channel batch mean and biased variance. */
export function batchNormTrain(x: Arr, gamma: number[], beta: number[], eps: number): { y: Arr; mean: number[]; variance: number[] } {
  return normalizeBy(x, (_n, c) => c, x.shape[4], gamma, beta, eps);
}

/** Batch norm with given (moving) statistics. */
export function batchNormInference(x: Arr, mean: number[], variance: number[], gamma: number[], beta: number[], eps: number): Arr {
  const C = x.shape[4];
  const data = x.data.map((v, i) => ((v - mean[i % C]) / Math.sqrt(variance[i % C] + eps)) * gamma[i % C] + beta[i % C]);
  return { data, shape: x.shape };
}

/** Instance norm (per sample and channel). */
export function instanceNorm(x: Arr, gamma: number[], beta: number[], eps: number): Arr {
  const C = x.shape[4];
  return normalizeBy(x, (n, c) => n * C + c, x.shape[0] * C, gamma, beta, eps).y;
}

/** Group norm (per sample and group of consecutive channels). */
export function groupNorm(x: Arr, groups: number, gamma: number[], beta: number[], eps: number): Arr {
  const C = x.shape[4];
  const per = C / groups;
  return normalizeBy(x, (n, c) => n * groups + Math.floor(c / per), x.shape[0] * groups, gamma, beta, eps).y;
}

/** Elementwise helpers. */
export function relu(x: Arr): Arr {
  return { data: x.data.map((v) => Math.max(v, 0)), shape: x.shape };
}
export function add(x: Arr, y: Arr): Arr {
  return { data: x.data.map((v, i) => v + y.data[i]), shape: x.shape };
}

/** 1x1x1 convolution with a [in, out] matrix (given as a [1,1,1,in,out] kernel). */
export function pointwise(x: Arr, k: Arr, bias?: Arr): Arr {
  return conv3dSame(x, k, [1, 1, 1], bias);
}

/** Position code tensors of one attention: rel_d [heads, D, 1, 1, c], rel_h [heads, 1, H, 1, c], rel_w [heads, 1, 1, W, c]. */
export interface PositionCode {
  relD: Arr;
  relH: Arr;
  relW: Arr;
}

/**
 * Multi-head self-attention by plain loops: q, k, v = 1x1x1 projections; per head h and tokens i, j:
 * logit(i, j) = sum_c q_i,c k_j,c / sqrt(c) + sum_c q_i,c P_j,c with P_j = rel_d[dj] + rel_h[hj] + rel_w[wj];
 * softmax over j; z_i = sum_j a_ij v_j; heads concatenated; output projection (when `wo` is given).
 */
export function attention(
  x: Arr,
  w: { wq: Arr; wk: Arr; wv: Arr; wo?: Arr; bq?: Arr; bk?: Arr; bv?: Arr; bo?: Arr },
  heads: number,
  pos: PositionCode | null,
): Arr {
  const [b, D, H, W] = x.shape;
  const L = D * H * W;
  const q = pointwise(x, w.wq, w.bq);
  const k = pointwise(x, w.wk, w.bk);
  const v = pointwise(x, w.wv, w.bv);
  const inner = w.wq.shape[4];
  const c = inner / heads;
  const z = new Float64Array(b * L * inner);
  for (let n = 0; n < b; n++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < L; i++) {
        const logits = new Float64Array(L);
        for (let j = 0; j < L; j++) {
          const dj = Math.floor(j / (H * W));
          const hj = Math.floor(j / W) % H;
          const wj = j % W;
          let s = 0;
          for (let e = 0; e < c; e++) {
            const qi = q.data[(n * L + i) * inner + h * c + e];
            s += (qi * k.data[(n * L + j) * inner + h * c + e]) / Math.sqrt(c);
            if (pos) {
              const p =
                pos.relD.data[at(pos.relD.shape, h, dj, 0, 0, e)] +
                pos.relH.data[at(pos.relH.shape, h, 0, hj, 0, e)] +
                pos.relW.data[at(pos.relW.shape, h, 0, 0, wj, e)];
              s += qi * p;
            }
          }
          logits[j] = s;
        }
        const m = Math.max(...logits);
        const ex = logits.map((l) => Math.exp(l - m));
        const tot = ex.reduce((p, q2) => p + q2, 0);
        for (let e = 0; e < c; e++) {
          let s = 0;
          for (let j = 0; j < L; j++) s += (ex[j] / tot) * v.data[(n * L + j) * inner + h * c + e];
          z[(n * L + i) * inner + h * c + e] = s;
        }
      }
  const merged = { data: z, shape: [b, D, H, W, inner] };
  return w.wo ? pointwise(merged, w.wo, w.bo) : merged;
}
