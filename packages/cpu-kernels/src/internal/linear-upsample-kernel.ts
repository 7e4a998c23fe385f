import type * as tf from '@tensorflow/tfjs';
import type { CpuBackendLike, KernelArgs, KernelContext } from './kernel-common.js';
import { values, withFallback } from './kernel-common.js';
import { MIN_NATIVE_ELEMENTS } from './elementwise-kernels.js';

/**
 * The kernel `@raunet/layers-3d` calls for trilinear upsampling, one axis at a time (its exported
 * `LINEAR_UPSAMPLE_KERNEL`): input `x`; attributes `axis`, `factor` (a positive integer) and `adjoint`.
 * Forward: linear interpolation along `axis` by `factor` with half-pixel centres and edge clamping (PyTorch
 * `align_corners=False`), `x.shape[axis] * factor` long; adjoint (the forward's gradient): `x.shape[axis] /
 * factor` long. Bit-identical to the chain of tf ops layers-3d runs where no backend provides it. tfjs has no
 * kernel of this name: this package adds it to the `cpu` backend.
 */
export const LINEAR_UPSAMPLE_KERNEL = 'RaunetLinearUpsample';

interface Parts {
  x: Float32Array;
  shape: number[];
  outShape: number[];
  /** outer, n (input length along the axis of the forward map), inner, factor */
  dims: [number, number, number, number];
  adjoint: boolean;
}

function parts(args: KernelArgs): Parts | undefined {
  const { x } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const { axis, factor, adjoint } = (args.attrs ?? {}) as { axis?: number; factor?: number; adjoint?: boolean };
  if (!x || x.dtype !== 'float32' || axis === undefined || factor === undefined) return undefined;
  const rank = x.shape.length;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank || !Number.isInteger(factor) || factor < 1) return undefined;
  const long = x.shape[axis];
  if (adjoint === true && long % factor !== 0) return undefined;
  const n = adjoint === true ? long / factor : long;
  const xv = values(args.backend as CpuBackendLike, x);
  if (!xv) return undefined;
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outShape = [...x.shape];
  outShape[axis] = adjoint === true ? n : n * factor;
  return { x: xv, shape: [...x.shape], outShape, dims: [outer, n, inner, factor], adjoint: adjoint === true };
}

/** Source offset of output phase r: (r + 0.5) / factor - 0.5; weights float32(1 - |delta|), float32(|delta|). */
function phases(factor: number): { direct: boolean; side: number; w: number; wn: number }[] {
  return Array.from({ length: factor }, (_, r) => {
    const delta = (r + 0.5) / factor - 0.5;
    return { direct: Math.abs(delta) < 1e-12, side: delta > 0 ? 1 : -1, w: Math.fround(delta > 0 ? 1 - delta : 1 + delta), wn: Math.fround(Math.abs(delta)) };
  });
}

/** The same arithmetic in JS (Math.fround after each step), for small tensors and uncovered cases. */
function linearUpsampleJs(args: KernelArgs): tf.TensorInfo {
  const p = parts(args);
  if (!p) throw new Error(`${LINEAR_UPSAMPLE_KERNEL}: expected a float32 x, an integer axis of x and a positive integer factor (dividing x's length along the axis for the adjoint)`);
  const [outer, n, inner, factor] = p.dims;
  const ph = phases(factor);
  const f = Math.fround;
  const out = new Float32Array(outer * n * inner * (p.adjoint ? 1 : factor));
  const x = p.x;
  if (!p.adjoint) {
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < n; i++)
        for (let r = 0; r < factor; r++) {
          const q = ph[r];
          const j = Math.min(Math.max(i + q.side, 0), n - 1);
          for (let k = 0; k < inner; k++) {
            const v = x[(o * n + i) * inner + k];
            out[((o * n + i) * factor + r) * inner + k] = q.direct ? v : f(f(v * q.w) + f(x[(o * n + j) * inner + k] * q.wn));
          }
        }
  } else {
    const g = (o: number, j: number, r: number, k: number) => x[((o * n + j) * factor + r) * inner + k];
    // the weighted phases of one side (-1 previous, +1 next) at position j, summed in phase order
    const sideSum = (o: number, j: number, s: number, k: number): number => {
      let acc: number | undefined;
      ph.forEach((q, r) => {
        if (q.direct || q.side !== s) return;
        const v = f(g(o, j, r, k) * q.wn);
        acc = acc === undefined ? v : f(acc + v);
      });
      return acc!;
    };
    const shiftAdjoint = (o: number, i: number, s: number, k: number): number => {
      if (n === 1) return sideSum(o, 0, s, k);
      if ((s < 0 && i === 0) || (s > 0 && i === n - 1)) return f(sideSum(o, s < 0 ? 0 : n - 2, s, k) + sideSum(o, s < 0 ? 1 : n - 1, s, k));
      if ((s < 0 && i === n - 1) || (s > 0 && i === 0)) return 0;
      return sideSum(o, s < 0 ? i + 1 : i - 1, s, k);
    };
    const hasPrev = ph.some((q) => !q.direct && q.side < 0);
    const hasNext = ph.some((q) => !q.direct && q.side > 0);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < n; i++)
        for (let k = 0; k < inner; k++) {
          let acc: number | undefined;
          ph.forEach((q, r) => {
            const v = q.direct ? g(o, i, r, k) : f(g(o, i, r, k) * q.w);
            acc = acc === undefined ? v : f(acc + v);
          });
          let d = acc!;
          if (hasPrev) d = f(d + shiftAdjoint(o, i, -1, k));
          if (hasNext) d = f(d + shiftAdjoint(o, i, 1, k));
          out[(o * n + i) * inner + k] = d;
        }
  }
  return (args.backend as CpuBackendLike).makeTensorInfo(p.outShape, 'float32', out);
}

/** The `cpu` kernel config of {@link LINEAR_UPSAMPLE_KERNEL}: native one pass, the JS loop for small or uncovered cases. */
export function makeLinearUpsampleKernel(ctx: KernelContext): tf.KernelConfig {
  const run = (args: KernelArgs): tf.TensorInfo | undefined => {
    const p = parts(args);
    if (!p || p.x.length < MIN_NATIVE_ELEMENTS) return undefined;
    const out = ctx.allocate(p.outShape.reduce((a, b) => a * b, 1));
    ctx.addon.linearUpsample(p.x, out, Float64Array.from(p.dims), p.adjoint);
    return (args.backend as CpuBackendLike).makeTensorInfo(p.outShape, 'float32', out);
  };
  return { kernelName: LINEAR_UPSAMPLE_KERNEL, backendName: 'cpu', kernelFunc: withFallback(LINEAR_UPSAMPLE_KERNEL, ctx, linearUpsampleJs, run) };
}
