import * as tf from '@tensorflow/tfjs';
import type { CpuBackendLike, KernelArgs, KernelContext } from './kernel-common.js';
import { countBf16, values, withFallback } from './kernel-common.js';

/** BatchMatMul runs natively from this many multiply-adds on. */
const MIN_NATIVE_MACS = 1 << 16;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * The native `BatchMatMul` (oneDNN matmul): transposes, and a batch on both sides or on one side only
 * (broadcast); other batch broadcasts and products under {@link MIN_NATIVE_MACS} multiply-adds run `js`.
 * When inference asks for bf16, plain matrix products (both operands 2-D: the 1x1x1 convolutions and
 * projections of layers-3d) run in bf16 with f32 accumulation; batched ones (the RA block's attention
 * logits, whose exponentials would amplify the rounding) stay f32.
 */
export function makeBatchMatMulKernel(ctx: KernelContext, js: tf.KernelFunc): tf.KernelFunc {
  const run = (args: KernelArgs): tf.TensorInfo | undefined => {
    const backend = args.backend as CpuBackendLike;
    const attrs = (args.attrs ?? {}) as Record<string, unknown>;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const av = values(backend, a);
    const bv = values(backend, b);
    if (av === undefined || bv === undefined || a.shape.length < 2 || b.shape.length < 2) return undefined;
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = ta ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
    const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
    const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    const batch = size(outer);
    // same batch on both sides, or one side without batch (broadcast); other broadcasts go to JS
    if (!(batchA === batchB || batchA === 1 || batchB === 1) || m * n * k * batch < MIN_NATIVE_MACS) return undefined;
    if (batchA !== batchB && batch !== Math.max(batchA, batchB)) return undefined;
    const out = ctx.allocate(batch * m * n);
    const bf16 = ra === 2 && rb === 2 && ctx.bf16Requested();
    const params = Float64Array.from([batchA, batchB, m, k, n, ta ? 1 : 0, tb ? 1 : 0, bf16 ? 1 : 0]);
    if (ctx.addon.matmul(av, bv, out, params)) countBf16(ctx, 'BatchMatMul');
    return backend.makeTensorInfo([...outer, m, n], 'float32', out);
  };
  return withFallback('BatchMatMul', ctx, js, run);
}
