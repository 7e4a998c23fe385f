import { InvalidArgumentError } from '@raunet/core';
import type { Mesh } from './mesh.js';

function check(mesh: Mesh, where: string): void {
  if (!(mesh?.positions instanceof Float32Array) || !(mesh.indices instanceof Uint32Array)) {
    throw new InvalidArgumentError(`${where}: expected a Mesh { positions: Float32Array, indices: Uint32Array }`);
  }
  if (mesh.positions.length % 3 !== 0 || mesh.indices.length % 3 !== 0) {
    throw new InvalidArgumentError(`${where}: positions and indices must hold a multiple of 3 numbers`);
  }
}

/** Comment stored in every file: coordinates are RAS+ mm (3D Slicer reads `SPACE=RAS` and does not flip to LPS). */
const SPACE_NOTE = 'SPACE=RAS units=mm written by @raunet/mesh';

/**
 * Binary STL: an 80-byte header (ASCII note `SPACE=RAS`, padded with spaces, never starting with
 * `solid`), a little-endian uint32 triangle count, then per triangle 50 bytes: unit normal and three
 * vertices as 12 little-endian float32, and a zero uint16 attribute. Size `84 + 50 * triangles`.
 *
 * @example
 * ```ts
 * await fs.writeFile('lesion.stl', encodeStl(marchingCubes(mask)));
 * ```
 */
export function encodeStl(mesh: Mesh): Uint8Array {
  check(mesh, 'encodeStl');
  const p = mesh.positions;
  const idx = mesh.indices;
  const n = idx.length / 3;
  const out = new Uint8Array(84 + 50 * n);
  const header = `binary STL ${SPACE_NOTE}`.padEnd(80, ' ');
  for (let i = 0; i < 80; i++) out[i] = header.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(80, n, true);
  let o = 84;
  for (let t = 0; t < idx.length; t += 3) {
    const a = idx[t] * 3, b = idx[t + 1] * 3, c = idx[t + 2] * 3;
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    const len = Math.hypot(nx, ny, nz);
    if (len > 0) {
      nx /= len;
      ny /= len;
      nz /= len;
    }
    view.setFloat32(o, nx, true);
    view.setFloat32(o + 4, ny, true);
    view.setFloat32(o + 8, nz, true);
    o += 12;
    for (const v of [a, b, c]) {
      view.setFloat32(o, p[v], true);
      view.setFloat32(o + 4, p[v + 1], true);
      view.setFloat32(o + 8, p[v + 2], true);
      o += 12;
    }
    view.setUint16(o, 0, true);
    o += 2;
  }
  return out;
}

/**
 * Binary little-endian PLY 1.0: ASCII header (`element vertex N` with float32 `x y z`, `element face M`
 * with `property list uchar uint vertex_indices`, a `comment SPACE=RAS` line), then 12 bytes per vertex
 * and 13 bytes per triangle (count byte 3 and three uint32 indices).
 *
 * @example
 * ```ts
 * const bytes = encodePly(mesh);
 * ```
 */
export function encodePly(mesh: Mesh): Uint8Array {
  check(mesh, 'encodePly');
  const nv = mesh.positions.length / 3;
  const nf = mesh.indices.length / 3;
  const header = new TextEncoder().encode(
    [
      'ply',
      'format binary_little_endian 1.0',
      `comment ${SPACE_NOTE}`,
      `element vertex ${nv}`,
      'property float x',
      'property float y',
      'property float z',
      `element face ${nf}`,
      'property list uchar uint vertex_indices',
      'end_header',
      '',
    ].join('\n'),
  );
  const out = new Uint8Array(header.length + nv * 12 + nf * 13);
  out.set(header, 0);
  const view = new DataView(out.buffer);
  let o = header.length;
  const p = mesh.positions;
  for (let i = 0; i < p.length; i++, o += 4) view.setFloat32(o, p[i], true);
  const idx = mesh.indices;
  for (let t = 0; t < idx.length; t += 3) {
    out[o++] = 3;
    view.setUint32(o, idx[t], true);
    view.setUint32(o + 4, idx[t + 1], true);
    view.setUint32(o + 8, idx[t + 2], true);
    o += 12;
  }
  return out;
}

function num(x: number): string {
  const r = Math.round(x * 1e5) / 1e5;
  return String(Object.is(r, -0) ? 0 : r);
}

/**
 * Wavefront OBJ text (UTF-8): a `# SPACE=RAS` comment, one `v x y z` line per vertex (mm, rounded to
 * 1e-5) and one `f a b c` line per triangle with 1-based indices, counter-clockwise seen from outside.
 *
 * @example
 * ```ts
 * const text = new TextDecoder().decode(encodeObj(mesh));
 * ```
 */
export function encodeObj(mesh: Mesh): Uint8Array {
  check(mesh, 'encodeObj');
  const lines: string[] = [`# ${SPACE_NOTE}`, `# ${mesh.positions.length / 3} vertices, ${mesh.indices.length / 3} triangles`];
  const p = mesh.positions;
  for (let i = 0; i < p.length; i += 3) lines.push(`v ${num(p[i])} ${num(p[i + 1])} ${num(p[i + 2])}`);
  const idx = mesh.indices;
  for (let t = 0; t < idx.length; t += 3) lines.push(`f ${idx[t] + 1} ${idx[t + 1] + 1} ${idx[t + 2] + 1}`);
  lines.push('');
  return new TextEncoder().encode(lines.join('\n'));
}
