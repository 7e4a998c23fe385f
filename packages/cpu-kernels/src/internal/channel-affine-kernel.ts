import type * as tf from '@tensorflow/tfjs';
import type { CpuBackendLike, KernelArgs, KernelContext } from './kernel-common.js';
import { values, withFallback } from './kernel-common.js';
import { MIN_NATIVE_ELEMENTS } from './elementwise-kernels.js';

/**
 * The kernel `@raunet/layers-3d` calls for the inference epilogue of a batch norm (its exported
 * `CHANNEL_AFFINE_KERNEL`): inputs `x`, `scale` and `shift` (`[channels]`, the last axis of `x`) and an
 * optional `residual` of x's shape; attribute `relu`. Output `act(x * scale + shift (+ residual))`, each
 * step rounded to float32 in that order (bit-identical to the Multiply, Add, Add, Relu chain it replaces).
 * tfjs has no kernel of this name: this package adds it to the `cpu` backend, and layers-3d runs the chain
 * of ops where no backend provides it.
 */
export const CHANNEL_AFFINE_KERNEL = 'RaunetChannelAffine';

interface Parts {
  x: Float32Array;
  scale: Float32Array;
  shift: Float32Array;
  residual: Float32Array | null;
  relu: boolean;
  shape: number[];
}

function parts(args: KernelArgs): Parts | undefined {
  const backend = args.backend as CpuBackendLike;
  const { x, scale, shift, residual } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x || !scale || !shift) return undefined;
  const c = x.shape[x.shape.length - 1];
  if (x.shape.length < 1 || scale.shape.length !== 1 || scale.shape[0] !== c || shift.shape.length !== 1 || shift.shape[0] !== c) return undefined;
  if (residual && residual.shape.join() !== x.shape.join()) return undefined;
  const xv = values(backend, x);
  const sv = values(backend, scale);
  const hv = values(backend, shift);
  const rv = residual ? values(backend, residual) : null;
  if (!xv || !sv || !hv || rv === undefined) return undefined;
  return { x: xv, scale: sv, shift: hv, residual: rv, relu: (args.attrs as { relu?: boolean } | undefined)?.relu === true, shape: [...x.shape] };
}

/** The same arithmetic in JS (Math.fround after each step, as the JS Multiply, Add and Relu kernels store). */
function channelAffineJs(args: KernelArgs): tf.TensorInfo {
  const p = parts(args);
  if (!p) throw new Error(`${CHANNEL_AFFINE_KERNEL}: expected float32 x, scale and shift of [channels] (the last axis of x), and a residual of x's shape`);
  const out = new Float32Array(p.x.length);
  const c = p.scale.length;
  for (let i = 0; i < out.length; i++) {
    let v = Math.fround(p.x[i] * p.scale[i % c]);
    v = Math.fround(v + p.shift[i % c]);
    if (p.residual) v = Math.fround(v + p.residual[i]);
    out[i] = p.relu && v < 0 ? 0 : v;
  }
  return (args.backend as CpuBackendLike).makeTensorInfo(p.shape, 'float32', out);
}

/** The `cpu` kernel config of {@link CHANNEL_AFFINE_KERNEL}: native one pass, the JS loop for small or uncovered cases. */
export function makeChannelAffineKernel(ctx: KernelContext): tf.KernelConfig {
  const run = (args: KernelArgs): tf.TensorInfo | undefined => {
    const p = parts(args);
    if (!p || p.x.length < MIN_NATIVE_ELEMENTS) return undefined;
    const out = ctx.allocate(p.x.length);
    ctx.addon.channelAffine(p.x, p.scale, p.shift, p.residual, p.relu, out);
    return (args.backend as CpuBackendLike).makeTensorInfo(p.shape, 'float32', out);
  };
  return { kernelName: CHANNEL_AFFINE_KERNEL, backendName: 'cpu', kernelFunc: withFallback(CHANNEL_AFFINE_KERNEL, ctx, channelAffineJs, run) };
}
