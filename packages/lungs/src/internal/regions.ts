/** Connected components, flood fills and hole filling over flat masks (x fastest), queue-based. */

/** Dims `[nx, ny, nz]` of a flat mask. */
export type Dims = readonly [number, number, number];

/** 6-connected components of the nonzero voxels of `mask`. */
export interface Components {
  /** Component id per voxel (1-based), 0 outside the mask. */
  labels: Int32Array;
  /** Voxel count per component id (index 0 unused). */
  sizes: number[];
}

/** Labels the 6-connected components of `mask` (breadth-first, one shared queue). */
export function components3d(mask: Uint8Array, dims: Dims): Components {
  const [nx, ny, nz] = dims;
  const sxy = nx * ny;
  const n = sxy * nz;
  const labels = new Int32Array(n);
  const queue = new Int32Array(n);
  const sizes = [0];
  let id = 0;
  for (let seed = 0; seed < n; seed++) {
    if (!mask[seed] || labels[seed]) continue;
    id++;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    labels[seed] = id;
    while (head < tail) {
      const p = queue[head++];
      const k = (p / sxy) | 0;
      const r = p - k * sxy;
      const j = (r / nx) | 0;
      const i = r - j * nx;
      if (i > 0 && mask[p - 1] && !labels[p - 1]) {
        labels[p - 1] = id;
        queue[tail++] = p - 1;
      }
      if (i < nx - 1 && mask[p + 1] && !labels[p + 1]) {
        labels[p + 1] = id;
        queue[tail++] = p + 1;
      }
      if (j > 0 && mask[p - nx] && !labels[p - nx]) {
        labels[p - nx] = id;
        queue[tail++] = p - nx;
      }
      if (j < ny - 1 && mask[p + nx] && !labels[p + nx]) {
        labels[p + nx] = id;
        queue[tail++] = p + nx;
      }
      if (k > 0 && mask[p - sxy] && !labels[p - sxy]) {
        labels[p - sxy] = id;
        queue[tail++] = p - sxy;
      }
      if (k < nz - 1 && mask[p + sxy] && !labels[p + sxy]) {
        labels[p + sxy] = id;
        queue[tail++] = p + sxy;
      }
    }
    sizes.push(tail);
  }
  return { labels, sizes };
}

/**
 * Per axial slice (fixed z), marks the voxels of `passable` that are 4-connected to the slice's border
 * through `passable` voxels (e.g. the air around the body).
 */
export function floodFromSliceBorder(passable: Uint8Array, dims: Dims): Uint8Array {
  const [nx, ny, nz] = dims;
  const sxy = nx * ny;
  const out = new Uint8Array(sxy * nz);
  const queue = new Int32Array(sxy);
  for (let z = 0; z < nz; z++) {
    const base = z * sxy;
    let tail = 0;
    const push = (q: number) => {
      if (passable[base + q] && !out[base + q]) {
        out[base + q] = 1;
        queue[tail++] = q;
      }
    };
    for (let x = 0; x < nx; x++) {
      push(x);
      push((ny - 1) * nx + x);
    }
    for (let y = 0; y < ny; y++) {
      push(y * nx);
      push(y * nx + nx - 1);
    }
    for (let head = 0; head < tail; head++) {
      const q = queue[head];
      const y = (q / nx) | 0;
      const x = q - y * nx;
      if (x > 0) push(q - 1);
      if (x < nx - 1) push(q + 1);
      if (y > 0) push(q - nx);
      if (y < ny - 1) push(q + nx);
    }
  }
  return out;
}

/**
 * Fills, in each axial slice of the box `[x0, x1) x [y0, y1) x [z0, z1)`, the pixels not in `mask`
 * that are not 4-connected to the box's in-plane border through non-mask pixels: sets them to `value`
 * in `target` where `allowed` (when given) is nonzero. Returns the number of pixels filled.
 */
export function fillSliceHoles(
  mask: Uint8Array,
  dims: Dims,
  box: readonly [number, number, number, number, number, number],
  target: Uint8Array,
  value: number,
  allowed?: Uint8Array,
): number {
  const [nx, ny] = dims;
  const [x0, x1, y0, y1, z0, z1] = box;
  const w = x1 - x0;
  const h = y1 - y0;
  const seen = new Uint8Array(w * h);
  const queue = new Int32Array(w * h);
  let filled = 0;
  for (let z = z0; z < z1; z++) {
    seen.fill(0);
    const base = z * nx * ny;
    const at = (u: number, v: number) => base + (y0 + v) * nx + x0 + u;
    let tail = 0;
    const push = (u: number, v: number) => {
      const q = v * w + u;
      if (!seen[q] && !mask[at(u, v)]) {
        seen[q] = 1;
        queue[tail++] = q;
      }
    };
    for (let u = 0; u < w; u++) {
      push(u, 0);
      push(u, h - 1);
    }
    for (let v = 0; v < h; v++) {
      push(0, v);
      push(w - 1, v);
    }
    for (let head = 0; head < tail; head++) {
      const q = queue[head];
      const v = (q / w) | 0;
      const u = q - v * w;
      if (u > 0) push(u - 1, v);
      if (u < w - 1) push(u + 1, v);
      if (v > 0) push(u, v - 1);
      if (v < h - 1) push(u, v + 1);
    }
    for (let v = 0; v < h; v++)
      for (let u = 0; u < w; u++) {
        const p = at(u, v);
        if (!seen[v * w + u] && !mask[p] && (!allowed || allowed[p])) {
          target[p] = value;
          filled++;
        }
      }
  }
  return filled;
}

/** Bounding box `[x0, x1, y0, y1, z0, z1]` (half-open) of the voxels where `labels === value`, or undefined. */
export function boundingBox(
  labels: Uint8Array,
  dims: Dims,
  value: number,
): [number, number, number, number, number, number] | undefined {
  const [nx, ny, nz] = dims;
  let x0 = nx,
    x1 = -1,
    y0 = ny,
    y1 = -1,
    z0 = nz,
    z1 = -1;
  let p = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, p++) {
        if (labels[p] !== value) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (z < z0) z0 = z;
        if (z > z1) z1 = z;
      }
  return x1 < 0 ? undefined : [x0, x1 + 1, y0, y1 + 1, z0, z1 + 1];
}

/** A box grown by `margin` voxels per axis, clipped to the grid. */
export function growBox(
  box: readonly number[],
  margin: readonly [number, number, number],
  dims: Dims,
): [number, number, number, number, number, number] {
  return [
    Math.max(0, box[0] - margin[0]),
    Math.min(dims[0], box[1] + margin[0]),
    Math.max(0, box[2] - margin[1]),
    Math.min(dims[1], box[3] + margin[1]),
    Math.max(0, box[4] - margin[2]),
    Math.min(dims[2], box[5] + margin[2]),
  ];
}
