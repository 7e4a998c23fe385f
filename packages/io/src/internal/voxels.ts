import { NiftiFormatError, type VoxelData } from '@raunet/core';
import { ARRAY_CTORS, datatypeByCode } from './datatypes.js';
import type { NiftiHeaderInfo } from '../nifti-header.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** How voxel bytes become a typed array. */
export interface VoxelOptions {
  /** Apply scl_slope/scl_inter. */
  scaling: boolean;
  /** 64-bit integers as bigint arrays or as Float64Array. */
  int64: 'bigint' | 'float64';
  /** The bytes belong to us: they may be byte-swapped in place and viewed without a copy. */
  owned: boolean;
}

function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width === 2) {
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const t = bytes[i];
      bytes[i] = bytes[i + 1];
      bytes[i + 1] = t;
    }
  } else if (width === 4) {
    for (let i = 0; i + 3 < bytes.length; i += 4) {
      let t = bytes[i];
      bytes[i] = bytes[i + 3];
      bytes[i + 3] = t;
      t = bytes[i + 1];
      bytes[i + 1] = bytes[i + 2];
      bytes[i + 2] = t;
    }
  } else if (width === 8) {
    for (let i = 0; i + 7 < bytes.length; i += 8) {
      for (let k = 0; k < 4; k++) {
        const t = bytes[i + k];
        bytes[i + k] = bytes[i + 7 - k];
        bytes[i + 7 - k] = t;
      }
    }
  }
}

/**
 * Turns the voxel bytes (starting at the first voxel, possibly longer) into the Volume's data:
 * stored type when unscaled, Float32Array when scaled (Float64Array for float64, complex128 and 64-bit ints).
 */
export function decodeVoxels(info: NiftiHeaderInfo, data: Uint8Array, options: VoxelOptions, file: string | undefined): VoxelData {
  const dt = datatypeByCode(info.datatypeCode);
  if (!dt) throw new NiftiFormatError(`datatype code ${info.datatypeCode} cannot be decoded`, { file });
  const need = info.dataBytes;
  if (data.length < need) {
    const what =
      data.length === 0
        ? `no voxel data after the header (a header-only file): expected ${need} bytes at offset ${info.voxOffset}`
        : `data shorter than the header claims: dims [${info.dims.join(', ')}] of ${dt.name} need ${need} bytes at offset ${info.voxOffset}, only ${data.length} present (file truncated?)`;
    throw new NiftiFormatError(what, { file });
  }
  const n = need / dt.scalarBytes;
  const swap = dt.scalarBytes > 1 && info.littleEndian !== HOST_LITTLE_ENDIAN;
  let bytes = data.subarray(0, need);
  if (!options.owned || bytes.byteOffset % dt.scalarBytes !== 0) bytes = bytes.slice();
  if (swap) swapInPlace(bytes, dt.scalarBytes);
  const Ctor = ARRAY_CTORS[dt.array];
  const stored = new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, n) as VoxelData;

  const scaling = options.scaling ? info.scaling : null;
  const wide = dt.array === 'Float64Array' || dt.array === 'BigInt64Array' || dt.array === 'BigUint64Array';
  if (scaling) {
    const { slope, inter } = scaling;
    const out = wide ? new Float64Array(n) : new Float32Array(n);
    if (stored instanceof BigInt64Array || stored instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) out[i] = Number(stored[i]) * slope + inter;
    } else if (dt.components === 2) {
      // Complex: value * slope + inter, the intercept on the real part (as numpy does for complex + real).
      const s = stored as Float32Array | Float64Array;
      for (let i = 0; i < n; i += 2) {
        out[i] = s[i] * slope + inter;
        out[i + 1] = s[i + 1] * slope;
      }
    } else {
      const s = stored;
      for (let i = 0; i < n; i++) out[i] = s[i] * slope + inter;
    }
    return out;
  }
  if (options.int64 === 'float64' && (stored instanceof BigInt64Array || stored instanceof BigUint64Array)) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(stored[i]);
    return out;
  }
  return stored;
}
