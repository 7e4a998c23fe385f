import { InvalidArgumentError, createVolume } from '@raunet/core';
import type { Volume } from '@raunet/core';
import { dims3, numericData, spacing3 } from './internal/volume-utils.js';

/** Options of {@link bodyMask}. */
export interface BodyMaskOptions {
  /** Voxels above this value (HU) are candidate body voxels. @defaultValue -500 */
  threshold?: number;
}

/**
 * A rough body mask of a CT in HU, for {@link cropToMask}: voxels above `threshold` (-500 HU: tissue,
 * not air or lung), keeping only the largest 6-connected component, which drops the scanner table when it
 * does not touch the body, and noise specks in the air. Lungs and airways stay holes (they are darker
 * than the threshold); that does not change the bounding box. Uint8, 1 inside, on the CT's grid.
 *
 * @example
 * ```ts
 * const { volume, box } = cropToMask(ct, bodyMask(ct), { margin: 4 });
 * ```
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when no voxel is above the threshold.
 */
export function bodyMask(ct: Volume, options: BodyMaskOptions = {}): Volume<Uint8Array> {
  const [nx, ny, nz] = dims3(ct, 'bodyMask');
  const threshold = options.threshold ?? -500;
  const src = numericData(ct);
  const n = src.length;
  // 0 = background, 1 = above threshold and not yet labelled, >= 2 = component id + 2.
  const labels = new Int32Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    if (src[i] > threshold) {
      labels[i] = 1;
      any = true;
    }
  }
  if (!any) throw new InvalidArgumentError(`bodyMask: no voxel is above ${threshold} HU; is the volume in Hounsfield units?`);
  const queue = new Int32Array(n);
  const sxy = nx * ny;
  let bestId = 0;
  let bestSize = 0;
  let id = 2;
  for (let seed = 0; seed < n; seed++) {
    if (labels[seed] !== 1) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    labels[seed] = id;
    while (head < tail) {
      const p = queue[head++];
      const i = p % nx;
      const j = Math.floor(p / nx) % ny;
      const k = Math.floor(p / sxy);
      if (i > 0 && labels[p - 1] === 1) {
        labels[p - 1] = id;
        queue[tail++] = p - 1;
      }
      if (i < nx - 1 && labels[p + 1] === 1) {
        labels[p + 1] = id;
        queue[tail++] = p + 1;
      }
      if (j > 0 && labels[p - nx] === 1) {
        labels[p - nx] = id;
        queue[tail++] = p - nx;
      }
      if (j < ny - 1 && labels[p + nx] === 1) {
        labels[p + nx] = id;
        queue[tail++] = p + nx;
      }
      if (k > 0 && labels[p - sxy] === 1) {
        labels[p - sxy] = id;
        queue[tail++] = p - sxy;
      }
      if (k < nz - 1 && labels[p + sxy] === 1) {
        labels[p + sxy] = id;
        queue[tail++] = p + sxy;
      }
    }
    if (tail > bestSize) {
      bestSize = tail;
      bestId = id;
    }
    id++;
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (labels[i] === bestId) out[i] = 1;
  return createVolume({ data: out, dims: [nx, ny, nz], spacing: spacing3(ct), affine: ct.affine });
}
