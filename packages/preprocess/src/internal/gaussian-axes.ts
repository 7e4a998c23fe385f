import { gaussianKernel } from './intensity-augment.js';
import type { Vec3 } from './volume-utils.js';

/**
 * Separable Gaussian smoothing with its own standard deviation per axis (voxels; 0 leaves an axis alone),
 * into a new Float32Array; borders repeat the edge value (scipy.ndimage's `mode='nearest'`). The kernel is
 * {@link gaussianKernel}'s: radius `ceil(3·sigma)`, normalized to sum 1.
 */
export function gaussianSmoothAxes(src: ArrayLike<number>, dims: Vec3, sigmas: Vec3): Float32Array {
  let cur = Float32Array.from(src);
  const strides: Vec3 = [1, dims[0], dims[0] * dims[1]];
  for (let axis = 0; axis < 3; axis++) {
    const sigma = sigmas[axis];
    const n = dims[axis];
    if (!(sigma > 0) || n < 2) continue;
    const kernel = gaussianKernel(sigma);
    const radius = (kernel.length - 1) / 2;
    const stride = strides[axis];
    const out = new Float32Array(cur.length);
    // the lines along `axis` start at outer · stride · n + inner, inner < stride
    for (let outer = 0; outer < cur.length; outer += stride * n) {
      for (let start = outer; start < outer + stride; start++) {
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let t = 0; t < kernel.length; t++) {
            const q = i + t - radius;
            acc += kernel[t] * cur[start + (q < 0 ? 0 : q >= n ? n - 1 : q) * stride];
          }
          out[start + i * stride] = acc;
        }
      }
    }
    cur = out;
  }
  return cur;
}
