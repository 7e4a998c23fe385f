import type { Vec3 } from './volume-utils.js';

function minMax(d: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/**
 * Contrast, nnU-Net style, in place: `x' = m + factor · (x - m)` around the mean `m`, then clipped to the
 * range the data had before (so the value range never grows).
 */
export function contrastInPlace(d: Float32Array, factor: number): void {
  const [lo, hi] = minMax(d);
  let sum = 0;
  for (let i = 0; i < d.length; i++) sum += d[i];
  const m = sum / d.length;
  for (let i = 0; i < d.length; i++) {
    const x = m + factor * (d[i] - m);
    d[i] = x < lo ? lo : x > hi ? hi : x;
  }
}

/**
 * Gamma, nnU-Net style, in place: `x' = min + (max - min) · ((x - min) / (max - min))^gamma` over the data's
 * own range (min and max are kept, the order of values too). A constant array is left alone.
 */
export function gammaInPlace(d: Float32Array, gamma: number): void {
  const [lo, hi] = minMax(d);
  const r = hi - lo;
  if (!(r > 0)) return;
  // exp(gamma · log t) is about 3x faster than t ** gamma in V8, and t = 0 maps to 0 for any gamma > 0
  for (let i = 0; i < d.length; i++) {
    const t = (d[i] - lo) / r;
    d[i] = t > 0 ? lo + r * Math.exp(gamma * Math.log(t)) : lo;
  }
}

/** A normalized sampled Gaussian of standard deviation `sigma` (voxels), radius `ceil(3·sigma)`. */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let t = -radius; t <= radius; t++) sum += k[t + radius] = Math.exp(-(t * t) / (2 * sigma * sigma));
  for (let t = 0; t < k.length; t++) k[t] /= sum;
  return k;
}

/**
 * Gaussian blur in the x-y plane, in place: separable, standard deviation `sigma` voxels along x and y,
 * none along z; borders repeat the edge value. O(voxels · radius); both passes walk memory contiguously
 * through one plane-sized buffer.
 */
export function blurInPlane(d: Float32Array, dims: Vec3, sigma: number): void {
  if (!(sigma > 0)) return;
  const [nx, ny, nz] = dims;
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) / 2;
  const taps = kernel.length;
  const plane = nx * ny;
  const tmp = new Float32Array(plane);
  const x0 = Math.min(radius, nx);
  const x1 = Math.max(nx - radius, x0);
  for (let k = 0; k < nz; k++) {
    const base = k * plane;
    // x pass: d -> tmp; clamped reads only within `radius` of the row ends
    for (let j = 0; j < ny; j++) {
      const row = base + j * nx;
      const out = j * nx;
      for (let i = 0; i < x0; i++) tmp[out + i] = clampedTaps(d, row, i - radius, nx, kernel);
      for (let i = x0; i < x1; i++) {
        let acc = 0;
        for (let t = 0, q = row + i - radius; t < taps; t++, q++) acc += kernel[t] * d[q];
        tmp[out + i] = acc;
      }
      for (let i = x1; i < nx; i++) tmp[out + i] = clampedTaps(d, row, i - radius, nx, kernel);
    }
    // y pass: tmp -> d, row by row, each output row a weighted sum of whole input rows
    for (let j = 0; j < ny; j++) {
      const out = base + j * nx;
      for (let i = 0; i < nx; i++) d[out + i] = 0;
      for (let t = 0; t < taps; t++) {
        const q = j + t - radius;
        const src = (q < 0 ? 0 : q >= ny ? ny - 1 : q) * nx;
        const w = kernel[t];
        for (let i = 0; i < nx; i++) d[out + i] += w * tmp[src + i];
      }
    }
  }
}

/** Kernel sum over `d[row + q]`, q from `first`, with q clamped to `[0, n)`. */
function clampedTaps(d: Float32Array, row: number, first: number, n: number, kernel: Float64Array): number {
  let acc = 0;
  for (let t = 0, q = first; t < kernel.length; t++, q++) acc += kernel[t] * d[row + (q < 0 ? 0 : q >= n ? n - 1 : q)];
  return acc;
}
