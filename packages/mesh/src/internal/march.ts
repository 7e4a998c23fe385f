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

/**
 * Face-consistent marching cubes over a field padded by one plane of `pad` on every side, so that the
 * surface closes at the volume border. Vertices are deduplicated per grid edge (two planes of edge
 * slots kept at a time), placed by linear interpolation, mapped through the affine to world mm; when
 * the affine flips handedness (negative determinant) triangles are reversed to keep normals outward.
 * @internal
 */
export function march(field: FieldSource): Mesh {
  const [nx, ny, nz] = field.dims;
  const { level, pad, affine } = field;
  const P = nx + 2;
  const Q = ny + 2;
  const R = nz + 2;
  const PQ = P * Q;
  const flip = determinant3(affine) < 0;

  const raw = new Float32Array(nx * ny);
  let fLo = new Float32Array(PQ);
  let fHi = new Float32Array(PQ);
  let inLo = new Uint8Array(PQ);
  let inHi = new Uint8Array(PQ);
  let rowLo = new Int32Array(Q);
  let rowHi = new Int32Array(Q);
  let xyLo = new Int32Array(PQ * 2);
  let xyHi = new Int32Array(PQ * 2);
  const zc = new Int32Array(PQ);

  // Loads padded plane kp (0..R-1; original z = kp - 1) into the "high" buffers.
  const load = (kp: number): void => {
    fHi.fill(pad);
    inHi.fill(0);
    rowHi.fill(0);
    if (kp < 1 || kp > nz) return;
    field.fill(kp - 1, raw);
    for (let j = 0; j < ny; j++) {
      let count = 0;
      const src = j * nx;
      const dst = (j + 1) * P + 1;
      for (let i = 0; i < nx; i++) {
        const v = raw[src + i];
        fHi[dst + i] = v;
        if (v > level) {
          inHi[dst + i] = 1;
          count++;
        }
      }
      rowHi[j + 1] = count;
    }
  };

  const positions = new GrowableF32(4096);
  const indices = new GrowableU32(8192);
  const a = affine;
  let vertexCount = 0;
  const value = new Float64Array(8);
  const edgeOff = EDGE_BASE.map(([dx, dy, dz]) => ({ dx, dy, dz }));

  const addVertex = (ip: number, jp: number, kp: number, axis: number, f0: number, f1: number): number => {
    let t = (level - f0) / (f1 - f0);
    if (!(t >= 0)) t = 0;
    else if (t > 1) t = 1;
    // Padded index -> original voxel index.
    const x = ip - 1 + (axis === 0 ? t : 0);
    const y = jp - 1 + (axis === 1 ? t : 0);
    const z = kp - 1 + (axis === 2 ? t : 0);
    positions.push3(
      a[0][0] * x + a[0][1] * y + a[0][2] * z + a[0][3],
      a[1][0] * x + a[1][1] * y + a[1][2] * z + a[1][3],
      a[2][0] * x + a[2][1] * y + a[2][2] * z + a[2][3],
    );
    return vertexCount++;
  };

  load(0);
  const vid = new Int32Array(16);
  for (let kp = 0; kp < R - 1; kp++) {
    // Shift: high plane becomes low, load the next one.
    [fLo, fHi] = [fHi, fLo];
    [inLo, inHi] = [inHi, inLo];
    [rowLo, rowHi] = [rowHi, rowLo];
    [xyLo, xyHi] = [xyHi, xyLo];
    load(kp + 1);
    xyHi.fill(0);
    zc.fill(0);
    if (kp === 0) xyLo.fill(0);
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
        value[0] = fLo[o];
        value[1] = fLo[o + 1];
        value[2] = fLo[o + P];
        value[3] = fLo[o + P + 1];
        value[4] = fHi[o];
        value[5] = fHi[o + 1];
        value[6] = fHi[o + P];
        value[7] = fHi[o + P + 1];
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
          if (vid[e] >= 0 || e >= 12) continue;
          const { dx, dy, dz } = edgeOff[e];
          const axis = EDGE_AXIS[e];
          const gi = ip + dx;
          const gj = jp + dy;
          const slot = gj * P + gi;
          const c0 = dx | (dy << 1) | (dz << 2);
          const c1 = c0 | (1 << axis);
          let id: number;
          if (axis === 2) {
            id = zc[slot] - 1;
            if (id < 0) {
              id = addVertex(gi, gj, kp, 2, value[c0], value[c1]);
              zc[slot] = id + 1;
            }
          } else {
            const store = dz === 0 ? xyLo : xyHi;
            const s = slot * 2 + axis;
            id = store[s] - 1;
            if (id < 0) {
              id = addVertex(gi, gj, kp + dz, axis, value[c0], value[c1]);
              store[s] = id + 1;
            }
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
          positions.push3(sx / loop.length, sy / loop.length, sz / loop.length);
          vid[12 + c] = vertexCount++;
        }
        for (let t = 0; t < tris.length; t += 3) {
          if (flip) indices.push3(vid[tris[t]], vid[tris[t + 2]], vid[tris[t + 1]]);
          else indices.push3(vid[tris[t]], vid[tris[t + 1]], vid[tris[t + 2]]);
        }
      }
    }
  }
  return { positions: positions.toArray(), indices: indices.toArray() };
}
