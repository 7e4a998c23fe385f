import * as tf from '@tensorflow/tfjs';
import type { CpuBackendLike, KernelArgs, KernelContext } from './kernel-common.js';
import { values, withFallback } from './kernel-common.js';

/** Below this many output elements the JS kernels are as fast: they are used unchanged. */
export const MIN_NATIVE_ELEMENTS = 1 << 14;

const BINARY_OPS: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 };

/** Kernel names served by this module. */
export const ELEMENTWISE_KERNELS = [
  'Relu',
  'Step',
  'Square',
  'Sqrt',
  'Rsqrt',
  'Exp',
  'Log',
  'Neg',
  'Abs',
  'Sigmoid',
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Sum',
  'Mean',
  'Slice',
  'SplitV',
  'Unpack',
  'PadV2',
  'Concat',
  'Pack',
  'Tile',
  'ClipByValue',
  'Transpose',
  'Max',
] as const;

/** Op codes of the addon's `unary` (native/elementwise.h). */
const UNARY_OPS: Record<string, number> = { Relu: 0, Step: 1, Square: 2, Sqrt: 3, Rsqrt: 4, Exp: 5, Log: 6, Neg: 7, Abs: 8, Sigmoid: 9, ClipByValue: 10 };

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function denseStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Drops size-1 dims and merges neighbours that are contiguous for every stride set, so the native loop
 * gets few, long dims. Returns at least one dim.
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: Float64Array; strides: Float64Array[] } {
  const keep = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  let dims = keep.map((i) => shape[i]);
  let ss = strides.map((s) => keep.map((i) => s[i]));
  if (dims.length === 0) {
    dims = [1];
    ss = strides.map(() => [0]);
  }
  const outDims: number[] = [dims[dims.length - 1]];
  const outStrides = ss.map((s) => [s[s.length - 1]]);
  for (let i = dims.length - 2; i >= 0; i--) {
    const mergeable = ss.every((s, k) => s[i] === outStrides[k][0] * outDims[0]);
    if (mergeable) outDims[0] *= dims[i];
    else {
      outDims.unshift(dims[i]);
      ss.forEach((s, k) => outStrides[k].unshift(s[i]));
    }
  }
  return { shape: Float64Array.from(outDims), strides: outStrides.map((s) => Float64Array.from(s)) };
}

function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const pad = outShape.length - shape.length;
  const full = [...new Array<number>(pad).fill(1), ...shape];
  const dense = denseStrides(full);
  return full.map((d, i) => (d === 1 && outShape[i] !== 1 ? 0 : dense[i]));
}

function copyRegion(
  ctx: KernelContext,
  src: Float32Array,
  srcOffset: number,
  srcStrides: readonly number[],
  dst: Float32Array,
  dstOffset: number,
  dstStrides: readonly number[],
  shape: readonly number[],
): void {
  if (size(shape) === 0) return;
  const c = collapse(shape, [srcStrides, dstStrides]);
  ctx.addon.copy(src, srcOffset, c.strides[0], dst, dstOffset, c.strides[1], c.shape);
}

/** Builds the native `kernelFunc` for one of {@link ELEMENTWISE_KERNELS}, with `js` as the fallback. */
export function makeElementwiseKernel(name: string, ctx: KernelContext, js: tf.KernelFunc): tf.KernelFunc {
  const run = (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] | undefined => {
    const backend = args.backend as CpuBackendLike;
    const attrs = (args.attrs ?? {}) as Record<string, unknown>;
    if (name in BINARY_OPS) {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const av = values(backend, a);
      const bv = values(backend, b);
      if (av === undefined || bv === undefined) return undefined;
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const n = size(outShape);
      if (n < MIN_NATIVE_ELEMENTS) return undefined;
      const c = collapse(outShape, [broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape)]);
      const out = ctx.allocate(n);
      ctx.addon.binary(BINARY_OPS[name], av, c.strides[0], bv, c.strides[1], out, c.shape);
      return backend.makeTensorInfo(outShape, 'float32', out);
    }
    if (name === 'Concat' || name === 'Pack') {
      const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as tf.TensorInfo[];
      const vals = inputs.map((t) => values(backend, t));
      if (inputs.length < 2 || vals.some((v) => v === undefined)) return undefined;
      const rank0 = inputs[0].shape.length;
      const axis = tf.util.parseAxisParam(attrs.axis as number, name === 'Pack' ? [...inputs[0].shape, 1] : inputs[0].shape)[0];
      // Pack = concat of inputs with a size-1 dim inserted at `axis`
      const shapes = inputs.map((t) => (name === 'Pack' ? [...t.shape.slice(0, axis), 1, ...t.shape.slice(axis)] : [...t.shape]));
      if (shapes.some((sh) => sh.length !== shapes[0].length || sh.some((d, i) => i !== axis && d !== shapes[0][i]))) return undefined;
      if (name === 'Pack' && inputs.some((t) => t.shape.length !== rank0)) return undefined;
      const outShape = shapes[0].slice();
      outShape[axis] = shapes.reduce((acc, sh) => acc + sh[axis], 0);
      const n = size(outShape);
      if (n < MIN_NATIVE_ELEMENTS) return undefined;
      const out = ctx.allocate(n);
      const outStrides = denseStrides(outShape);
      let start = 0;
      shapes.forEach((sh, i) => {
        copyRegion(ctx, vals[i]!, 0, denseStrides(sh), out, start * outStrides[axis], outStrides, sh);
        start += sh[axis];
      });
      return backend.makeTensorInfo(outShape, 'float32', out);
    }
    // Unpack names its input `value`, the others `x`
    const x = (name === 'Unpack' ? args.inputs.value : args.inputs.x) as tf.TensorInfo;
    const xv = values(backend, x);
    if (name === 'Tile') {
      // pure broadcasts only (every repeated dim has size 1): a copy with stride 0 on the repeated dims
      const reps = attrs.reps as number[];
      if (xv === undefined || reps.length !== x.shape.length || x.shape.some((d, i) => reps[i] > 1 && d !== 1)) return undefined;
      const outShape = x.shape.map((d, i) => d * reps[i]);
      const n = size(outShape);
      if (n < MIN_NATIVE_ELEMENTS) return undefined;
      const out = ctx.allocate(n);
      const src = denseStrides(x.shape).map((s, i) => (reps[i] > 1 ? 0 : s));
      copyRegion(ctx, xv, 0, src, out, 0, denseStrides(outShape), outShape);
      return backend.makeTensorInfo(outShape, 'float32', out);
    }
    if (xv === undefined || size(x.shape) < MIN_NATIVE_ELEMENTS) return undefined;
    const xStrides = denseStrides(x.shape);
    if (name in UNARY_OPS) {
      const out = ctx.allocate(xv.length);
      const [p, q] = name === 'ClipByValue' ? [attrs.clipValueMin as number, attrs.clipValueMax as number] : [(attrs.alpha as number | undefined) ?? 0, 0];
      ctx.addon.unary(UNARY_OPS[name], xv, out, p, q);
      return backend.makeTensorInfo([...x.shape], 'float32', out);
    }
    if (name === 'Transpose') {
      const perm = attrs.perm as number[];
      const outShape = perm.map((p) => x.shape[p]);
      const out = ctx.allocate(xv.length);
      copyRegion(ctx, xv, 0, perm.map((p) => xStrides[p]), out, 0, denseStrides(outShape), outShape);
      return backend.makeTensorInfo(outShape, 'float32', out);
    }
    if (name === 'Sum' || name === 'Mean' || name === 'Max') {
      const axes = tf.util.parseAxisParam((name === 'Max' ? attrs.reductionIndices : attrs.axis) as number | number[], x.shape);
      if (axes.length === 0) return undefined;
      // [k1, r, k2] view: the reduced dims (ignoring size-1 dims) must be adjacent.
      const big = x.shape.map((d, i) => ({ d, reduced: axes.includes(i) })).filter((e) => e.d !== 1);
      const first = big.findIndex((e) => e.reduced);
      const last = big.length - 1 - [...big].reverse().findIndex((e) => e.reduced);
      let k1 = 1;
      let r = 1;
      let k2 = 1;
      if (first >= 0) {
        if (big.slice(first, last + 1).some((e) => !e.reduced)) return undefined;
        k1 = size(big.slice(0, first).map((e) => e.d));
        r = size(big.slice(first, last + 1).map((e) => e.d));
        k2 = size(big.slice(last + 1).map((e) => e.d));
      } else {
        k1 = size(x.shape);
      }
      const outShape = attrs.keepDims
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      const out = ctx.allocate(k1 * k2);
      const reduceSize = size(axes.map((i) => x.shape[i]));
      ctx.addon.reduceSum(xv, k1, r, k2, out, name === 'Mean' ? 1 / reduceSize : 1, name === 'Max' ? 1 : 0);
      return backend.makeTensorInfo(outShape, 'float32', out);
    }
    if (name === 'Slice') {
      const [begin, sliceSize] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
      // contiguous slices are a cheap subarray in the JS kernel already
      if (tf.slice_util.isSliceContinous(x.shape, begin, sliceSize)) return undefined;
      const out = ctx.allocate(size(sliceSize));
      const offset = begin.reduce((s, b, i) => s + b * xStrides[i], 0);
      copyRegion(ctx, xv, offset, xStrides, out, 0, denseStrides(sliceSize), sliceSize);
      return backend.makeTensorInfo(sliceSize, 'float32', out);
    }
    if (name === 'SplitV' || name === 'Unpack') {
      const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
      const sizes =
        name === 'SplitV'
          ? tf.backend_util.prepareSplitSize(x, attrs.numOrSizeSplits as number | number[], axis)
          : new Array<number>(x.shape[axis]).fill(1);
      let start = 0;
      return sizes.map((s) => {
        const shape = x.shape.slice();
        shape[axis] = s;
        const out = ctx.allocate(size(shape));
        copyRegion(ctx, xv, start * xStrides[axis], xStrides, out, 0, denseStrides(shape), shape);
        start += s;
        const outShape = name === 'Unpack' ? shape.filter((_, i) => i !== axis) : shape;
        return backend.makeTensorInfo(outShape, 'float32', out);
      });
    }
    // PadV2
    const paddings = attrs.paddings as [number, number][];
    const constantValue = (attrs.constantValue as number | undefined) ?? 0;
    const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    const out = ctx.allocate(size(outShape));
    ctx.addon.fill(out, constantValue);
    const outStrides = denseStrides(outShape);
    const offset = paddings.reduce((s, p, i) => s + p[0] * outStrides[i], 0);
    copyRegion(ctx, xv, 0, xStrides, out, offset, outStrides, x.shape);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
  return withFallback(name, ctx, js, run);
}
