import { NiftiFormatError, UnsupportedError, voxelCount, type Affine } from '@raunet/core';
import { bestAffine, qformAffine, sformAffine, spatialZooms, type AffineSource } from './internal/affine.js';
import { datatypeByCode, UNSUPPORTED_DATATYPES, type NiftiDatatypeName } from './internal/datatypes.js';
import { gunzipPrefix, isGzip } from './internal/gzip.js';
import { headerSizeOf, parseHeader, type NiftiExtension, type NiftiFormat, type RawHeader } from './internal/header.js';

export type { NiftiExtension, NiftiFormat, AffineSource, NiftiDatatypeName };

/** Default refusal limit for voxel data: 2^31 bytes (2 GiB). */
export const DEFAULT_MAX_BYTES = 2 ** 31;

/**
 * Everything the header of a NIfTI-1, NIfTI-2 or Analyze 7.5 file says, interpreted the way nibabel
 * does (affine choice, scaling rules), without reading the voxels.
 */
export interface NiftiHeaderInfo {
  /** `'nifti1'`, `'nifti2'` or `'analyze'` (Analyze 7.5 read as SPM2 Analyze, like nibabel). */
  readonly format: NiftiFormat;
  /** True for a `.hdr`/`.img` pair header (`ni1`, `ni2` or Analyze): the voxels live in the `.img` file. */
  readonly pair: boolean;
  /** Byte order of the file. */
  readonly littleEndian: boolean;
  /** Grid size, `dim[1..dim[0]]` (nibabel's `shape`, trailing 1s kept), x first. */
  readonly dims: readonly number[];
  /**
   * Voxel size per axis: `|pixdim[k]|`, with 0 (or non-finite) replaced by 1 as nibabel's header fix does.
   * The first three are in the file's spatial unit (normally mm).
   */
  readonly spacing: readonly number[];
  /** Voxel index to world (RAS+) matrix chosen like nibabel: sform, else qform, else the fallback. */
  readonly affine: Affine;
  /** Which of the three the affine is. */
  readonly affineSource: AffineSource;
  /** The qform matrix (computed whatever `qformCode` is; meaningful when it is > 0). `null` for Analyze. */
  readonly qform: Affine | null;
  /** The sform matrix (`srow_*`; meaningful when `sformCode` > 0). `null` for Analyze. */
  readonly sform: Affine | null;
  /** `qform_code` (0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI); 0 for Analyze. */
  readonly qformCode: number;
  /** `sform_code` (same codes); 0 for Analyze. */
  readonly sformCode: number;
  /** `pixdim[0]` as qfac: -1 or 1. */
  readonly qfac: 1 | -1;
  /** Stored datatype name, or `'unsupported'` when the code is not one this package decodes. */
  readonly datatype: NiftiDatatypeName | 'unsupported';
  /** Raw NIfTI datatype code (e.g. 4 for int16). */
  readonly datatypeCode: number;
  /** Raw `bitpix`. */
  readonly bitpix: number;
  /** Values per voxel: 2 complex, 3 RGB24, 4 RGBA32, else 1. */
  readonly components: number;
  /** Byte offset of the voxel data (in the `.img` file for pairs). */
  readonly voxOffset: number;
  /** Bytes of voxel data the header announces (dims × bytes per voxel). */
  readonly dataBytes: number;
  /** Raw `scl_slope` (for Analyze: SPM2 `funused1`). */
  readonly sclSlope: number;
  /** Raw `scl_inter` (for Analyze: SPM2 `funused2`). */
  readonly sclInter: number;
  /**
   * The scaling a reader applies, `value = stored * slope + inter`, or `null` when none does: slope 0 or
   * non-finite means no scaling (and for Analyze, SPM2's glmax/glmin + cal_max/cal_min fallback), RGB
   * types are never scaled, and `{ slope: 1, inter: 0 }` is reported as `null`.
   */
  readonly scaling: { readonly slope: number; readonly inter: number } | null;
  /** `cal_min` display hint. */
  readonly calMin: number;
  /** `cal_max` display hint. */
  readonly calMax: number;
  /** `descrip` text. */
  readonly description: string;
  /** `intent_code`. */
  readonly intentCode: number;
  /** `intent_name`. */
  readonly intentName: string;
  /** Raw `xyzt_units`. */
  readonly xyztUnits: number;
  /** Spatial unit from `xyzt_units`: `'m'`, `'mm'`, `'um'` or `'unknown'`. */
  readonly spatialUnits: 'm' | 'mm' | 'um' | 'unknown';
  /** `dim_info` (frequency/phase/slice dims). */
  readonly dimInfo: number;
  /** Header extensions found between the header and the voxel data (empty when none or not read). */
  readonly extensions: readonly NiftiExtension[];
}

/** Options of {@link decodeNiftiHeader}. */
export interface DecodeNiftiHeaderOptions {
  /** Name used in error messages (normally the file path). */
  name?: string;
}

const SPATIAL_UNITS: Record<number, NiftiHeaderInfo['spatialUnits']> = { 1: 'm', 2: 'mm', 3: 'um' };

/** Effective scaling as nibabel computes it (Nifti1Header / Spm2AnalyzeHeader.get_slope_inter). */
export function effectiveScaling(h: RawHeader, file: string | undefined): { slope: number; inter: number } | null {
  let slope: number;
  let inter: number;
  if (Number.isFinite(h.sclSlope) && h.sclSlope !== 0) {
    slope = h.sclSlope;
    if (h.format === 'analyze') inter = Number.isFinite(h.sclInter) ? h.sclInter : 0;
    else if (!Number.isFinite(h.sclInter)) {
      throw new NiftiFormatError(`scl_slope is ${h.sclSlope} but scl_inter is ${h.sclInter}: a valid slope needs a finite intercept`, { file });
    } else inter = h.sclInter;
  } else if (h.format === 'analyze' && h.glmax - h.glmin !== 0 && h.calMax - h.calMin !== 0) {
    slope = (h.calMax - h.calMin) / (h.glmax - h.glmin);
    inter = h.calMin - slope * h.glmin;
  } else {
    return null;
  }
  if (slope === 1 && inter === 0) return null;
  return { slope, inter };
}

/** Interprets a parsed header; checks datatype support and the size limit when asked. */
export function interpretHeader(h: RawHeader, file: string | undefined): NiftiHeaderInfo {
  const dt = datatypeByCode(h.datatypeCode);
  const components = dt?.components ?? 1;
  const dataBytes = voxelCount(h.dims) * (dt ? dt.scalarBytes * dt.components : Math.max(1, Math.ceil(h.bitpix / 8)));
  const zooms = spatialZooms(h);
  const spacing = h.dims.map((_, k) => {
    if (k < 3) return zooms[k];
    const p = Math.abs(h.pixdim[k + 1]);
    return Number.isFinite(p) && p > 0 ? p : 1;
  });
  const { affine, source } = bestAffine(h);
  const scaling = dt && !dt.scalable ? null : effectiveScaling(h, file);
  return {
    format: h.format,
    pair: h.pair,
    littleEndian: h.littleEndian,
    dims: h.dims,
    spacing,
    affine,
    affineSource: source,
    qform: h.format === 'analyze' ? null : qformAffine(h),
    sform: h.format === 'analyze' ? null : sformAffine(h),
    qformCode: h.qformCode,
    sformCode: h.sformCode,
    qfac: h.pixdim[0] === -1 ? -1 : 1,
    datatype: dt?.name ?? 'unsupported',
    datatypeCode: h.datatypeCode,
    bitpix: h.bitpix,
    components,
    voxOffset: h.voxOffset,
    dataBytes,
    sclSlope: h.sclSlope,
    sclInter: h.sclInter,
    scaling,
    calMin: h.calMin,
    calMax: h.calMax,
    description: h.description,
    intentCode: h.intentCode,
    intentName: h.intentName,
    xyztUnits: h.xyztUnits,
    spatialUnits: SPATIAL_UNITS[h.xyztUnits & 7] ?? 'unknown',
    dimInfo: h.dimInfo,
    extensions: h.extensions,
  };
}

/** Throws an {@link @raunet/core!UnsupportedError | UnsupportedError} for a datatype this package cannot decode. */
export function assertSupportedDatatype(info: NiftiHeaderInfo, file: string | undefined): void {
  if (info.datatype === 'unsupported') {
    const known = UNSUPPORTED_DATATYPES[info.datatypeCode];
    throw new UnsupportedError(
      `datatype ${known ?? `code ${info.datatypeCode}`} is not supported: readable are int8/16/32/64, uint8/16/32/64, float32/64, complex64/128, rgb24, rgba32`,
      { file },
    );
  }
}

/** Throws a {@link @raunet/core!NiftiFormatError | NiftiFormatError} when the voxel data would exceed `maxBytes`, before anything is allocated. */
export function assertSizeLimit(info: NiftiHeaderInfo, maxBytes: number, file: string | undefined): void {
  if (!Number.isSafeInteger(info.dataBytes) || info.dataBytes > maxBytes) {
    throw new NiftiFormatError(
      `header claims dims [${info.dims.join(', ')}] of ${info.datatype} = ${info.dataBytes} bytes of voxel data, over the limit of ${maxBytes} bytes (options.maxBytes); refusing to allocate`,
      { file },
    );
  }
}

/**
 * Reads only the header of NIfTI-1/NIfTI-2/Analyze bytes (gzipped or not; for gzip only the start of
 * the stream is inflated). Pure: no Node APIs.
 *
 * @param bytes - the file's bytes, or at least its first bytes (up to vox_offset to also get extensions).
 * @throws {@link @raunet/core!NiftiFormatError | NiftiFormatError} when the bytes are not a valid header (truncated, bad magic, bad dims).
 * @example
 * ```ts
 * const info = decodeNiftiHeader(bytes, { name: 'ct.nii.gz' });
 * console.log(info.dims, info.spacing, info.datatype, info.affineSource);
 * ```
 */
export function decodeNiftiHeader(bytes: Uint8Array, options: DecodeNiftiHeaderOptions = {}): NiftiHeaderInfo {
  const file = options.name;
  let head = bytes;
  if (isGzip(bytes)) {
    head = gunzipPrefix(bytes, 540, file);
    const size = headerSizeOf(head, file);
    if (head.length >= size) {
      // Inflate up to vox_offset too (capped at 1 MiB) so the extensions are reported.
      const voxOffset = parseHeader(head, file).voxOffset;
      if (voxOffset > head.length) head = gunzipPrefix(bytes, Math.min(voxOffset, 1 << 20), file);
    }
  }
  return interpretHeader(parseHeader(head, file), file);
}
