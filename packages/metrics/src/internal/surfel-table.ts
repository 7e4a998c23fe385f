/**
 * Surface elements ("surfels") of the voxel-corner grid and their areas, generated from first principles
 * rather than typed in.
 *
 * A corner point of the voxel grid is shared by 8 voxels. Their centres are the corners of a cell one
 * voxel wide centred on the point; bit `i | j << 1 | k << 2` of the point's neighbourhood code is set when
 * the voxel at offset `(i − 1, j − 1, k − 1)` (x, y, z) is foreground, i.e. cell corner `(i, j, k)`.
 * Codes 0 and 255 lie off the surface; every other code is a surfel.
 *
 * The surface inside a cell is the marching-cubes surface at level ½ (Lorensen & Cline 1987), as in
 * Nikolov et al. 2018: its vertices are the midpoints of the cell edges whose two ends differ. On each cell
 * face the crossings are joined in pairs; on a face whose like corners are diagonal (four crossings) the
 * corners of the minority state are cut off (the foreground ones when at most four of the eight are
 * foreground, else the background ones), so a code and its complement get the same surface. The joined
 * segments close into polygons, and each polygon is split into the triangles of its largest-area
 * triangulation in the unit cell. These rules give, code by code and at any spacing, the areas of the
 * lookup table of DeepMind's `surface-distance` (checked against it for all 256 codes at several
 * anisotropic spacings; docs/metrics.md).
 * @internal
 */

type Point = readonly [number, number, number];

/** Cell corners of each face (axis `a`, side `s`), in cyclic order. */
const FACES: readonly (readonly number[])[] = (() => {
  const faces: number[][] = [];
  for (let a = 0; a < 3; a++) {
    const u = (a + 1) % 3;
    const v = (a + 2) % 3;
    for (let s = 0; s < 2; s++) {
      const ring: number[] = [];
      for (const [pu, pv] of [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ]) {
        ring.push((s << a) | (pu << u) | (pv << v));
      }
      faces.push(ring);
    }
  }
  return faces;
})();

/** Midpoint of the cell edge between corners `c1` and `c2` (cell coordinates in [0, 1]). */
function midpoint(c1: number, c2: number): Point {
  const half = (c: number, axis: number): number => ((c >> axis) & 1) / 2;
  return [half(c1, 0) + half(c2, 0), half(c1, 1) + half(c2, 1), half(c1, 2) + half(c2, 2)];
}

/** An edge as one number (`8 · lower corner + higher corner`). */
function edgeKey(c1: number, c2: number): number {
  return c1 < c2 ? c1 * 8 + c2 : c2 * 8 + c1;
}

function popcount8(code: number): number {
  let n = 0;
  for (let b = 0; b < 8; b++) n += (code >> b) & 1;
  return n;
}

/** The surface polygons of a cell code, each a cyclic list of crossed edges (see {@link edgeKey}). */
export function cellPolygons(code: number): number[][] {
  const minority = popcount8(code) <= 4 ? 1 : 0;
  const links = new Map<number, number[]>();
  const link = (e1: number, e2: number): void => {
    links.set(e1, [...(links.get(e1) ?? []), e2]);
    links.set(e2, [...(links.get(e2) ?? []), e1]);
  };
  for (const ring of FACES) {
    const state = ring.map((c) => (code >> c) & 1);
    // Crossing t lies on the side from ring corner t to corner t + 1.
    const crossings: number[] = [];
    for (let t = 0; t < 4; t++) {
      if (state[t] !== state[(t + 1) % 4]) crossings.push(edgeKey(ring[t], ring[(t + 1) % 4]));
    }
    if (crossings.length === 2) {
      link(crossings[0], crossings[1]);
    } else if (crossings.length === 4) {
      // Cut off corners 0 and 2 (each between the crossings on its two sides), or corners 1 and 3.
      if (state[0] === minority) {
        link(crossings[3], crossings[0]);
        link(crossings[1], crossings[2]);
      } else {
        link(crossings[0], crossings[1]);
        link(crossings[2], crossings[3]);
      }
    }
  }
  const polygons: number[][] = [];
  const seen = new Set<number>();
  for (const start of links.keys()) {
    if (seen.has(start)) continue;
    const polygon = [start];
    seen.add(start);
    let current = start;
    for (;;) {
      const next = links.get(current)!.find((e) => !seen.has(e));
      if (next === undefined) break;
      polygon.push(next);
      seen.add(next);
      current = next;
    }
    polygons.push(polygon);
  }
  return polygons;
}

/** Area vector (half the cross product) of the triangle `a, b, c`. */
function areaVector(a: Point, b: Point, c: Point): Point {
  const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
  return [(u[1] * v[2] - u[2] * v[1]) / 2, (u[2] * v[0] - u[0] * v[2]) / 2, (u[0] * v[1] - u[1] * v[0]) / 2];
}

/** Triangles (vertex index triples) of the largest-area triangulation of a polygon, by interval dynamic programming. */
function largestAreaTriangulation(points: readonly Point[]): [number, number, number][] {
  const n = points.length;
  const best: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const split: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(-1));
  for (let span = 2; span < n; span++) {
    for (let i = 0; i + span < n; i++) {
      const j = i + span;
      best[i][j] = -Infinity;
      for (let k = i + 1; k < j; k++) {
        const [x, y, z] = areaVector(points[i], points[k], points[j]);
        const total = best[i][k] + best[k][j] + Math.hypot(x, y, z);
        if (total > best[i][j] + 1e-12) {
          best[i][j] = total;
          split[i][j] = k;
        }
      }
    }
  }
  const out: [number, number, number][] = [];
  const collect = (i: number, j: number): void => {
    const k = split[i][j];
    if (k < 0) return;
    out.push([i, k, j]);
    collect(i, k);
    collect(k, j);
  };
  collect(0, n - 1);
  return out;
}

/** Per code, the area vectors of its surfel triangles in the unit cell, flattened (x, y, z per triangle). */
const UNIT_AREA_VECTORS: readonly Float64Array[] = (() => {
  const table: Float64Array[] = [];
  for (let code = 0; code < 256; code++) {
    const vectors: number[] = [];
    for (const polygon of cellPolygons(code)) {
      const points = polygon.map((e) => midpoint(e >> 3, e & 7));
      for (const [a, b, c] of largestAreaTriangulation(points))
        vectors.push(...areaVector(points[a], points[b], points[c]));
    }
    table.push(Float64Array.from(vectors));
  }
  return table;
})();

/**
 * Surfel area in mm² of each of the 256 neighbourhood codes at voxel spacing `(sx, sy, sz)` mm: the
 * unit-cell triangles stretched to the spacing (an area vector `(nx, ny, nz)` becomes
 * `(nx·sy·sz, ny·sx·sz, nz·sx·sy)`), their lengths summed. Codes 0 and 255 have area 0.
 */
export function surfelAreaTable(sx: number, sy: number, sz: number): Float64Array {
  const out = new Float64Array(256);
  const wx = sy * sz;
  const wy = sx * sz;
  const wz = sx * sy;
  for (let code = 0; code < 256; code++) {
    const v = UNIT_AREA_VECTORS[code];
    let area = 0;
    for (let t = 0; t < v.length; t += 3) area += Math.hypot(v[t] * wx, v[t + 1] * wy, v[t + 2] * wz);
    out[code] = area;
  }
  return out;
}
