// Linear upsampling along one axis, and its adjoint, as one kernel each when the active backend has one
// (`@raunet/cpu-kernels` adds a native kernel to the cpu backend), else as the chain of tf ops of ops.ts and
// upsample-3d.ts. As ops, the gradient of one trilinear upsampling made about ten temporaries of the output's
// size: at the paper's 192x192x32 patch the last upsampling's gradient held 1.5 GB at the training step's
// peak. A kernel must give the chain's values bit for bit (each multiply and add rounded to float32 in the
// chain's order).
import * as tf from '@tensorflow/tfjs';
import { fusedOpsEnabled } from './fused-batch-norm.js';

/**
 * Name of the optional kernel behind this package's trilinear upsampling: input `x` (float32); attributes
 * `axis`, `factor` (a positive integer) and `adjoint` (boolean). Forward: linear interpolation along `axis` by
 * `factor` with half-pixel centres and edge clamping (PyTorch `align_corners=False`): output phase `r` of
 * voxel `i` is `x[i]` when the source offset `delta = (r + 0.5) / factor - 0.5` is 0, else
 * `x[i] * (1 - |delta|) + x[i ± 1] * |delta|` (the neighbour on delta's side, clamped at the edges), each
 * product and the sum rounded to float32. Adjoint: the forward map's transpose (its gradient), summing in the
 * order of the chain of ops it replaces, with `x.shape[axis] / factor` voxels along the axis. tfjs has no such
 * kernel: the layers use it where a backend registers it (`@raunet/cpu-kernels` does for `cpu`) and run a
 * chain of slices, multiplies, adds, concats and a stack elsewhere, with the same values.
 */
export const LINEAR_UPSAMPLE_KERNEL = 'RaunetLinearUpsample';

/** Registers the kernel's gradient unless one is registered: the map is linear, its gradient is its adjoint. */
function registerGradientOnce(): void {
  if (tf.getGradient(LINEAR_UPSAMPLE_KERNEL) !== undefined) return;
  tf.registerGradient({
    kernelName: LINEAR_UPSAMPLE_KERNEL,
    gradFunc: (dy, _saved, attrs) => {
      const { axis, factor, adjoint } = attrs as unknown as { axis: number; factor: number; adjoint: boolean };
      return { x: () => linearUpsampleKernel(dy as tf.Tensor, axis, factor, !adjoint) };
    },
  });
}

/** Whether the active backend has {@link LINEAR_UPSAMPLE_KERNEL} and the single-node ops are on (see `setFusedOps`). */
export function linearUpsampleKernelAvailable(): boolean {
  return fusedOpsEnabled() && tf.getKernel(LINEAR_UPSAMPLE_KERNEL, tf.getBackend()) !== undefined;
}

/** Runs {@link LINEAR_UPSAMPLE_KERNEL} (differentiable): the forward map, or its adjoint when `adjoint`. */
export function linearUpsampleKernel(x: tf.Tensor, axis: number, factor: number, adjoint: boolean): tf.Tensor {
  registerGradientOnce();
  return tf.engine().runKernel<tf.Tensor>(LINEAR_UPSAMPLE_KERNEL, { x }, { axis, factor, adjoint });
}
