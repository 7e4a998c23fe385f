import type * as tf from '@tensorflow/tfjs';
import type { CpuBackendLike, KernelArgs, KernelContext } from './kernel-common.js';
import { values, withFallback } from './kernel-common.js';

/**
 * The kernel `@raunet/layers-3d` calls for softmax attention in inference (its exported `ATTENTION_KERNEL`):
 * inputs `q` `[b, lq, c]`, `k` `[b, lk, c]`, `v` `[b, lk, cv]`; output `[b, lq, cv]`,
 * `out[n, i] = sum_j softmax_j(q[n, i] . k[n, j]) v[n, j]` (no scaling: the caller scales k). tfjs has no
 * kernel of this name: this package adds it to the `cpu` backend, and layers-3d runs matmuls and a softmax
 * where no backend provides it.
 */
export const ATTENTION_KERNEL = 'RaunetAttention';

/** Below this many query-key pairs the JS loop is used. */
const MIN_NATIVE_PAIRS = 1 << 14;

interface Parts {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  dims: [number, number, number, number, number];
}

function parts(args: KernelArgs): Parts | undefined {
  const backend = args.backend as CpuBackendLike;
  const { q, k, v } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!q || !k || !v || q.shape.length !== 3 || k.shape.length !== 3 || v.shape.length !== 3) return undefined;
  const [b, lq, c] = q.shape;
  const [bk, lk, ck] = k.shape;
  const [bv, lv, cv] = v.shape;
  if (bk !== b || bv !== b || ck !== c || lv !== lk || Math.min(b, lq, lk, c, cv) < 1) return undefined;
  const qv = values(backend, q);
  const kv = values(backend, k);
  const vv = values(backend, v);
  if (!qv || !kv || !vv) return undefined;
  return { q: qv, k: kv, v: vv, dims: [b, lq, lk, c, cv] };
}

/** The same attention in JS, one query row at a time (logits in float32, sums in double). */
function attentionJs(args: KernelArgs): tf.TensorInfo {
  const p = parts(args);
  if (!p) throw new Error(`${ATTENTION_KERNEL}: expected float32 q [b, lq, c], k [b, lk, c] and v [b, lk, cv]`);
  const [b, lq, lk, c, cv] = p.dims;
  const out = new Float32Array(b * lq * cv);
  const e = new Float32Array(lk);
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < lq; i++) {
      const qo = (n * lq + i) * c;
      let m = -Infinity;
      for (let j = 0; j < lk; j++) {
        let s = Math.fround(p.q[qo] * p.k[(n * lk + j) * c]);
        for (let cc = 1; cc < c; cc++) s = Math.fround(s + Math.fround(p.q[qo + cc] * p.k[(n * lk + j) * c + cc]));
        e[j] = s;
        m = s > m ? s : m;
      }
      let total = 0;
      for (let j = 0; j < lk; j++) {
        e[j] = Math.exp(Math.fround(e[j] - m));
        total += e[j];
      }
      for (let cc = 0; cc < cv; cc++) {
        let acc = 0;
        for (let j = 0; j < lk; j++) acc += e[j] * p.v[(n * lk + j) * cv + cc];
        out[(n * lq + i) * cv + cc] = acc / total;
      }
    }
  }
  return (args.backend as CpuBackendLike).makeTensorInfo([b, lq, cv], 'float32', out);
}

/** The `cpu` kernel config of {@link ATTENTION_KERNEL}: native, the JS loop for small or uncovered cases. */
export function makeAttentionKernel(ctx: KernelContext): tf.KernelConfig {
  const run = (args: KernelArgs): tf.TensorInfo | undefined => {
    const p = parts(args);
    if (!p) return undefined;
    const [b, lq, lk, , cv] = p.dims;
    if (b * lq * lk < MIN_NATIVE_PAIRS) return undefined;
    const out = ctx.allocate(b * lq * cv);
    ctx.addon.attention(p.q, p.k, p.v, out, Float64Array.from(p.dims));
    return (args.backend as CpuBackendLike).makeTensorInfo([b, lq, cv], 'float32', out);
  };
  return { kernelName: ATTENTION_KERNEL, backendName: 'cpu', kernelFunc: withFallback(ATTENTION_KERNEL, ctx, attentionJs, run) };
}
