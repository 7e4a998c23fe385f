import type * as tf from '@tensorflow/tfjs';
import type { KernelArgs, KernelContext } from './kernel-common.js';
import { countBf16, values, withFallback } from './kernel-common.js';
import type { CpuBackendLike } from './kernel-common.js';
import { convGeometry } from './conv-params.js';
import type { ConvGeometry } from './conv-params.js';

/**
 * The pointwise case, a 1x1x1 kernel with stride 1 and no padding, as one matmul over the voxels: with
 * M = N*D*H*W, x is [M, in], the filter [in, out] and y [M, out] in their own layouts (no copy).
 * Measured (CPU time, lidc-nodules shapes at batch 8): forward 1.2-1.9x and backward data 1.4-2.8x
 * faster than oneDNN's 1x1 convolution, equal for a single output channel.
 */
function pointwise(g: ConvGeometry): { m: number; cin: number; cout: number } | undefined {
  const [n, id, ih, iw, ic, od, oh, ow, oc, kd, kh, kw, sd, sh, sw, ...pads] = g.params;
  const unit = [kd, kh, kw, sd, sh, sw].every((v) => v === 1) && pads.every((v) => v === 0);
  if (!unit || od !== id || oh !== ih || ow !== iw) return undefined;
  return { m: n * id * ih * iw, cin: ic, cout: oc };
}

/** Builds the native `kernelFunc` for `name`, falling back to `js` for what the native path does not cover. */
export function makeConv3DKernel(name: string, ctx: KernelContext, js: tf.KernelFunc): tf.KernelFunc {
  const run = (args: KernelArgs): tf.TensorInfo | undefined => {
    const backend = args.backend as CpuBackendLike;
    const attrs = (args.attrs ?? {}) as Record<string, unknown>;
    const strides = attrs.strides as number | [number, number, number];
    const pad = attrs.pad as 'valid' | 'same';
    if (name === 'Conv3D') {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const g = convGeometry(x.shape, filter.shape, strides, pad, attrs.dilations as number | undefined);
      const xv = values(backend, x);
      const wv = values(backend, filter);
      if (g === undefined || xv === undefined || wv === undefined) return undefined;
      const y = ctx.allocate(g.ySize);
      const p = pointwise(g);
      // bf16 inputs with f32 accumulation when inference asks for it (forward only, never in gradients)
      const bf16 = ctx.bf16Requested();
      const ranBf16 = p
        ? ctx.addon.matmul(xv, wv, y, Float64Array.from([1, 1, p.m, p.cin, p.cout, 0, 0, bf16 ? 1 : 0]))
        : ctx.addon.conv3dForward(xv, wv, y, g.params, bf16);
      if (ranBf16) countBf16(ctx, name);
      return backend.makeTensorInfo(g.outShape, 'float32', y);
    }
    if (name === 'Conv3DBackpropInputV2') {
      const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const inputShape = attrs.inputShape as number[];
      const g = convGeometry(inputShape, filter.shape, strides, pad, 1);
      const dyv = values(backend, dy);
      const wv = values(backend, filter);
      if (g === undefined || dyv === undefined || wv === undefined) return undefined;
      const dx = ctx.allocate(g.xSize);
      const p = pointwise(g);
      // dx [M, in] = dy [M, out] filter^T
      if (p) ctx.addon.matmul(dyv, wv, dx, Float64Array.from([1, 1, p.m, p.cout, p.cin, 0, 1]));
      else ctx.addon.conv3dBackwardData(dyv, wv, dx, g.params);
      return backend.makeTensorInfo([...inputShape], 'float32', dx);
    }
    // Conv3DBackpropFilterV2
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const filterShape = attrs.filterShape as number[];
    const g = convGeometry(x.shape, filterShape, strides, pad, 1);
    const xv = values(backend, x);
    const dyv = values(backend, dy);
    if (g === undefined || xv === undefined || dyv === undefined) return undefined;
    const dw = ctx.allocate(g.filterSize);
    // pointwise too: the matmul x^T dy (long reduction, tiny output) measured no faster than oneDNN's own
    ctx.addon.conv3dBackwardFilter(xv, dyv, dw, g.params);
    return backend.makeTensorInfo([...filterShape], 'float32', dw);
  };
  return withFallback(name, ctx, js, run);
}
