import { createVolume, NiftiFormatError, type Volume, type VolumeMeta } from '@raunet/core';
import { gunzipInto, gunzipPrefix, isGzip } from './internal/gzip.js';
import { headerSizeOf, parseHeader } from './internal/header.js';
import { decodeVoxels } from './internal/voxels.js';
import { assertSizeLimit, assertSupportedDatatype, DEFAULT_MAX_BYTES, interpretHeader, type NiftiHeaderInfo } from './nifti-header.js';

/** Options of {@link decodeNifti}. */
export interface DecodeNiftiOptions {
  /** Name used in error messages (normally the file path). */
  name?: string;
  /**
   * The `.img` bytes (gzipped or not) when `bytes` is the header of a `.hdr`/`.img` pair (`ni1`, `ni2`
   * or Analyze 7.5). Ignored for single files.
   */
  image?: Uint8Array;
  /**
   * Apply `scl_slope`/`scl_inter` (SPM2 `funused1` for Analyze). With `false` the stored values are
   * returned as stored; read the factors with {@link decodeNiftiHeader}.
   * @defaultValue true
   */
  scaling?: boolean;
  /**
   * What unscaled int64/uint64 files give: `'bigint'` keeps them exactly in a `BigInt64Array` /
   * `BigUint64Array`; `'float64'` converts to a `Float64Array` (exact up to 2^53).
   * Scaled 64-bit files always give a `Float64Array`.
   * @defaultValue 'bigint'
   */
  int64?: 'bigint' | 'float64';
  /**
   * Refuse (with a {@link @raunet/core!NiftiFormatError | NiftiFormatError}, before allocating) a header whose voxel data would need
   * more bytes than this.
   * @defaultValue 2^31 (2 GiB)
   */
  maxBytes?: number;
}

/** Parts of a file already read and, when they were gzipped, inflated. */
export interface DecodedParts {
  /** The header bytes (for a single file: the whole file). */
  header: Uint8Array;
  /** The `.img` bytes of a pair. */
  image?: Uint8Array;
  /** True when the buffers were made for this call (they may be byte-swapped and viewed in place). */
  owned: boolean;
  /** Name for messages. */
  file?: string;
  /** Name of the image file for messages. */
  imageFile?: string;
}

/** Builds the Volume from inflated parts (shared by {@link decodeNifti} and `readNifti`). @internal */
export function volumeFromParts(parts: DecodedParts, options: DecodeNiftiOptions): Volume {
  const file = parts.file;
  const raw = parseHeader(parts.header, file);
  const info = interpretHeader(raw, file);
  assertSupportedDatatype(info, file);
  assertSizeLimit(info, options.maxBytes ?? DEFAULT_MAX_BYTES, file);
  let data: Uint8Array;
  let dataFile = file;
  if (info.pair) {
    if (!parts.image) {
      throw new NiftiFormatError(
        `this is the header of a .hdr/.img pair (${info.format === 'analyze' ? 'Analyze 7.5' : `magic "${raw.magic}"`}): the voxels are in the .img file; pass its bytes as options.image (readNifti finds it itself)`,
        { file },
      );
    }
    data = parts.image.subarray(Math.min(info.voxOffset, parts.image.length));
    dataFile = parts.imageFile ?? file;
  } else {
    data = parts.header.subarray(Math.min(info.voxOffset, parts.header.length));
  }
  const voxels = decodeVoxels(info, data, { scaling: options.scaling ?? true, int64: options.int64 ?? 'bigint', owned: parts.owned }, dataFile);
  return createVolume({
    data: voxels,
    dims: info.dims,
    spacing: info.spacing,
    affine: info.affine,
    components: info.components,
    meta: metaOf(info),
  });
}

function metaOf(info: NiftiHeaderInfo): VolumeMeta {
  return {
    ...(info.format !== 'analyze' ? { qformCode: info.qformCode, sformCode: info.sformCode, intentCode: info.intentCode } : {}),
    ...(info.description ? { description: info.description } : {}),
    spatialUnits: info.spatialUnits,
    datatype: info.datatype,
  };
}

/**
 * Bytes to inflate a gzipped file into: the header is inflated first (only its start) to learn, check
 * and bound the size (voxel data of a single file; the whole header file of a pair). @internal
 */
export function inflateSizedHeader(bytes: Uint8Array, maxBytes: number, file: string | undefined): number {
  const head = gunzipPrefix(bytes, 540, file);
  const size = headerSizeOf(head, file);
  if (head.length < size) {
    throw new NiftiFormatError(`truncated file: the gzip stream holds only ${head.length} bytes, the header needs ${size}`, { file });
  }
  const info = interpretHeader(parseHeader(head, file), file);
  assertSupportedDatatype(info, file);
  assertSizeLimit(info, maxBytes, file);
  return info.pair ? 1 << 20 : info.voxOffset + info.dataBytes;
}

/**
 * Decodes a NIfTI-1, NIfTI-2 or Analyze 7.5 file held in memory (gzipped or not) into a {@link Volume}.
 * Pure: no Node APIs, runs in browsers and workers.
 *
 * - `data` holds the values with `scl_slope`/`scl_inter` applied (slope 0 or NaN: no scaling; for Analyze
 *   the SPM2 `funused1` factor, like nibabel). Its type is the stored type when no scaling applies,
 *   otherwise `Float32Array` (`Float64Array` for float64, complex128 and 64-bit integer files).
 * - int64/uint64 files give `BigInt64Array`/`BigUint64Array` (see `options.int64`).
 * - complex64/complex128 give `components: 2` (re, im interleaved per voxel) in a Float32/Float64Array;
 *   RGB24 and RGBA32 give `components: 3`/`4` in a Uint8Array (never scaled).
 * - `dims` is `dim[1..dim[0]]`, like nibabel's `shape`; `affine` is nibabel's (sform, else qform, else
 *   the centred, x-flipped fallback); `meta` keeps the form codes and the stored datatype.
 *
 * @param bytes - the file (a single `.nii`, or the `.hdr` of a pair with `options.image`).
 * @throws {@link @raunet/core!NiftiFormatError | NiftiFormatError} for truncated/corrupt input, bad magic, header-only files, data shorter
 * than the header claims, absurd dims; {@link @raunet/core!UnsupportedError | UnsupportedError} for unsupported datatypes.
 * @example
 * ```ts
 * const ct = decodeNifti(new Uint8Array(await (await fetch('ct.nii.gz')).arrayBuffer()), { name: 'ct.nii.gz' });
 * console.log(ct.dims, ct.spacing, ct.data.constructor.name);
 * ```
 */
export function decodeNifti(bytes: Uint8Array, options: DecodeNiftiOptions = {}): Volume {
  const file = options.name;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let header = bytes;
  const inflated = isGzip(bytes);
  if (inflated) header = gunzipInto(bytes, inflateSizedHeader(bytes, maxBytes, file), file);
  let image: Uint8Array | undefined;
  let owned = inflated;
  if (options.image) {
    const info = interpretHeader(parseHeader(header, file), file);
    if (info.pair) {
      assertSupportedDatatype(info, file);
      assertSizeLimit(info, maxBytes, file);
      image = options.image;
      if (isGzip(image)) image = gunzipInto(image, info.voxOffset + info.dataBytes, file);
      // A caller's plain image is not ours: voxels are copied out of it.
      owned = image !== options.image;
    }
  }
  return volumeFromParts({ header, image, owned, file }, options);
}
