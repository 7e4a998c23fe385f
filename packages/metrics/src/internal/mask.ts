import { InvalidArgumentError, assertSameGrid, type Volume } from '@raunet/core';

/** Grid facts of a mask pair: sizes of the three spatial axes and their spacings in mm. */
export interface Grid3 {
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
  readonly sx: number;
  readonly sy: number;
  readonly sz: number;
}

/** Inclusive voxel bounding box `[x0..x1] x [y0..y1] x [z0..z1]`; `empty` when no voxel is set. */
export interface Box3 {
  empty: boolean;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  z0: number;
  z1: number;
}

/** Counts of a prediction/truth pair plus the bounding box of their union. */
export interface PairScan {
  readonly grid: Grid3;
  /** Voxels in both masks. */
  readonly tp: number;
  /** Voxels in the prediction only. */
  readonly fp: number;
  /** Voxels in the truth only. */
  readonly fn: number;
  /** Voxels in neither. */
  readonly tn: number;
  /** Union bounding box. */
  readonly box: Box3;
}

/** Validates a mask volume (scalar, 2D or 3D, extra axes of size 1) and returns its 3D grid. */
export function gridOf(v: Volume, where: string): Grid3 {
  if ((v.components ?? 1) !== 1) {
    throw new InvalidArgumentError(`${where}: a mask must have 1 component per voxel, received ${v.components}`);
  }
  for (let i = 3; i < v.dims.length; i++) {
    if (v.dims[i] !== 1) {
      throw new InvalidArgumentError(
        `${where}: a mask must be 2D or 3D (axes beyond z of size 1), received dims [${v.dims.join(', ')}]`,
      );
    }
  }
  return {
    nx: v.dims[0] ?? 1,
    ny: v.dims[1] ?? 1,
    nz: v.dims[2] ?? 1,
    sx: v.spacing[0] ?? 1,
    sy: v.spacing[1] ?? 1,
    sz: v.spacing[2] ?? 1,
  };
}

/** Checks a `label` option: undefined (nonzero = foreground) or a finite number. */
export function checkLabel(label: number | undefined, where: string): void {
  if (label !== undefined && (typeof label !== 'number' || !Number.isFinite(label))) {
    throw new InvalidArgumentError(`${where}: label must be a finite number, received ${String(label)}`);
  }
}

type Cell = number | bigint;

/**
 * Returns a predicate-free view: `fg(i)` semantics are implemented inline in the loops below for speed;
 * this helper gives the value to compare with (`undefined` → nonzero test).
 */
function target(data: Volume['data'], label: number | undefined): Cell | undefined {
  if (label === undefined) return undefined;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    if (!Number.isInteger(label)) return Number.NaN; // matches nothing
    return BigInt(label);
  }
  return label;
}

/** Foreground of one mask as 0/1 bytes (full size). Nonzero (NaN is background) or `=== label`. */
export function binarize(v: Volume, label: number | undefined): Uint8Array {
  const data = v.data as ArrayLike<Cell>;
  const n = data.length;
  const out = new Uint8Array(n);
  const t = target(v.data, label);
  if (t === undefined) {
    for (let i = 0; i < n; i++) {
      const x = data[i];
      if (x > 0 || x < 0) out[i] = 1;
    }
  } else {
    for (let i = 0; i < n; i++) if (data[i] === t) out[i] = 1;
  }
  return out;
}

/** Number of foreground voxels of one mask. */
export function countForeground(v: Volume, label: number | undefined): number {
  const data = v.data as ArrayLike<Cell>;
  const n = data.length;
  const t = target(v.data, label);
  let c = 0;
  if (t === undefined) {
    for (let i = 0; i < n; i++) {
      const x = data[i];
      if (x > 0 || x < 0) c++;
    }
  } else {
    for (let i = 0; i < n; i++) if (data[i] === t) c++;
  }
  return c;
}

/** Checks both masks (same grid, scalar) and returns their grid. */
export function checkPair(prediction: Volume, truth: Volume, label: number | undefined, where: string): Grid3 {
  checkLabel(label, where);
  const g = gridOf(prediction, `${where} (prediction)`);
  gridOf(truth, `${where} (truth)`);
  assertSameGrid(prediction, truth, `${where}: prediction and truth`);
  return g;
}

/**
 * One pass over both masks: confusion counts and the bounding box of the union, without any
 * full-size allocation.
 */
export function scanPair(prediction: Volume, truth: Volume, label: number | undefined, where: string): PairScan {
  const grid = checkPair(prediction, truth, label, where);
  const { nx, ny, nz } = grid;
  const box: Box3 = { empty: true, x0: nx, x1: -1, y0: ny, y1: -1, z0: nz, z1: -1 };
  const counts = isIntegerArray(prediction.data) && isIntegerArray(truth.data)
    ? scanIntegerRows(prediction.data as IntegerArray, truth.data as IntegerArray, label, grid, box)
    : scanGenericRows(prediction, truth, label, grid, box);
  const [tp, fp, fn] = counts;
  const tn = nx * ny * nz - tp - fp - fn;
  return { grid, tp, fp, fn, tn, box };
}

/** Integer voxel arrays (the fast paths). */
export type IntegerArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** True for integer typed arrays of at most 32 bits. */
export function isIntegerArray(a: Volume['data']): boolean {
  return (
    a instanceof Uint8Array ||
    a instanceof Int16Array ||
    a instanceof Uint16Array ||
    a instanceof Int8Array ||
    a instanceof Int32Array ||
    a instanceof Uint32Array
  );
}

function growBox(box: Box3, first: number, last: number, y: number, z: number): void {
  box.empty = false;
  if (first < box.x0) box.x0 = first;
  if (last > box.x1) box.x1 = last;
  if (y < box.y0) box.y0 = y;
  if (y > box.y1) box.y1 = y;
  if (z < box.z0) box.z0 = z;
  if (z > box.z1) box.z1 = z;
}

/** Fast path for integer voxel types: direct loops, no row copies. */
function scanIntegerRows(p: IntegerArray, t: IntegerArray, label: number | undefined, g: Grid3, box: Box3): [number, number, number] {
  const { nx, ny, nz } = g;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const useLabel = label !== undefined;
  const L = label ?? 0;
  for (let z = 0, base = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++, base += nx) {
      let first = -1;
      let last = -1;
      for (let x = 0; x < nx; x++) {
        const pv = p[base + x];
        const tv = t[base + x];
        let a: boolean;
        let b: boolean;
        if (useLabel) {
          a = pv === L;
          b = tv === L;
          if (!a && !b) continue;
        } else {
          if (pv === 0 && tv === 0) continue;
          a = pv !== 0;
          b = tv !== 0;
        }
        if (first < 0) first = x;
        last = x;
        if (a && b) tp++;
        else if (a) fp++;
        else fn++;
      }
      if (first >= 0) growBox(box, first, last, y, z);
    }
  }
  return [tp, fp, fn];
}

/** Any voxel type (float with NaN as background, bigint): row copies through {@link RowReader}s. */
function scanGenericRows(prediction: Volume, truth: Volume, label: number | undefined, g: Grid3, box: Box3): [number, number, number] {
  const { nx, ny, nz } = g;
  const p = binarizeRowwise(prediction, label);
  const t = binarizeRowwise(truth, label);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const rowP = new Uint8Array(nx);
  const rowT = new Uint8Array(nx);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const base = nx * (y + ny * z);
      p(base, nx, rowP);
      t(base, nx, rowT);
      let first = -1;
      let last = -1;
      for (let x = 0; x < nx; x++) {
        const a = rowP[x];
        const b = rowT[x];
        if (a | b) {
          if (first < 0) first = x;
          last = x;
          if (a & b) tp++;
          else if (a) fp++;
          else fn++;
        }
      }
      if (first >= 0) growBox(box, first, last, y, z);
    }
  }
  return [tp, fp, fn];
}

/** A row reader: writes the 0/1 foreground of `data[base .. base+len)` into `out`. */
export type RowReader = (base: number, len: number, out: Uint8Array) => void;

/** Makes a {@link RowReader} for a mask (nonzero, NaN excluded, or `=== label`). */
export function binarizeRowwise(v: Volume, label: number | undefined): RowReader {
  const data = v.data as ArrayLike<Cell>;
  const t = target(v.data, label);
  if (t === undefined) {
    return (base, len, out) => {
      for (let i = 0; i < len; i++) {
        const x = data[base + i];
        out[i] = x > 0 || x < 0 ? 1 : 0;
      }
    };
  }
  return (base, len, out) => {
    for (let i = 0; i < len; i++) out[i] = data[base + i] === t ? 1 : 0;
  };
}
