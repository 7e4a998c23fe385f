// 3D upsampling (trilinear or nearest, integer factors) as one autodiff node.
//
// The separable interpolation of ops.ts is a chain of slices, concats, multiplies, adds and a stack per axis,
// each of whose outputs tfjs's tape keeps (a multiply keeps both operands, an add keeps both for their
// shapes) together with a full-size gradient per intermediate: about ten tensors of the output's size for one
// upsampling. The map is linear, so its gradient needs nothing from the forward pass: here the forward runs
// untaped (same ops, same values) and the gradient applies the adjoint map to dy, axis by axis in reverse.
import * as tf from '@tensorflow/tfjs';
import { fusedOpsEnabled } from './fused-batch-norm.js';
import { linearUpsampleKernel, linearUpsampleKernelAvailable } from './linear-upsample.js';
import { linearUpsampleAxis, nearestUpsampleAxis } from './ops.js';

/** Upsampling kind. */
export type Upsampling = 'trilinear' | 'nearest';

/**
 * Upsamples an NDHWC tensor by integer `size` `[d, h, w]`: separable linear interpolation with half-pixel
 * centres and edge clamping (PyTorch `align_corners=False`) or nearest-neighbour repetition.
 */
export function upsample3D(x: tf.Tensor, size: readonly [number, number, number], interpolation: Upsampling): tf.Tensor {
  if (size.every((s) => s === 1)) return x;
  if (interpolation === 'trilinear' && x.dtype === 'float32' && linearUpsampleKernelAvailable()) {
    // one kernel per axis, whose registered gradient is the adjoint kernel (nothing saved for it)
    const along = (t: tf.Tensor, axis: number, factor: number): tf.Tensor => (factor === 1 ? t : linearUpsampleKernel(t, axis, factor, false));
    return along(along(along(x, 3, size[2]), 2, size[1]), 1, size[0]);
  }
  const up = interpolation === 'trilinear' ? linearUpsampleAxis : nearestUpsampleAxis;
  // Separable: linear along W, then H, then D equals trilinear interpolation.
  const forward = (input: tf.Tensor): tf.Tensor => up(up(up(input, 3, size[2]), 2, size[1]), 1, size[0]);
  if (!fusedOpsEnabled()) return forward(x);
  const adjoint = interpolation === 'trilinear' ? linearUpsampleAxisAdjoint : nearestUpsampleAxisAdjoint;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const value = tf.tidy(() => forward(input));
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) =>
        tf.tidy(() => adjoint(adjoint(adjoint(dy as tf.Tensor, 1, size[0]), 2, size[1]), 3, size[2])),
    };
  });
  return op(x);
}

function sliceAxis(x: tf.Tensor, axis: number, start: number, length: number): tf.Tensor {
  const begin = x.shape.map(() => 0);
  const sizes = x.shape.map(() => -1);
  begin[axis] = start;
  sizes[axis] = length;
  return tf.slice(x, begin, sizes);
}

function zerosAlong(x: tf.Tensor, axis: number): tf.Tensor {
  const shape = x.shape.slice();
  shape[axis] = 1;
  return tf.zeros(shape);
}

/** The phases `[.., n, factor, ..]` of an axis upsampled by `factor`, each of the input's shape. */
function phasesOf(g: tf.Tensor, axis: number, factor: number): tf.Tensor[] {
  const shape = g.shape.slice();
  const n = shape[axis] / factor;
  return tf.unstack(tf.reshape(g, [...shape.slice(0, axis), n, factor, ...shape.slice(axis + 1)]), axis + 1);
}

/**
 * Adjoint of `x -> prev(x)`, `prev(x)[i] = x[max(i - 1, 0)]`: `[g0 + g1, g2, .., g(n-1), 0]`.
 */
function prevAdjoint(g: tf.Tensor, axis: number): tf.Tensor {
  const n = g.shape[axis];
  if (n === 1) return g;
  const parts = [tf.add(sliceAxis(g, axis, 0, 1), sliceAxis(g, axis, 1, 1))];
  if (n > 2) parts.push(sliceAxis(g, axis, 2, n - 2));
  parts.push(zerosAlong(g, axis));
  return tf.concat(parts, axis);
}

/** Adjoint of `x -> next(x)`, `next(x)[i] = x[min(i + 1, n - 1)]`: `[0, g0, .., g(n-3), g(n-2) + g(n-1)]`. */
function nextAdjoint(g: tf.Tensor, axis: number): tf.Tensor {
  const n = g.shape[axis];
  if (n === 1) return g;
  const parts = [zerosAlong(g, axis)];
  if (n > 2) parts.push(sliceAxis(g, axis, 0, n - 2));
  parts.push(tf.add(sliceAxis(g, axis, n - 2, 1), sliceAxis(g, axis, n - 1, 1)));
  return tf.concat(parts, axis);
}

/** Adjoint of {@link linearUpsampleAxis}: phase r with offset delta blends x and its shifted neighbour. */
function linearUpsampleAxisAdjoint(g: tf.Tensor, axis: number, factor: number): tf.Tensor {
  if (factor === 1) return g;
  let direct: tf.Tensor | null = null;
  let toPrev: tf.Tensor | null = null;
  let toNext: tf.Tensor | null = null;
  const accumulate = (acc: tf.Tensor | null, t: tf.Tensor): tf.Tensor => (acc ? tf.add(acc, t) : t);
  phasesOf(g, axis, factor).forEach((phase, r) => {
    const delta = (r + 0.5) / factor - 0.5;
    if (Math.abs(delta) < 1e-12) {
      direct = accumulate(direct, phase);
    } else if (delta > 0) {
      direct = accumulate(direct, tf.mul(phase, 1 - delta));
      toNext = accumulate(toNext, tf.mul(phase, delta));
    } else {
      direct = accumulate(direct, tf.mul(phase, 1 + delta));
      toPrev = accumulate(toPrev, tf.mul(phase, -delta));
    }
  });
  let dx = direct!;
  if (toPrev) dx = tf.add(dx, prevAdjoint(toPrev, axis));
  if (toNext) dx = tf.add(dx, nextAdjoint(toNext, axis));
  return dx;
}

/** Adjoint of {@link nearestUpsampleAxis}: the sum of the phases. */
function nearestUpsampleAxisAdjoint(g: tf.Tensor, axis: number, factor: number): tf.Tensor {
  if (factor === 1) return g;
  const shape = g.shape.slice();
  return tf.sum(tf.reshape(g, [...shape.slice(0, axis), shape[axis] / factor, factor, ...shape.slice(axis + 1)]), axis + 1);
}
