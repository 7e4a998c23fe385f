import type { Mesh } from '../mesh.js';
import { AMBIGUOUS_FACES, EDGE_AXIS, EDGE_BASE, FACE_CORNERS, cubeTriangles } from './cube-tables.js';
import type { FieldSource } from './field.js';
import { GrowableF32, GrowableU32 } from './growable.js';

function determinant3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** One padded plane of the field: values, inside flags and inside count per row. */
interface Plane {
  f: Float32Array;
  inside: Uint8Array;
  rows: Int32Array;
}

function newPlane(P: number, Q: number): Plane {
  return { f: new Float32Array(P * Q), inside: new Uint8Array(P * Q), rows: new Int32Array(Q) };
}

/** Loads padded plane kp (original z = kp - 1; outside the volume: all padding) into `plane`. */
function loadPlane(field: FieldSource, kp: number, raw: Float32Array, plane: Plane, P: number): void {
  const [nx, ny, nz] = field.dims;
  const { f, inside, rows } = plane;
  const level = field.level;
  if (field.fillInside) {
    // Binary field: values are the flags themselves (the padding border stays 0).
    if (kp < 1 || kp > nz) {
      inside.fill(0);
      rows.fill(0);
      return;
    }
    field.fillInside(kp - 1, inside, P + 1, P, rows);
    return;
  }
  f.fill(field.pad);
  inside.fill(0);
  rows.fill(0);
  if (kp < 1 || kp > nz) return;
  field.fill(kp - 1, raw);
  for (let j = 0; j < ny; j++) {
    let count = 0;
    const src = j * nx;
    const dst = (j + 1) * P + 1;
    for (let i = 0; i < nx; i++) {
      const v = raw[src + i];
      f[dst + i] = v;
      if (v > level) {
        inside[dst + i] = 1;
        count++;
      }
    }
    rows[j + 1] = count;
  }
}

const EDGE_DX = Int8Array.from(EDGE_BASE, (b) => b[0]);
const EDGE_DY = Int8Array.from(EDGE_BASE, (b) => b[1]);
const EDGE_DZ = Int8Array.from(EDGE_BASE, (b) => b[2]);
const EDGE_AX = Int8Array.from(EDGE_AXIS);

/** Everything one slab of cubes needs. @internal */
interface MarchState {
  level: number;
  P: number;
  Q: number;
  binary: boolean;
  flip: boolean;
  affine: number[];
  lo: Plane;
  hi: Plane;
  xyLo: Int32Array;
  xyHi: Int32Array;
  zc: Int32Array;
  positions: GrowableF32;
  indices: GrowableU32;
  value: Float64Array;
  vid: Int32Array;
}

/** The cubes between padded planes kp and kp + 1 (a separate function so V8 optimizes it early). */
function marchSlab(state: MarchState, kp: number): void {
  const { level, P, Q, binary, flip, lo, hi, zc, positions, indices, value, vid } = state;
  const [a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23] = state.affine;
  const xyLo = state.xyLo;
  const xyHi = state.xyHi;
  const fLo = lo.f, fHi = hi.f, inLo = lo.inside, inHi = hi.inside, rowLo = lo.rows, rowHi = hi.rows;
  const xL = xyLo, xH = xyHi;
  for (let jp = 0; jp < Q - 1; jp++) {
    if (rowLo[jp] + rowLo[jp + 1] + rowHi[jp] + rowHi[jp + 1] === 0) continue;
    const rowBase = jp * P;
    for (let ip = 0; ip < P - 1; ip++) {
      const o = rowBase + ip;
      const cubeCase =
        inLo[o] |
        (inLo[o + 1] << 1) |
        (inLo[o + P] << 2) |
        (inLo[o + P + 1] << 3) |
        (inHi[o] << 4) |
        (inHi[o + 1] << 5) |
        (inHi[o + P] << 6) |
        (inHi[o + P + 1] << 7);
      if (cubeCase === 0 || cubeCase === 255) continue;
      if (binary) {
        for (let c = 0; c < 8; c++) value[c] = (cubeCase >> c) & 1;
      } else {
        value[0] = fLo[o];
        value[1] = fLo[o + 1];
        value[2] = fLo[o + P];
        value[3] = fLo[o + P + 1];
        value[4] = fHi[o];
        value[5] = fHi[o + 1];
        value[6] = fHi[o + P];
        value[7] = fHi[o + P + 1];
      }
      let join = 0;
      const amb = AMBIGUOUS_FACES[cubeCase];
      if (amb !== 0) {
        for (let f = 0; f < 6; f++) {
          if (((amb >> f) & 1) === 0) continue;
          const q = FACE_CORNERS[f];
          const f0 = value[q[0]], f1 = value[q[1]], f2 = value[q[2]], f3 = value[q[3]];
          // Asymptotic decider: the bilinear interpolant's saddle value; above the level, the
          // inside corners are joined across the face. A tie (binary masks at 0.5) separates them.
          const saddle = (f0 * f2 - f1 * f3) / (f0 + f2 - f1 - f3);
          if (saddle > level) join |= 1 << f;
        }
      }
      const { triangles: tris, centers } = cubeTriangles(cubeCase, join);
      vid.fill(-1);
      for (let t = 0; t < tris.length; t++) {
        const e = tris[t];
        if (e >= 12 || vid[e] >= 0) continue;
        const dx = EDGE_DX[e], dy = EDGE_DY[e], dz = EDGE_DZ[e];
        const axis = EDGE_AX[e];
        const gi = ip + dx;
        const gj = jp + dy;
        const slot = gj * P + gi;
        let store: Int32Array, s: number;
        if (axis === 2) {
          store = zc;
          s = slot;
        } else {
          store = dz === 0 ? xL : xH;
          s = slot * 2 + axis;
        }
        let id = store[s] - 1;
        if (id < 0) {
          const c0 = dx | (dy << 1) | (dz << 2);
          const f0 = value[c0];
          const f1 = value[c0 | (1 << axis)];
          let w = (level - f0) / (f1 - f0);
          if (!(w >= 0)) w = 0;
          else if (w > 1) w = 1;
          // Padded index -> original voxel index, then through the affine.
          const x = gi - 1 + (axis === 0 ? w : 0);
          const y = gj - 1 + (axis === 1 ? w : 0);
          const z = kp + dz - 1 + (axis === 2 ? w : 0);
          id = positions.length / 3;
          positions.push3(a00 * x + a01 * y + a02 * z + a03, a10 * x + a11 * y + a12 * z + a13, a20 * x + a21 * y + a22 * z + a23);
          store[s] = id + 1;
        }
        vid[e] = id;
      }
      for (let c = 0; c < centers.length; c++) {
        const loop = centers[c];
        let sx = 0, sy = 0, sz = 0;
        for (const e of loop) {
          const o3 = vid[e] * 3;
          sx += positions.data[o3];
          sy += positions.data[o3 + 1];
          sz += positions.data[o3 + 2];
        }
        vid[12 + c] = positions.length / 3;
        positions.push3(sx / loop.length, sy / loop.length, sz / loop.length);
      }
      for (let t = 0; t < tris.length; t += 3) {
        if (flip) indices.push3(vid[tris[t]], vid[tris[t + 2]], vid[tris[t + 1]]);
        else indices.push3(vid[tris[t]], vid[tris[t + 1]], vid[tris[t + 2]]);
      }
    }
  }
}

/**
 * Face-consistent marching cubes over a field padded by one plane of `pad` on every side, so that the
 * surface closes at the volume border. Vertices are deduplicated per grid edge (two planes of edge
 * slots kept at a time), placed by linear interpolation, mapped through the affine to world mm; when
 * the affine flips handedness (negative determinant) triangles are reversed to keep normals outward.
 * @internal
 */
export function march(field: FieldSource): Mesh {
  const [nx, ny, nz] = field.dims;
  const a = field.affine;
  const P = nx + 2;
  const Q = ny + 2;
  const R = nz + 2;
  const PQ = P * Q;
  const raw = new Float32Array(nx * ny);
  const state: MarchState = {
    level: field.level,
    P,
    Q,
    binary: field.fillInside !== undefined,
    flip: determinant3(a) < 0,
    affine: [0, 1, 2].flatMap((r) => [a[r][0], a[r][1], a[r][2], a[r][3]]),
    lo: newPlane(P, Q),
    hi: newPlane(P, Q),
    xyLo: new Int32Array(PQ * 2),
    xyHi: new Int32Array(PQ * 2),
    zc: new Int32Array(PQ),
    positions: new GrowableF32(4096),
    indices: new GrowableU32(8192),
    value: new Float64Array(8),
    vid: new Int32Array(16),
  };
  loadPlane(field, 0, raw, state.hi, P);
  for (let kp = 0; kp < R - 1; kp++) {
    const swap = state.lo;
    state.lo = state.hi;
    state.hi = swap;
    const swapXy = state.xyLo;
    state.xyLo = state.xyHi;
    state.xyHi = swapXy;
    loadPlane(field, kp + 1, raw, state.hi, P);
    state.xyHi.fill(0);
    state.zc.fill(0);
    marchSlab(state, kp);
  }
  return { positions: state.positions.toArray(), indices: state.indices.toArray() };
}
