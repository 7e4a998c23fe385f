import { InvalidArgumentError, type Volume } from '@raunet/core';

/** Fills `out` (nx * ny values, x fastest) with the scalar field of plane z. @internal */
export type PlaneFiller = (z: number, out: Float32Array) => void;

/** A scalar field on a grid, read plane by plane. @internal */
export interface FieldSource {
  readonly dims: readonly [number, number, number];
  readonly affine: number[][];
  readonly level: number;
  /** Value of the padding border (outside the surface). */
  readonly pad: number;
  readonly fill: PlaneFiller;
  /** True when the field only holds 0 and 1. */
  readonly binary: boolean;
  /**
   * Binary fields only: writes the inside flags (0/1) of plane z into `out` at row stride `stride`
   * starting at `offset`, and the inside count of row j into `rows[j + 1]`. Faster than `fill`.
   */
  readonly fillInside?: (z: number, out: Uint8Array, offset: number, stride: number, rows: Int32Array) => void;
}

/** Options that choose which voxels are inside. @internal */
export interface FieldOptions {
  level?: number;
  label?: number;
}

const INTEGER = new Set(['Int8Array', 'Uint8Array', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array']);

/** Checks a mask volume is 3D and scalar; returns its [nx, ny, nz]. @internal */
export function spatialDims(mask: Volume, where: string): [number, number, number] {
  if (!mask || !ArrayBuffer.isView(mask.data) || typeof mask.dims?.length !== 'number') {
    throw new InvalidArgumentError(`${where}: expected a Volume, received ${typeof mask}`);
  }
  const extra = mask.dims.slice(3).reduce((a, b) => a * b, 1);
  if ((mask.components ?? 1) !== 1 || extra !== 1) {
    throw new InvalidArgumentError(
      `${where}: expected a 3D scalar mask, received dims [${mask.dims.join(', ')}] with ${mask.components ?? 1} component(s)`,
    );
  }
  return [mask.dims[0] ?? 1, mask.dims[1] ?? 1, mask.dims[2] ?? 1];
}

/**
 * The field of a mask: with `label`, 1 where the voxel equals it; integer data, 1 where nonzero;
 * floating-point data, the values themselves (e.g. a probability map). @internal
 */
export function maskField(mask: Volume, options: FieldOptions, where: string): FieldSource {
  const dims = spatialDims(mask, where);
  const level = options.level ?? 0.5;
  const label = options.label;
  if (!Number.isFinite(level)) throw new InvalidArgumentError(`${where}: level must be a finite number, received ${level}`);
  if (label !== undefined && !Number.isFinite(label)) {
    throw new InvalidArgumentError(`${where}: label must be a finite number, received ${label}`);
  }
  const name = mask.data.constructor.name;
  const binary = label !== undefined || INTEGER.has(name);
  if (binary && !(level > 0 && level < 1)) {
    throw new InvalidArgumentError(
      `${where}: level must be in (0, 1) for an integer mask or a label (the field is 0/1), received ${level}`,
    );
  }
  const [nx, ny] = dims;
  const plane = nx * ny;
  const data = mask.data;
  let fill: PlaneFiller;
  if (typeof data[0] === 'bigint') {
    const big = data as BigInt64Array | BigUint64Array;
    const want = label === undefined ? undefined : BigInt(Math.trunc(label));
    fill = (z, out) => {
      const o = z * plane;
      for (let i = 0; i < plane; i++) out[i] = want === undefined ? (big[o + i] !== 0n ? 1 : 0) : big[o + i] === want ? 1 : 0;
    };
  } else {
    const num = data as Exclude<typeof data, BigInt64Array | BigUint64Array>;
    if (label !== undefined) {
      fill = (z, out) => {
        const o = z * plane;
        for (let i = 0; i < plane; i++) out[i] = num[o + i] === label ? 1 : 0;
      };
    } else if (binary) {
      fill = (z, out) => {
        const o = z * plane;
        for (let i = 0; i < plane; i++) out[i] = num[o + i] !== 0 ? 1 : 0;
      };
    } else {
      fill = (z, out) => {
        const o = z * plane;
        for (let i = 0; i < plane; i++) {
          const v = num[o + i];
          out[i] = Number.isNaN(v) ? level - 1 : v;
        }
      };
    }
  }
  let fillInside: FieldSource['fillInside'];
  if (binary && typeof data[0] !== 'bigint') {
    const num = data as Exclude<typeof data, BigInt64Array | BigUint64Array>;
    const want = label;
    fillInside = (z, out, offset, stride, rows) => {
      for (let j = 0; j < ny; j++) {
        const src = z * plane + j * nx;
        const dst = offset + j * stride;
        let count = 0;
        if (want === undefined) {
          for (let i = 0; i < nx; i++) {
            const b = num[src + i] !== 0 ? 1 : 0;
            out[dst + i] = b;
            count += b;
          }
        } else {
          for (let i = 0; i < nx; i++) {
            const b = num[src + i] === want ? 1 : 0;
            out[dst + i] = b;
            count += b;
          }
        }
        rows[j + 1] = count;
      }
    };
  }
  return { dims, affine: mask.affine, level, pad: level > 0 ? 0 : level - 1, fill, binary, fillInside };
}
