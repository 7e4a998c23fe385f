/**
 * Marching-cubes triangle tables generated from first principles rather than typed in.
 *
 * Corner `c` of a cube is `(c & 1, (c >> 1) & 1, (c >> 2) & 1)` in (x, y, z). Edge `a * 4 + o` runs
 * along axis `a` from the corner whose other two coordinates are `(o & 1, o >> 1)` on the axes
 * `((a + 1) % 3, (a + 2) % 3)`.
 *
 * Construction (the "face-consistent" marching cubes): on every face of the cube the iso-crossings are
 * paired into directed segments by a rule that depends on that face's four samples only, so the two
 * cubes sharing a face produce the same segments with opposite directions. Inside the cube every
 * crossing is the start of one segment (on the face where the edge goes inside -> outside when the face
 * is walked counter-clockwise seen from outside) and the end of one, so the segments close into loops;
 * each loop is triangulated as a fan. The surface is therefore closed, every edge is shared by exactly
 * two triangles with opposite directions, and every vertex has a single fan of triangles around it.
 * @internal
 */

/** Base corner offset (x, y, z) and axis of each of the 12 edges. */
export const EDGE_BASE: readonly (readonly [number, number, number])[] = [];
/** Axis (0 x, 1 y, 2 z) of each edge. */
export const EDGE_AXIS: readonly number[] = [];

function corner(x: number, y: number, z: number): number {
  return x | (y << 1) | (z << 2);
}

const edgeBase: [number, number, number][] = EDGE_BASE as [number, number, number][];
const edgeAxis: number[] = EDGE_AXIS as number[];
const edgeOf = new Map<number, number>(); // key c1 * 8 + c2 (c1 < c2)
for (let a = 0; a < 3; a++) {
  for (let o = 0; o < 4; o++) {
    const p: [number, number, number] = [0, 0, 0];
    p[(a + 1) % 3] = o & 1;
    p[(a + 2) % 3] = o >> 1;
    edgeBase.push([p[0], p[1], p[2]]);
    edgeAxis.push(a);
    const q: [number, number, number] = [p[0], p[1], p[2]];
    q[a] = 1;
    const c1 = corner(p[0], p[1], p[2]);
    const c2 = corner(q[0], q[1], q[2]);
    edgeOf.set(Math.min(c1, c2) * 8 + Math.max(c1, c2), a * 4 + o);
  }
}

/** For each face (axis a, side s at index a * 2 + s), its corners counter-clockwise seen from outside. */
export const FACE_CORNERS: readonly (readonly number[])[] = (() => {
  const faces: number[][] = [];
  for (let a = 0; a < 3; a++) {
    for (let s = 0; s < 2; s++) {
      const u = (a + 1) % 3;
      const v = (a + 2) % 3;
      // (u, v) counter-clockwise about +e_a since e_u x e_v = e_a; reversed for the face at side 0.
      let uv = [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ];
      if (s === 0) uv = [uv[0], uv[3], uv[2], uv[1]];
      faces.push(
        uv.map(([pu, pv]) => {
          const p = [0, 0, 0];
          p[a] = s;
          p[u] = pu;
          p[v] = pv;
          return corner(p[0], p[1], p[2]);
        }),
      );
    }
  }
  return faces;
})();

function edgeBetween(c1: number, c2: number): number {
  const e = edgeOf.get(Math.min(c1, c2) * 8 + Math.max(c1, c2));
  if (e === undefined) throw new Error(`cube-tables: corners ${c1} and ${c2} share no edge`);
  return e;
}

/** Bit f set when face f of `cubeCase` has four crossings (diagonal corners inside). */
export const AMBIGUOUS_FACES: Uint8Array = (() => {
  const out = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    let m = 0;
    FACE_CORNERS.forEach((q, f) => {
      const b = q.map((k) => (c >> k) & 1);
      if (b[0] === b[2] && b[1] === b[3] && b[0] !== b[1]) m |= 1 << f;
    });
    out[c] = m;
  }
  return out;
})();

/**
 * Loops (lists of edge ids) of a cube case. `join` bit f set: on ambiguous face f the inside corners
 * are connected across the face (segments cut off the outside corners); clear: they are separated.
 */
export function cubeLoops(cubeCase: number, join: number): number[][] {
  const next = new Map<number, number>();
  FACE_CORNERS.forEach((q, f) => {
    const ins = q.map((k) => (cubeCase >> k) & 1);
    const crossings: { edge: number; leave: boolean; pos: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const j = (i + 1) % 4;
      if (ins[i] !== ins[j]) crossings.push({ edge: edgeBetween(q[i], q[j]), leave: ins[i] === 1, pos: i });
    }
    const joined = ((join >> f) & 1) === 1;
    const n = crossings.length;
    for (let t = 0; t < n; t++) {
      if (!crossings[t].leave) continue;
      // Separated: pair the leave crossing with the enter crossing that opens its inside arc (previous);
      // joined: with the enter crossing that closes the following outside arc (next).
      const partner = joined ? crossings[(t + 1) % n] : crossings[(t + n - 1) % n];
      next.set(crossings[t].edge, partner.edge);
    }
  });
  const loops: number[][] = [];
  const seen = new Set<number>();
  for (const start of next.keys()) {
    if (seen.has(start)) continue;
    const loop: number[] = [];
    let e = start;
    while (!seen.has(e)) {
      seen.add(e);
      loop.push(e);
      const n = next.get(e);
      if (n === undefined) throw new Error(`cube-tables: open loop in case ${cubeCase}`);
      e = n;
    }
    if (e !== start) throw new Error(`cube-tables: loop of case ${cubeCase} does not close`);
    loops.push(loop);
  }
  return loops;
}

/** Faces (bit mask) that contain each edge. */
const EDGE_FACES: number[] = (() => {
  const out = new Array<number>(12).fill(0);
  FACE_CORNERS.forEach((q, f) => {
    for (let i = 0; i < 4; i++) out[edgeBetween(q[i], q[(i + 1) % 4])] |= 1 << f;
  });
  return out;
})();

/**
 * Triangulation of one cube case: edge-id triples, plus extra centre vertices. Ids 12 + n are the
 * centre of `centers[n]` (the mean of those edges' vertices).
 */
export interface CubeTriangulation {
  readonly triangles: Int8Array;
  readonly centers: readonly (readonly number[])[];
}

const cache: (CubeTriangulation | undefined)[] = new Array<CubeTriangulation | undefined>(256 * 64);

/**
 * Triangles of a cube case with ambiguous-face decisions `join`, counter-clockwise seen from outside
 * the mask. A loop is fan-triangulated from a vertex whose chords never join two vertices lying on a
 * common cube face (such a chord could be produced again by the neighbouring cube and make an edge
 * shared by four triangles); when no such apex exists, the fan uses a new vertex at the loop's centre.
 */
export function cubeTriangles(cubeCase: number, join: number): CubeTriangulation {
  const key = cubeCase | (join << 8);
  const hit = cache[key];
  if (hit) return hit;
  const tris: number[] = [];
  const centers: number[][] = [];
  const emit = (a: number, b: number, c: number): void => {
    // Loop order gives normals pointing into the inside: emit reversed.
    tris.push(a, c, b);
  };
  for (const loop of cubeLoops(cubeCase, join)) {
    const n = loop.length;
    let apex = -1;
    for (let r = 0; r < n && apex < 0; r++) {
      let ok = true;
      for (let i = 2; i <= n - 2; i++) if ((EDGE_FACES[loop[r]] & EDGE_FACES[loop[(r + i) % n]]) !== 0) ok = false;
      if (ok) apex = r;
    }
    if (apex >= 0) {
      for (let i = 1; i + 1 < n; i++) emit(loop[apex], loop[(apex + i) % n], loop[(apex + i + 1) % n]);
    } else {
      const id = 12 + centers.length;
      centers.push(loop);
      for (let i = 0; i < n; i++) emit(id, loop[i], loop[(i + 1) % n]);
    }
  }
  const out = { triangles: Int8Array.from(tris), centers };
  cache[key] = out;
  return out;
}
