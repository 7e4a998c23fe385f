import type * as tf from '@tensorflow/tfjs';
import type { KernelArgs, KernelContext } from './kernel-common.js';
import { values, withFallback } from './kernel-common.js';
import type { CpuBackendLike } from './kernel-common.js';
import { convGeometry } from './conv-params.js';

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
      ctx.addon.conv3dForward(xv, wv, y, g.params);
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
      ctx.addon.conv3dBackwardData(dyv, wv, dx, g.params);
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
    ctx.addon.conv3dBackwardFilter(xv, dyv, dw, g.params);
    return backend.makeTensorInfo([...filterShape], 'float32', dw);
  };
  return withFallback(name, ctx, js, run);
}
