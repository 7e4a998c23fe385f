import { InvalidArgumentError } from '@raunet/core';

/**
 * An indexed triangle mesh in world coordinates.
 *
 * Vertices are shared between the triangles that use them (one vertex per crossed grid edge), and
 * triangles run counter-clockwise seen from outside, so normals `(b - a) x (c - a)` point out of the
 * segmented object.
 */
export interface Mesh {
  /** Vertex coordinates, `x, y, z` per vertex, in world mm (RAS+: x to the patient's Right, y Anterior, z Superior). */
  readonly positions: Float32Array;
  /** Vertex indices, three per triangle (0-based). */
  readonly indices: Uint32Array;
}

/** Topology report of a mesh, from {@link checkMesh}. */
export interface MeshCheckResult {
  /** Number of vertices. */
  readonly vertexCount: number;
  /** Number of triangles. */
  readonly triangleCount: number;
  /** Number of distinct undirected edges. */
  readonly edgeCount: number;
  /** Undirected edges used by one triangle only (holes). */
  readonly boundaryEdges: number;
  /** Undirected edges used by three or more triangles. */
  readonly nonManifoldEdges: number;
  /** Directed edges used twice (two neighbouring triangles with opposite orientations). */
  readonly inconsistentEdges: number;
  /** Triangles that repeat a vertex index. */
  readonly degenerateTriangles: number;
  /** True when every edge is shared by exactly two triangles, each directed edge appears once and no triangle is degenerate. */
  readonly closed: boolean;
  /** Euler characteristic `V - E + F` (2 per sphere-like closed surface, 0 per torus). */
  readonly eulerCharacteristic: number;
}

function checkShape(mesh: Mesh, where: string): void {
  if (!(mesh?.positions instanceof Float32Array) || !(mesh.indices instanceof Uint32Array)) {
    throw new InvalidArgumentError(`${where}: expected a Mesh { positions: Float32Array, indices: Uint32Array }`);
  }
  if (mesh.positions.length % 3 !== 0 || mesh.indices.length % 3 !== 0) {
    throw new InvalidArgumentError(
      `${where}: positions (${mesh.positions.length}) and indices (${mesh.indices.length}) must both hold a multiple of 3 numbers`,
    );
  }
  const n = mesh.positions.length / 3;
  for (let i = 0; i < mesh.indices.length; i++) {
    if (mesh.indices[i] >= n) {
      throw new InvalidArgumentError(`${where}: index ${mesh.indices[i]} at position ${i} is out of range for ${n} vertices`);
    }
  }
}

/**
 * Counts how every edge of the mesh is used. A mesh from {@link marchingCubes} is always `closed`.
 *
 * @example
 * ```ts
 * const report = checkMesh(marchingCubes(mask));
 * report.closed; // true
 * ```
 */
export function checkMesh(mesh: Mesh): MeshCheckResult {
  checkShape(mesh, 'checkMesh');
  const n = mesh.positions.length / 3;
  const idx = mesh.indices;
  const m = idx.length;
  // Sorted edge keys (exact integers below 2^53 for any mesh that fits in memory).
  const directed = new Float64Array(m);
  const undirected = new Float64Array(m);
  let degenerate = 0;
  for (let t = 0; t < m; t += 3) {
    const a = idx[t];
    const b = idx[t + 1];
    const c = idx[t + 2];
    if (a === b || b === c || a === c) degenerate++;
    directed[t] = a * n + b;
    directed[t + 1] = b * n + c;
    directed[t + 2] = c * n + a;
    undirected[t] = Math.min(a, b) * n + Math.max(a, b);
    undirected[t + 1] = Math.min(b, c) * n + Math.max(b, c);
    undirected[t + 2] = Math.min(c, a) * n + Math.max(c, a);
  }
  directed.sort();
  undirected.sort();
  let inconsistent = 0;
  for (let i = 0; i < m; ) {
    let j = i + 1;
    while (j < m && directed[j] === directed[i]) j++;
    if (j - i > 1) inconsistent++;
    i = j;
  }
  let boundary = 0;
  let nonManifold = 0;
  let edges = 0;
  for (let i = 0; i < m; ) {
    let j = i + 1;
    while (j < m && undirected[j] === undirected[i]) j++;
    edges++;
    if (j - i === 1) boundary++;
    else if (j - i > 2) nonManifold++;
    i = j;
  }
  const triangles = idx.length / 3;
  return {
    vertexCount: n,
    triangleCount: triangles,
    edgeCount: edges,
    boundaryEdges: boundary,
    nonManifoldEdges: nonManifold,
    inconsistentEdges: inconsistent,
    degenerateTriangles: degenerate,
    closed: boundary === 0 && nonManifold === 0 && inconsistent === 0 && degenerate === 0,
    eulerCharacteristic: n - edges + triangles,
  };
}

/** True when every edge is shared by exactly two triangles and each directed edge appears once (see {@link checkMesh}). */
export function isClosedMesh(mesh: Mesh): boolean {
  return checkMesh(mesh).closed;
}

/**
 * Enclosed volume in **mm³** by the divergence theorem (sum of signed tetrahedra to a reference
 * point). Positive for a closed mesh with outward normals; divide by 1000 for mL. Only meaningful
 * for closed meshes (see {@link isClosedMesh}).
 *
 * @example
 * ```ts
 * const ml = meshVolume(marchingCubes(mask)) / 1000;
 * ```
 */
export function meshVolume(mesh: Mesh): number {
  checkShape(mesh, 'meshVolume');
  const p = mesh.positions;
  const idx = mesh.indices;
  if (idx.length === 0) return 0;
  // Reference point at the first vertex: translation-invariant for closed meshes, less rounding.
  const ox = p[idx[0] * 3];
  const oy = p[idx[0] * 3 + 1];
  const oz = p[idx[0] * 3 + 2];
  let sum = 0;
  for (let t = 0; t < idx.length; t += 3) {
    const a = idx[t] * 3;
    const b = idx[t + 1] * 3;
    const c = idx[t + 2] * 3;
    const ax = p[a] - ox, ay = p[a + 1] - oy, az = p[a + 2] - oz;
    const bx = p[b] - ox, by = p[b + 1] - oy, bz = p[b + 2] - oz;
    const cx = p[c] - ox, cy = p[c + 1] - oy, cz = p[c + 2] - oz;
    sum += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
  }
  return sum / 6;
}

/** Total triangle area in **mm²**. */
export function meshArea(mesh: Mesh): number {
  checkShape(mesh, 'meshArea');
  const p = mesh.positions;
  const idx = mesh.indices;
  let sum = 0;
  for (let t = 0; t < idx.length; t += 3) {
    const a = idx[t] * 3;
    const b = idx[t + 1] * 3;
    const c = idx[t + 2] * 3;
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    sum += Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
  }
  return sum / 2;
}
