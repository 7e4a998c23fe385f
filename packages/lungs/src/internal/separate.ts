import { components3d, type Dims } from './regions.js';

/**
 * Splits one connected region (two lungs touching at a junction line) in two: voxels are peeled layer by
 * layer (6-connected distance to the outside) until the remaining cores form two substantial
 * components, and every voxel then goes to the core that reaches it first through the region (a
 * geodesic Voronoi split, so the cut falls in the thin junction). Returns 1 / 2 per voxel (0 outside),
 * or undefined when no depth separates the region into two parts of at least `minFraction` of the
 * larger one (e.g. a single lung).
 */
export function splitInTwo(
  region: Uint8Array,
  dims: Dims,
  minFraction = 0.1,
  maxDepth = 20,
): Uint8Array | undefined {
  const [nx, ny, nz] = dims;
  const sxy = nx * ny;
  const n = sxy * nz;
  // Layer index: 1 on the region's border voxels, 2 one voxel deeper...
  const depth = new Uint16Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  const neighbours = (p: number, visit: (q: number) => void) => {
    const k = (p / sxy) | 0;
    const r = p - k * sxy;
    const j = (r / nx) | 0;
    const i = r - j * nx;
    if (i > 0) visit(p - 1);
    if (i < nx - 1) visit(p + 1);
    if (j > 0) visit(p - nx);
    if (j < ny - 1) visit(p + nx);
    if (k > 0) visit(p - sxy);
    if (k < nz - 1) visit(p + sxy);
  };
  for (let p = 0; p < n; p++) {
    if (!region[p]) continue;
    let border = false;
    neighbours(p, (q) => {
      if (!region[q]) border = true;
    });
    // The grid's own faces are not an outside (neighbours() skips them): a lung cut by the field of view is not thinner there.
    if (border) {
      depth[p] = 1;
      queue[tail++] = p;
    }
  }
  let maxSeen = 1;
  for (let head = 0; head < tail; head++) {
    const p = queue[head];
    const d = depth[p] + 1;
    neighbours(p, (q) => {
      if (region[q] && depth[q] === 0) {
        depth[q] = d;
        if (d > maxSeen) maxSeen = d;
        queue[tail++] = q;
      }
    });
  }
  const core = new Uint8Array(n);
  for (let level = 1; level <= Math.min(maxDepth, maxSeen - 1); level++) {
    for (let p = 0; p < n; p++) core[p] = depth[p] > level ? 1 : 0;
    const { labels, sizes } = components3d(core, dims);
    const order = sizes
      .map((s, id) => ({ s, id }))
      .slice(1)
      .sort((a, b) => b.s - a.s);
    if (order.length < 2 || order[1].s < minFraction * order[0].s) continue;
    const out = new Uint8Array(n);
    tail = 0;
    for (let p = 0; p < n; p++) {
      if (labels[p] === order[0].id) out[p] = 1;
      else if (labels[p] === order[1].id) out[p] = 2;
      else continue;
      queue[tail++] = p;
    }
    for (let head = 0; head < tail; head++) {
      const p = queue[head];
      const value = out[p];
      neighbours(p, (q) => {
        if (region[q] && out[q] === 0) {
          out[q] = value;
          queue[tail++] = q;
        }
      });
    }
    return out;
  }
  return undefined;
}
