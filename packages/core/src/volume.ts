import { InvalidArgumentError, ShapeMismatchError } from './errors.js';

/** Typed arrays a {@link Volume} may hold (NIfTI's scalar types; 64-bit integers as bigint arrays). */
export type VoxelData =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * A 4x4 row-major matrix mapping a voxel index `(i, j, k, 1)` to RAS+ world coordinates in mm,
 * exactly like nibabel's `img.affine`: `world = affine · [i, j, k, 1]ᵀ`.
 */
export type Affine = number[][];

/** Optional facts a file format records about a volume, kept so a re-write can preserve them. */
export interface VolumeMeta {
  /** NIfTI `qform_code` (0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI). */
  readonly qformCode?: number;
  /** NIfTI `sform_code` (same codes as `qformCode`). */
  readonly sformCode?: number;
  /** NIfTI `descrip` text. */
  readonly description?: string;
  /** NIfTI `intent_code`. */
  readonly intentCode?: number;
  /** Units of the spatial axes as written in the file (`'mm'`, `'um'`, `'m'`, `'unknown'`). */
  readonly spatialUnits?: string;
  /** Name of the stored datatype in the file (`'int16'`, `'float32'`…). */
  readonly datatype?: string;
}

/**
 * An N-dimensional image on a regular grid: plain readonly data, safe to `structuredClone` and to
 * post to workers.
 *
 * Voxels are stored x fastest (NIfTI/Fortran order): the voxel `(i, j, k)` of a volume with dims
 * `[nx, ny, nz]` is `data[(i + nx * (j + ny * k)) * components]`. Hence a 3D volume is, without
 * copying, a `[nz, ny, nx, components]` tensor (depth, height, width, channels).
 *
 * @example
 * ```ts
 * const v = createVolume({ data: new Int16Array(8), dims: [2, 2, 2], spacing: [1, 1, 2.5] });
 * v.affine; // [[1,0,0,0],[0,1,0,0],[0,0,2.5,0],[0,0,0,1]]
 * ```
 */
export interface Volume<T extends VoxelData = VoxelData> {
  /** Voxel values, x fastest, `components` interleaved values per voxel. */
  readonly data: T;
  /** Grid size per axis, x first: `[nx, ny, nz]`, then time or further axes for 4D/5D data. */
  readonly dims: readonly number[];
  /** Voxel size per axis (same length as `dims`); the first three are mm. */
  readonly spacing: readonly number[];
  /** Voxel index to RAS+ world mm (see {@link Affine}). */
  readonly affine: Affine;
  /** Values per voxel: 1 for scalars, 2 for complex (re, im), 3 for RGB, 4 for RGBA. @defaultValue 1 */
  readonly components?: number;
  /** Facts recorded by the file this volume came from. */
  readonly meta?: VolumeMeta;
}

/** Arguments of {@link createVolume}. */
export interface CreateVolumeOptions<T extends VoxelData> {
  /** Voxel values, x fastest. Not copied. */
  data: T;
  /** Grid size per axis, x first; at least one axis, each a positive integer. */
  dims: readonly number[];
  /** Voxel size per axis in mm; shorter than `dims` is padded with 1. @defaultValue all 1 */
  spacing?: readonly number[];
  /** Voxel to world matrix. @defaultValue diagonal of the first three spacings (LPS is not assumed) */
  affine?: Affine;
  /** Values per voxel. @defaultValue 1 */
  components?: number;
  /** Facts from the source file. */
  meta?: VolumeMeta;
}

/** Number of grid points of `dims` (the product of all its entries). */
export function voxelCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** The diagonal affine `diag(sx, sy, sz, 1)` for a spacing, origin at voxel (0, 0, 0). */
export function affineFromSpacing(spacing: readonly number[]): Affine {
  const s = [spacing[0] ?? 1, spacing[1] ?? 1, spacing[2] ?? 1];
  return [
    [s[0], 0, 0, 0],
    [0, s[1], 0, 0],
    [0, 0, s[2], 0],
    [0, 0, 0, 1],
  ];
}

function checkAffine(affine: Affine, where: string): void {
  const ok =
    Array.isArray(affine) &&
    affine.length === 4 &&
    affine.every((row) => Array.isArray(row) && row.length === 4 && row.every((x) => Number.isFinite(x)));
  if (!ok) throw new InvalidArgumentError(`${where}: affine must be a 4x4 array of finite numbers`);
}

/**
 * Builds a validated {@link Volume}: dims are positive integers, `data.length` equals the voxel count
 * times `components`, spacings are positive and finite, and the affine is a finite 4x4 matrix.
 *
 * @throws {@link InvalidArgumentError} naming the field that is wrong, what was expected and what was received.
 */
export function createVolume<T extends VoxelData>(options: CreateVolumeOptions<T>): Volume<T> {
  const { data, dims } = options;
  const components = options.components ?? 1;
  if (!Array.isArray(dims) || dims.length === 0 || !dims.every((d: unknown) => Number.isInteger(d) && (d as number) > 0)) {
    throw new InvalidArgumentError(`createVolume: dims must be positive integers, received [${String(dims)}]`);
  }
  if (!Number.isInteger(components) || components < 1) {
    throw new InvalidArgumentError(`createVolume: components must be a positive integer, received ${components}`);
  }
  const expected = voxelCount(dims) * components;
  if (!ArrayBuffer.isView(data) || data.length !== expected) {
    throw new ShapeMismatchError(
      `createVolume: data holds ${ArrayBuffer.isView(data) ? data.length : 'no typed array of'} values, dims [${dims.join(', ')}] x ${components} component(s) need ${expected}`,
    );
  }
  const spacing = dims.map((_, i) => options.spacing?.[i] ?? 1);
  if (!spacing.every((s) => Number.isFinite(s) && s > 0)) {
    throw new InvalidArgumentError(`createVolume: spacing must be positive finite mm, received [${spacing.join(', ')}]`);
  }
  const affine = options.affine ? options.affine.map((r) => [...r]) : affineFromSpacing(spacing);
  checkAffine(affine, 'createVolume');
  return {
    data,
    dims: Array.from(dims),
    spacing,
    affine,
    ...(components !== 1 ? { components } : {}),
    ...(options.meta ? { meta: { ...options.meta } } : {}),
  };
}

/**
 * A new volume on the same grid (dims, spacing, affine, meta) as `like`, holding `data`.
 *
 * @throws {@link ShapeMismatchError} when `data` has not one value per voxel of `like` (times `components`).
 */
export function withData<T extends VoxelData>(like: Volume, data: T, components = 1): Volume<T> {
  return createVolume({ data, dims: like.dims, spacing: like.spacing, affine: like.affine, components, meta: like.meta });
}

/** True when two volumes share dims (first three axes) and affine within `tolerance` mm. */
export function sameGrid(a: Volume, b: Volume, tolerance = 1e-4): boolean {
  for (let i = 0; i < 3; i++) if ((a.dims[i] ?? 1) !== (b.dims[i] ?? 1)) return false;
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) if (Math.abs(a.affine[r][c] - b.affine[r][c]) > tolerance) return false;
  return true;
}

/**
 * Throws a {@link ShapeMismatchError} naming both volumes when they are not on the same grid.
 * @param what - how to call the pair in the message, e.g. `'prediction and ground truth'`.
 */
export function assertSameGrid(a: Volume, b: Volume, what = 'volumes', tolerance = 1e-4): void {
  if (!sameGrid(a, b, tolerance)) throw new ShapeMismatchError(`${what} are on different grids: ${gridDifference(a, b, tolerance)}`);
}

/** What differs between two grids, in one short clause (dims, voxel size, origin, orientation, else the affine). */
function gridDifference(a: Volume, b: Volume, tolerance: number): string {
  const round = (x: number) => String(Number(x.toFixed(3)));
  const list = (v: readonly number[]) => v.map(round).join(' x ');
  const out: string[] = [];
  const da = [0, 1, 2].map((i) => a.dims[i] ?? 1);
  const db = [0, 1, 2].map((i) => b.dims[i] ?? 1);
  if (da.some((d, i) => d !== db[i])) out.push(`dims ${da.join(' x ')} vs ${db.join(' x ')}`);
  const sa = spacingFromAffine(a.affine);
  const sb = spacingFromAffine(b.affine);
  if (sa.some((x, i) => Math.abs(x - sb[i]) > tolerance)) out.push(`voxel size ${list(sa)} vs ${list(sb)} mm`);
  const oa = [0, 1, 2].map((r) => a.affine[r][3]);
  const ob = [0, 1, 2].map((r) => b.affine[r][3]);
  if (oa.some((x, i) => Math.abs(x - ob[i]) > tolerance)) out.push(`origin (${oa.map(round).join(', ')}) vs (${ob.map(round).join(', ')}) mm`);
  const ca = orientationCodes(a.affine).join('');
  const cb = orientationCodes(b.affine).join('');
  if (ca !== cb) out.push(`orientation ${ca} vs ${cb}`);
  if (out.length === 0) {
    let worst = 0;
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) worst = Math.max(worst, Math.abs(a.affine[r][c] - b.affine[r][c]));
    out.push(`affines differ by up to ${worst.toExponential(2)} (tolerance ${tolerance})`);
  }
  return out.join(', ');
}

/** Maps a voxel index (fractional allowed) to world mm through the volume's affine. */
export function voxelToWorld(affine: Affine, ijk: readonly number[]): [number, number, number] {
  const [i, j, k] = [ijk[0] ?? 0, ijk[1] ?? 0, ijk[2] ?? 0];
  return [0, 1, 2].map((r) => affine[r][0] * i + affine[r][1] * j + affine[r][2] * k + affine[r][3]) as [number, number, number];
}

/**
 * Inverse of a 4x4 affine (general inverse by Gauss-Jordan elimination with partial pivoting).
 * @throws {@link InvalidArgumentError} when the matrix is singular.
 */
export function invertAffine(affine: Affine): Affine {
  checkAffine(affine, 'invertAffine');
  const m = affine.map((row, r) => [...row, ...[0, 1, 2, 3].map((c) => (c === r ? 1 : 0))]);
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-12) throw new InvalidArgumentError('invertAffine: the affine is singular');
    [m[c], m[p]] = [m[p], m[c]];
    const d = m[c][c];
    for (let k = 0; k < 8; k++) m[c][k] /= d;
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = m[r][c];
      if (f !== 0) for (let k = 0; k < 8; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row) => row.slice(4));
}

/** Product `a · b` of two 4x4 matrices. */
export function multiplyAffine(a: Affine, b: Affine): Affine {
  return [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => a[r][0] * b[0][c] + a[r][1] * b[1][c] + a[r][2] * b[2][c] + a[r][3] * b[3][c]));
}

/** Voxel size along each of the first three axes implied by an affine (column norms), in mm. */
export function spacingFromAffine(affine: Affine): [number, number, number] {
  return [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c])) as [number, number, number];
}

/**
 * Axis codes of an affine, nibabel's `aff2axcodes`: for each voxel axis the world direction it
 * points to most, e.g. `['R', 'A', 'S']` for an identity affine or `['L', 'P', 'S']` for DICOM-like data.
 */
export function orientationCodes(affine: Affine): [string, string, string] {
  const labels = [
    ['L', 'R'],
    ['P', 'A'],
    ['I', 'S'],
  ];
  const used = new Set<number>();
  const out: string[] = [];
  // Greedy assignment, largest absolute component first (nibabel's io_orientation for non-oblique data).
  const order = [0, 1, 2]
    .map((c) => ({ c, n: Math.hypot(affine[0][c], affine[1][c], affine[2][c]) }))
    .map(({ c, n }) => ({ c, v: [0, 1, 2].map((r) => (n > 0 ? affine[r][c] / n : 0)) }));
  const result: string[] = ['?', '?', '?'];
  const pairs: { c: number; r: number; a: number }[] = [];
  for (const { c, v } of order) for (let r = 0; r < 3; r++) pairs.push({ c, r, a: Math.abs(v[r]) });
  pairs.sort((x, y) => y.a - x.a);
  const doneCols = new Set<number>();
  for (const { c, r } of pairs) {
    if (doneCols.has(c) || used.has(r)) continue;
    doneCols.add(c);
    used.add(r);
    result[c] = labels[r][affine[r][c] >= 0 ? 1 : 0];
  }
  out.push(...result);
  return out as [string, string, string];
}

/**
 * Number of NaN and ±Infinity values in a volume's data (every component counted; integer data has none).
 *
 * @example
 * ```ts
 * countNonFinite(createVolume({ data: Float32Array.of(0, NaN, Infinity, 1), dims: [4] })); // 2
 * ```
 */
export function countNonFinite(v: Volume): number {
  const d = v.data;
  if (!(d instanceof Float32Array || d instanceof Float64Array)) return 0;
  let n = 0;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) n++;
  return n;
}

/**
 * Throws an {@link InvalidArgumentError} (naming `file` when given) when a volume has NaN or infinite
 * values, with their count: they would spread through every filter and network layer they touch.
 *
 * @example
 * ```ts
 * assertFinite(ct, { what: 'CT', file: 'ct.nii.gz' });
 * ```
 * @throws {@link InvalidArgumentError} when some value is NaN or ±Infinity.
 */
export function assertFinite(v: Volume, options: { what?: string; file?: string } = {}): void {
  const bad = countNonFinite(v);
  if (bad === 0) return;
  const total = v.data.length;
  throw new InvalidArgumentError(
    `${options.what ?? 'volume'} has ${bad} NaN or infinite voxel value${bad === 1 ? '' : 's'} (of ${total}); replace them before use (e.g. numpy.nan_to_num, or fslmaths -nan)`,
    options.file !== undefined ? { file: options.file } : {},
  );
}
