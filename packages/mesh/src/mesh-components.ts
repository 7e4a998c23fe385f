import { InvalidArgumentError, multiplyAffine, type Volume } from '@raunet/core';
import { maskField, type FieldSource } from './internal/field.js';
import { march } from './internal/march.js';
import type { Mesh } from './mesh.js';
import { smoothMesh } from './smooth-mesh.js';

/** Options of {@link labelComponents}. */
export interface LabelComponentsOptions {
  /** Iso-level for floating-point masks (inside is `value > level`); see {@link MarchingCubesOptions}. @defaultValue 0.5 */
  level?: number;
  /** Only voxels equal to this label are foreground. @defaultValue undefined (nonzero / above `level`) */
  label?: number;
  /**
   * Voxel neighbourhood: 6 (faces) or 26 (faces, edges and corners). 6 matches the topology of the
   * surfaces of {@link marchingCubes}: each surface bounds exactly one 6-connected component.
   * @defaultValue 6
   */
  connectivity?: 6 | 26;
}

/** Result of {@link labelComponents}. */
export interface LabelComponentsResult {
  /** Component number per voxel (x fastest, same grid as the mask): 0 = background, 1..count by decreasing size. */
  readonly labels: Int32Array;
  /** Number of components. */
  readonly count: number;
  /** Voxel count of component `c` at index `c - 1`. */
  readonly sizes: number[];
}

/**
 * Connected components of a mask's foreground, numbered 1..count from the largest to the smallest
 * (ties: first voxel in x-fastest order first).
 *
 * @example
 * ```ts
 * const { count, sizes } = labelComponents(mask, { connectivity: 26 });
 * ```
 */
export function labelComponents(mask: Volume, options: LabelComponentsOptions = {}): LabelComponentsResult {
  const { raw, sizes } = labelRaw(mask, options, 'labelComponents');
  const order = sizes.map((s, i) => ({ s, i })).sort((p, q) => q.s - p.s || p.i - q.i);
  const remap = new Int32Array(sizes.length + 1);
  order.forEach(({ i }, rank) => (remap[i + 1] = rank + 1));
  renumber(raw, remap);
  return { labels: raw, count: sizes.length, sizes: order.map(({ s }) => s) };
}

function renumber(labels: Int32Array, remap: Int32Array): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l !== 0) labels[i] = remap[l];
  }
}

/** Component labels in discovery order, sizes and bounding boxes (inclusive voxel ranges). */
interface RawLabels {
  raw: Int32Array;
  sizes: number[];
  lo: number[][];
  hi: number[][];
}

function insideFlags(field: FieldSource): Uint8Array {
  const [nx, ny, nz] = field.dims;
  const plane = nx * ny;
  const inside = new Uint8Array(plane * nz);
  if (field.fillInside) {
    const rows = new Int32Array(ny + 2);
    for (let z = 0; z < nz; z++) field.fillInside(z, inside, z * plane, nx, rows);
  } else {
    const buf = new Float32Array(plane);
    for (let z = 0; z < nz; z++) {
      field.fill(z, buf);
      for (let i = 0; i < plane; i++) if (buf[i] > field.level) inside[z * plane + i] = 1;
    }
  }
  return inside;
}

function labelRaw(mask: Volume, options: LabelComponentsOptions, where: string): RawLabels & { field: FieldSource } {
  const connectivity = options.connectivity ?? 6;
  if (connectivity !== 6 && connectivity !== 26) {
    throw new InvalidArgumentError(`${where}: connectivity must be 6 or 26, received ${String(connectivity)}`);
  }
  const field = maskField(mask, options, where);
  const inside = insideFlags(field);
  return { field, ...flood(inside, field.dims, connectivity) };
}

function flood(inside: Uint8Array, dims: readonly [number, number, number], connectivity: 6 | 26): RawLabels {
  const [nx, ny, nz] = dims;
  const plane = nx * ny;
  const offsets: [number, number, number][] = [];
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const m = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
        if (m === 0 || (connectivity === 6 && m > 1)) continue;
        offsets.push([dx, dy, dz]);
      }
  const linear = Int32Array.from(offsets, ([dx, dy, dz]) => dx + nx * (dy + ny * dz));
  const ox = Int32Array.from(offsets, (o) => o[0]);
  const oy = Int32Array.from(offsets, (o) => o[1]);
  const oz = Int32Array.from(offsets, (o) => o[2]);
  const k = offsets.length;
  const raw = new Int32Array(plane * nz);
  const sizes: number[] = [];
  const lo: number[][] = [];
  const hi: number[][] = [];
  let stack = new Int32Array(1024);
  for (let seed = 0; seed < raw.length; seed++) {
    if (inside[seed] === 0 || raw[seed] !== 0) continue;
    const id = sizes.length + 1;
    let size = 0;
    let top = 0;
    let x0 = nx, y0 = ny, z0 = nz, x1 = -1, y1 = -1, z1 = -1;
    stack[top++] = seed;
    raw[seed] = id;
    while (top > 0) {
      const v = stack[--top];
      size++;
      const z = (v / plane) | 0;
      const r = v - z * plane;
      const y = (r / nx) | 0;
      const x = r - y * nx;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      if (z > z1) z1 = z;
      const interior = x > 0 && y > 0 && z > 0 && x < nx - 1 && y < ny - 1 && z < nz - 1;
      if (top + k > stack.length) {
        const grown = new Int32Array(stack.length * 2);
        grown.set(stack);
        stack = grown;
      }
      for (let q = 0; q < k; q++) {
        if (!interior) {
          const X = x + ox[q], Y = y + oy[q], Z = z + oz[q];
          if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz) continue;
        }
        const w = v + linear[q];
        if (inside[w] === 0 || raw[w] !== 0) continue;
        raw[w] = id;
        stack[top++] = w;
      }
    }
    sizes.push(size);
    lo.push([x0, y0, z0]);
    hi.push([x1, y1, z1]);
  }
  return { raw, sizes, lo, hi };
}

/** Options of {@link meshComponents}. */
export interface MeshComponentsOptions extends LabelComponentsOptions {
  /** Taubin smoothing iterations per component mesh (0 = none). @defaultValue 0 */
  smoothIterations?: number;
  /** Smoothing method when `smoothIterations > 0`. @defaultValue 'taubin' */
  smoothMethod?: 'taubin' | 'laplacian';
  /** Components with fewer voxels are skipped. @defaultValue 1 */
  minVoxels?: number;
}

/**
 * One closed mesh per connected component of the mask, largest component first (see
 * {@link labelComponents} for the numbering and connectivity). Each mesh is {@link marchingCubes} of
 * that component alone (cropped to its bounding box, same world coordinates), so it includes the
 * surfaces of the component's internal cavities.
 *
 * @example
 * ```ts
 * const lesions = meshComponents(mask, { minVoxels: 10 });
 * lesions.map((m) => meshVolume(m) / 1000); // mL per lesion
 * ```
 */
export function meshComponents(mask: Volume, options: MeshComponentsOptions = {}): Mesh[] {
  const minVoxels = options.minVoxels ?? 1;
  const iterations = options.smoothIterations ?? 0;
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new InvalidArgumentError(`meshComponents: smoothIterations must be a non-negative integer, received ${iterations}`);
  }
  if (!Number.isFinite(minVoxels)) throw new InvalidArgumentError(`meshComponents: minVoxels must be finite, received ${minVoxels}`);
  const { raw: labels, sizes, lo, hi, field } = labelRaw(mask, options, 'meshComponents');
  const [nx, ny, nz] = field.dims;
  const plane = nx * ny;
  const order = sizes.map((s, i) => ({ s, i })).sort((p, q) => q.s - p.s || p.i - q.i);
  const meshes: Mesh[] = [];
  const full = new Float32Array(plane);
  for (const { s: size, i } of order) {
    if (size < minVoxels) continue;
    const c = i + 1;
    const [x0, y0, z0] = lo[c - 1];
    const [x1, y1, z1] = hi[c - 1];
    // One voxel of margin so the interpolated field outside the component is kept.
    const bx = Math.max(0, x0 - 1), by = Math.max(0, y0 - 1), bz = Math.max(0, z0 - 1);
    const ex = Math.min(nx - 1, x1 + 1), ey = Math.min(ny - 1, y1 + 1), ez = Math.min(nz - 1, z1 + 1);
    const dims: [number, number, number] = [ex - bx + 1, ey - by + 1, ez - bz + 1];
    const shift = [
      [1, 0, 0, bx],
      [0, 1, 0, by],
      [0, 0, 1, bz],
      [0, 0, 0, 1],
    ];
    const outsideValue = field.binary ? 0 : Math.min(field.pad, field.level);
    const mesh = march({
      dims,
      affine: multiplyAffine(field.affine, shift),
      level: field.level,
      pad: field.pad,
      binary: field.binary,
      fillInside: field.binary
        ? (z, out, offset, stride, rows) => {
            const Z = z + bz;
            for (let y = 0; y < dims[1]; y++) {
              const lab = Z * plane + (y + by) * nx + bx;
              const dst = offset + y * stride;
              let count = 0;
              for (let x = 0; x < dims[0]; x++) {
                const b = labels[lab + x] === c ? 1 : 0;
                out[dst + x] = b;
                count += b;
              }
              rows[y + 1] = count;
            }
          }
        : undefined,
      fill: (z, out) => {
        const Z = z + bz;
        field.fill(Z, full);
        for (let y = 0; y < dims[1]; y++) {
          const src = (y + by) * nx + bx;
          const lab = Z * plane + src;
          const dst = y * dims[0];
          for (let x = 0; x < dims[0]; x++) {
            const v = full[src + x];
            // Voxels of other components become background; 6-connectivity guarantees none of them
            // shares a grid edge with this component, so the interpolated surface is unchanged.
            out[dst + x] = v > field.level && labels[lab + x] !== c ? outsideValue : v;
          }
        }
      },
    });
    meshes.push(iterations > 0 ? smoothMesh(mesh, { iterations, method: options.smoothMethod ?? 'taubin' }) : mesh);
  }
  return meshes;
}
