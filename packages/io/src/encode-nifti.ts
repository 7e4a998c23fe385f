import { createVolume, InvalidArgumentError, UnsupportedError, type Volume, type VoxelData } from '@raunet/core';
import { gzipSync } from 'fflate';
import { affineToQuaternion } from './internal/affine.js';
import { ARRAY_CTORS, datatypeByName, datatypeForData, type DatatypeInfo, type NiftiDatatypeName } from './internal/datatypes.js';

/** Options of {@link encodeNifti}. */
export interface EncodeNiftiOptions {
  /**
   * Stored datatype. Values are converted (`stored = (value - sclInter) / sclSlope`, rounded to the
   * nearest integer for integer types); a value that does not fit the type, or NaN for an integer type,
   * is an {@link @raunet/core!InvalidArgumentError | InvalidArgumentError}. Complex and RGB types need matching `components`.
   * @defaultValue the datatype of the volume's typed array (Uint8Array with 3/4 components: rgb24/rgba32;
   * Float32Array/Float64Array with 2 components: complex64/complex128)
   */
  datatype?: NiftiDatatypeName;
  /** `scl_slope` written to the header (stored values are divided by it). @defaultValue 1 */
  sclSlope?: number;
  /** `scl_inter` written to the header (subtracted before dividing by the slope). @defaultValue 0 */
  sclInter?: number;
  /**
   * `qform_code`. @defaultValue `volume.meta.qformCode`; when neither form code in `meta` is > 0
   * (a volume not from a file, an Analyze file, a q0/s0 file): 1 (scanner)
   */
  qformCode?: number;
  /** `sform_code`. @defaultValue `volume.meta.sformCode`, with the same rule as `qformCode` */
  sformCode?: number;
  /** `descrip` (at most 79 ASCII characters; longer text is cut). @defaultValue `volume.meta.description` or empty */
  description?: string;
  /** Gzip the output (fflate, level 6). @defaultValue false */
  gzip?: boolean;
}

const INT_RANGE: Partial<Record<NiftiDatatypeName, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-(2 ** 63), 2 ** 63],
  uint64: [0, 2 ** 64],
  rgb24: [0, 255],
  rgba32: [0, 255],
};

function convert(data: VoxelData, dt: DatatypeInfo, slope: number, inter: number): VoxelData {
  const Ctor = ARRAY_CTORS[dt.array];
  const sameType = data instanceof Ctor;
  if (sameType && slope === 1 && inter === 0) return data;
  const n = data.length;
  const out = new Ctor(n);
  const range = INT_RANGE[dt.name];
  const bigOut = out instanceof BigInt64Array || out instanceof BigUint64Array;
  const bigIn = data instanceof BigInt64Array || data instanceof BigUint64Array;
  if (bigOut && bigIn && slope === 1 && inter === 0) {
    // int64 <-> uint64 without going through float64.
    for (let i = 0; i < n; i++) {
      const x = data[i];
      if ((out instanceof BigUint64Array && x < 0n) || (out instanceof BigInt64Array && x > 9223372036854775807n)) {
        throw new InvalidArgumentError(`encodeNifti: value ${x} at index ${i} does not fit ${dt.name}`);
      }
      out[i] = x;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    let v = (Number(data[i]) - inter) / slope;
    if (range) {
      v = Math.round(v);
      if (!(v >= range[0] && v <= range[1]) || (v === range[1] && bigOut)) {
        throw new InvalidArgumentError(
          `encodeNifti: value ${String(data[i])} at index ${i} (stored ${v} with scl_slope ${slope}, scl_inter ${inter}) does not fit ${dt.name} [${range[0]}, ${range[1]}]`,
        );
      }
    }
    if (bigOut) (out as BigInt64Array)[i] = BigInt(v);
    else (out as Float64Array)[i] = v;
  }
  return out;
}

function formCodes(volume: Volume, options: EncodeNiftiOptions): [number, number] {
  const q = volume.meta?.qformCode ?? 0;
  const s = volume.meta?.sformCode ?? 0;
  const fromMeta = q > 0 || s > 0;
  const qformCode = options.qformCode ?? (fromMeta ? q : 1);
  const sformCode = options.sformCode ?? (fromMeta ? s : 1);
  for (const [name, c] of [
    ['qformCode', qformCode],
    ['sformCode', sformCode],
  ] as const) {
    if (!Number.isInteger(c) || c < 0 || c > 32767) throw new InvalidArgumentError(`encodeNifti: ${name} must be an integer 0..32767 (0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI), received ${c}`);
  }
  return [qformCode, sformCode];
}

/**
 * Encodes a {@link Volume} as a single-file NIfTI-1 (`n+1`, little-endian, vox_offset 352, no
 * extensions). Both the qform and the sform are set from `volume.affine`: the sform exactly (float32),
 * the qform as quaternion + offsets + pixdim with qfac = -1 when the voxel axes are left-handed (for a
 * sheared affine the qform holds the nearest rotation; readers that prefer the sform, as nibabel does,
 * see the exact affine). `pixdim[1..3]` are the affine's column norms, further pixdims `volume.spacing`.
 * Pure: no Node APIs.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} / {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} for an invalid volume or values that
 * do not fit the datatype; {@link @raunet/core!UnsupportedError | UnsupportedError} for more than 7 dims or a dim over 32767.
 * @example
 * ```ts
 * const bytes = encodeNifti(mask, { datatype: 'uint8' });
 * ```
 */
export function encodeNifti(volume: Volume, options: EncodeNiftiOptions = {}): Uint8Array {
  // Validate the whole volume first (nothing is produced for an invalid one).
  const v = createVolume({ data: volume.data, dims: volume.dims, spacing: volume.spacing, affine: volume.affine, components: volume.components ?? 1, meta: volume.meta });
  const components = v.components ?? 1;
  const dims = v.dims;
  if (dims.length > 7) throw new UnsupportedError(`encodeNifti: NIfTI holds at most 7 dims, received ${dims.length}`);
  if (dims.some((d) => d > 32767)) throw new UnsupportedError(`encodeNifti: NIfTI-1 dims are int16 (at most 32767), received [${dims.join(', ')}]`);
  let dt: DatatypeInfo | undefined;
  if (options.datatype !== undefined) {
    dt = datatypeByName(options.datatype);
    if (!dt) throw new InvalidArgumentError(`encodeNifti: unknown datatype '${options.datatype}'`);
    if (dt.components !== components) {
      throw new InvalidArgumentError(`encodeNifti: datatype ${dt.name} has ${dt.components} value(s) per voxel, the volume has components = ${components}`);
    }
  } else {
    dt = datatypeForData(v.data, components);
    if (!dt) throw new InvalidArgumentError(`encodeNifti: no NIfTI datatype for ${v.data.constructor.name} with ${components} components; pass options.datatype`);
  }
  const slope = options.sclSlope ?? 1;
  const inter = options.sclInter ?? 0;
  if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(inter)) {
    throw new InvalidArgumentError(`encodeNifti: sclSlope must be finite and non-zero and sclInter finite, received ${slope} and ${inter}`);
  }
  if (!dt.scalable && (slope !== 1 || inter !== 0)) throw new InvalidArgumentError(`encodeNifti: ${dt.name} data cannot be scaled`);
  const [qformCode, sformCode] = formCodes(v, options);
  const stored = convert(v.data, dt, slope, inter);

  const voxOffset = 352;
  const dataBytes = stored.byteLength;
  const out = new Uint8Array(voxOffset + dataBytes);
  const view = new DataView(out.buffer);
  const le = true;
  view.setInt32(0, 348, le);
  out[38] = 'r'.charCodeAt(0); // "regular", as nibabel and nifti1_io write
  view.setInt16(40, dims.length, le);
  for (let k = 0; k < 7; k++) view.setInt16(42 + 2 * k, k < dims.length ? dims[k] : 1, le);
  view.setInt16(68, v.meta?.intentCode ?? 0, le);
  view.setInt16(70, dt.code, le);
  view.setInt16(72, dt.scalarBytes * dt.components * 8, le);
  const q = affineToQuaternion(v.affine);
  view.setFloat32(76, q.qfac, le);
  for (let k = 0; k < 7; k++) view.setFloat32(80 + 4 * k, k < 3 ? q.zooms[k] : k < dims.length ? v.spacing[k] : 1, le);
  view.setFloat32(108, voxOffset, le);
  view.setFloat32(112, slope, le);
  view.setFloat32(116, inter, le);
  out[123] = 2; // xyzt_units: mm
  const description = (options.description ?? v.meta?.description ?? '').slice(0, 79);
  for (let i = 0; i < description.length; i++) {
    const c = description.charCodeAt(i);
    out[148 + i] = c >= 32 && c < 127 ? c : 63;
  }
  view.setInt16(252, qformCode, le);
  view.setInt16(254, sformCode, le);
  view.setFloat32(256, q.b, le);
  view.setFloat32(260, q.c, le);
  view.setFloat32(264, q.d, le);
  for (let k = 0; k < 3; k++) view.setFloat32(268 + 4 * k, q.offset[k], le);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) view.setFloat32(280 + 16 * r + 4 * c, v.affine[r][c], le);
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  // bytes 348..351: extension flag 0 (no extensions).
  const bytes = new Uint8Array(stored.buffer, stored.byteOffset, dataBytes);
  if (le === new Uint8Array(new Uint16Array([1]).buffer)[0] > 0) {
    out.set(bytes, voxOffset);
  } else {
    const dst = new DataView(out.buffer, voxOffset);
    const w = dt.scalarBytes;
    for (let i = 0; i < dataBytes; i += w) for (let b = 0; b < w; b++) dst.setUint8(i + b, bytes[i + w - 1 - b]);
  }
  return options.gzip ? gzipSync(out, { level: 6 }) : out;
}
