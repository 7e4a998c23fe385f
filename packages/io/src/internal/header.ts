import { NiftiFormatError } from '@raunet/core';

/** Container format of a header. */
export type NiftiFormat = 'nifti1' | 'nifti2' | 'analyze';

/** One NIfTI header extension: its code and its payload (without the 8-byte esize/ecode prefix). */
export interface NiftiExtension {
  /** `ecode`, e.g. 4 AFNI, 6 comment, 32 CIfTI. */
  readonly code: number;
  /** The payload bytes (`esize - 8` of them). */
  readonly data: Uint8Array;
}

/** Every header field, decoded into numbers, in the file's own terms (no interpretation yet). */
export interface RawHeader {
  format: NiftiFormat;
  /** True for a header of a two-file pair (`ni1`, `ni2`, Analyze): voxels live in the `.img` file. */
  pair: boolean;
  littleEndian: boolean;
  /** 348 or 540. */
  headerSize: number;
  magic: string;
  /** dim[1..dim[0]]. */
  dims: number[];
  datatypeCode: number;
  bitpix: number;
  /** pixdim[0..7] as stored. */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  calMin: number;
  calMax: number;
  glmax: number;
  glmin: number;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  srow: [number[], number[], number[]];
  xyztUnits: number;
  intentCode: number;
  intentName: string;
  intentParams: [number, number, number];
  description: string;
  auxFile: string;
  dimInfo: number;
  sliceStart: number;
  sliceEnd: number;
  sliceCode: number;
  sliceDuration: number;
  toffset: number;
  /** Analyze/SPM `origin` (1-based voxel of the world origin), first three values. */
  analyzeOrigin: [number, number, number];
  extensions: NiftiExtension[];
}

const MAGIC_N1 = ['n+1', 'ni1'];
const MAGIC_N2 = ['n+2', 'ni2'];

function text(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < start + length; i++) {
    const c = bytes[i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function showMagic(bytes: Uint8Array, start: number, length: number): string {
  return Array.from(bytes.subarray(start, start + length), (c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`)).join('');
}

/** Byte order and format of a header, from its first bytes (`sizeof_hdr` in either byte order). */
export function sniffHeader(bytes: Uint8Array, file: string | undefined): { format: 'nifti1-or-analyze' | 'nifti2'; littleEndian: boolean } {
  if (bytes.length < 4) {
    throw new NiftiFormatError(`truncated file: ${bytes.length} bytes, a NIfTI header needs at least 348`, { file });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  const le = view.getInt32(0, true);
  const be = view.getInt32(0, false);
  if (le === 348) return { format: 'nifti1-or-analyze', littleEndian: true };
  if (be === 348) return { format: 'nifti1-or-analyze', littleEndian: false };
  if (le === 540) return { format: 'nifti2', littleEndian: true };
  if (be === 540) return { format: 'nifti2', littleEndian: false };
  throw new NiftiFormatError(
    `not a NIfTI or Analyze file: sizeof_hdr is ${le} (little-endian) / ${be} (big-endian), expected 348 (NIfTI-1/Analyze) or 540 (NIfTI-2)`,
    { file },
  );
}

/** Bytes of the fixed header the first bytes announce (348 or 540). */
export function headerSizeOf(bytes: Uint8Array, file: string | undefined): number {
  return sniffHeader(bytes, file).format === 'nifti2' ? 540 : 348;
}

/**
 * Decodes the fixed header (and the extensions when the bytes up to vox_offset are present).
 * Validates what every later step relies on: magic, dim[0], positive dims.
 */
export function parseHeader(bytes: Uint8Array, file: string | undefined): RawHeader {
  const { format: sniffed, littleEndian: le } = sniffHeader(bytes, file);
  const headerSize = sniffed === 'nifti2' ? 540 : 348;
  if (bytes.length < headerSize) {
    throw new NiftiFormatError(`truncated header: ${bytes.length} bytes, the ${sniffed === 'nifti2' ? 'NIfTI-2' : 'NIfTI-1/Analyze'} header needs ${headerSize}`, { file });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const i16 = (o: number): number => v.getInt16(o, le);
  const i32 = (o: number): number => v.getInt32(o, le);
  const f32 = (o: number): number => v.getFloat32(o, le);
  const f64 = (o: number): number => v.getFloat64(o, le);
  const i64 = (o: number, what: string): number => {
    const x = v.getBigInt64(o, le);
    if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new NiftiFormatError(`NIfTI-2 field ${what} = ${x} is beyond 2^53`, { file });
    }
    return Number(x);
  };

  let format: NiftiFormat;
  let magic: string;
  let pair: boolean;
  const h = {} as RawHeader;
  if (sniffed === 'nifti2') {
    format = 'nifti2';
    magic = text(bytes, 4, 4);
    const tail = [bytes[8], bytes[9], bytes[10], bytes[11]];
    if (!MAGIC_N2.includes(magic) || bytes[7] !== 0 || tail[0] !== 0x0d || tail[1] !== 0x0a || tail[2] !== 0x1a || tail[3] !== 0x0a) {
      throw new NiftiFormatError(`bad NIfTI-2 magic "${showMagic(bytes, 4, 8)}" at byte 4: expected "n+2\\0\\r\\n\\x1a\\n" or "ni2\\0\\r\\n\\x1a\\n"`, { file });
    }
    pair = magic === 'ni2';
    h.datatypeCode = i16(12);
    h.bitpix = i16(14);
    const dim0 = i64(16, 'dim[0]');
    checkDim0(dim0, file);
    h.dims = [];
    for (let k = 1; k <= dim0; k++) h.dims.push(i64(16 + 8 * k, `dim[${k}]`));
    h.intentParams = [f64(80), f64(88), f64(96)];
    h.pixdim = Array.from({ length: 8 }, (_, k) => f64(104 + 8 * k));
    h.voxOffset = i64(168, 'vox_offset');
    h.sclSlope = f64(176);
    h.sclInter = f64(184);
    h.calMax = f64(192);
    h.calMin = f64(200);
    h.sliceDuration = f64(208);
    h.toffset = f64(216);
    h.sliceStart = i64(224, 'slice_start');
    h.sliceEnd = i64(232, 'slice_end');
    h.description = text(bytes, 240, 80);
    h.auxFile = text(bytes, 320, 24);
    h.qformCode = i32(344);
    h.sformCode = i32(348);
    h.quatern = [f64(352), f64(360), f64(368)];
    h.qoffset = [f64(376), f64(384), f64(392)];
    h.srow = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f64(400 + 32 * r + 8 * c))) as RawHeader['srow'];
    h.sliceCode = i32(496);
    h.xyztUnits = i32(500);
    h.intentCode = i32(504);
    h.intentName = text(bytes, 508, 16);
    h.dimInfo = bytes[524];
    h.glmax = 0;
    h.glmin = 0;
    h.analyzeOrigin = [0, 0, 0];
  } else {
    const m = bytes.subarray(344, 348);
    magic = text(bytes, 344, 4);
    if (MAGIC_N1.includes(magic) && m[3] === 0) {
      format = 'nifti1';
      pair = magic === 'ni1';
    } else if (m[0] === 0 && m[1] === 0 && m[2] === 0 && m[3] === 0) {
      format = 'analyze';
      pair = true;
      magic = '';
    } else {
      throw new NiftiFormatError(
        `bad magic "${showMagic(bytes, 344, 4)}" at byte 344: expected "n+1\\0" (single-file NIfTI-1), "ni1\\0" (NIfTI-1 pair) or four zero bytes (Analyze 7.5)`,
        { file },
      );
    }
    const dim0 = i16(40);
    checkDim0(dim0, file);
    h.dims = [];
    for (let k = 1; k <= dim0; k++) h.dims.push(i16(40 + 2 * k));
    h.intentParams = [f32(56), f32(60), f32(64)];
    h.intentCode = format === 'analyze' ? 0 : i16(68);
    h.datatypeCode = i16(70);
    h.bitpix = i16(72);
    h.sliceStart = format === 'analyze' ? 0 : i16(74);
    h.pixdim = Array.from({ length: 8 }, (_, k) => f32(76 + 4 * k));
    h.voxOffset = f32(108);
    h.sclSlope = f32(112); // SPM2 funused1 for Analyze
    h.sclInter = f32(116); // SPM2 funused2 for Analyze
    h.sliceEnd = format === 'analyze' ? 0 : i16(120);
    h.sliceCode = format === 'analyze' ? 0 : bytes[122];
    h.xyztUnits = format === 'analyze' ? 0 : bytes[123];
    h.calMax = f32(124);
    h.calMin = f32(128);
    h.sliceDuration = format === 'analyze' ? 0 : f32(132);
    h.toffset = format === 'analyze' ? 0 : f32(136);
    h.glmax = i32(140);
    h.glmin = i32(144);
    h.description = text(bytes, 148, 80);
    h.auxFile = text(bytes, 228, 24);
    if (format === 'analyze') {
      h.qformCode = 0;
      h.sformCode = 0;
      h.quatern = [0, 0, 0];
      h.qoffset = [0, 0, 0];
      h.srow = [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ];
      h.intentName = '';
      h.dimInfo = 0;
      // SPM99/SPM2 reuse `originator` (byte 253) as int16 origin[5].
      h.analyzeOrigin = [i16(253), i16(255), i16(257)];
    } else {
      h.qformCode = i16(252);
      h.sformCode = i16(254);
      h.quatern = [f32(256), f32(260), f32(264)];
      h.qoffset = [f32(268), f32(272), f32(276)];
      h.srow = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c))) as RawHeader['srow'];
      h.intentName = text(bytes, 328, 16);
      h.dimInfo = bytes[39];
      h.analyzeOrigin = [0, 0, 0];
    }
  }
  h.format = format;
  h.magic = magic;
  h.pair = pair;
  h.littleEndian = le;
  h.headerSize = headerSize;
  h.dims.forEach((d, k) => {
    if (!Number.isInteger(d) || d < 1) {
      throw new NiftiFormatError(`dim[${k + 1}] is ${d}: every dimension up to dim[0] = ${h.dims.length} must be at least 1`, { file });
    }
  });
  if (!Number.isFinite(h.voxOffset) || h.voxOffset < 0) {
    throw new NiftiFormatError(`vox_offset is ${h.voxOffset}: expected a non-negative byte offset`, { file });
  }
  h.voxOffset = Math.floor(h.voxOffset);
  if (!pair && h.voxOffset < headerSize) {
    if (h.voxOffset !== 0) {
      throw new NiftiFormatError(`vox_offset ${h.voxOffset} lies inside the ${headerSize}-byte header of a single-file NIfTI`, { file });
    }
    // nibabel's fix for a zero offset in a single file: data right after header + extender.
    h.voxOffset = headerSize + 4;
  }
  h.extensions = parseExtensions(bytes, h, v);
  return h;
}

function checkDim0(dim0: number, file: string | undefined): void {
  if (!Number.isInteger(dim0) || dim0 < 1 || dim0 > 7) {
    throw new NiftiFormatError(`dim[0] is ${dim0}: expected the number of dimensions, 1 to 7`, { file });
  }
}

/** Extensions between the header and vox_offset (or the end of a pair's header file); malformed ones end the list. */
function parseExtensions(bytes: Uint8Array, h: RawHeader, v: DataView): NiftiExtension[] {
  const out: NiftiExtension[] = [];
  if (h.format === 'analyze' || bytes.length < h.headerSize + 4 || bytes[h.headerSize] === 0) return out;
  const end = Math.min(bytes.length, h.pair ? bytes.length : h.voxOffset);
  let p = h.headerSize + 4;
  while (p + 8 <= end) {
    const esize = v.getInt32(p, h.littleEndian);
    const ecode = v.getInt32(p + 4, h.littleEndian);
    // The standard asks for multiples of 16; like nibabel, accept any size that fits.
    if (esize < 8 || p + esize > end) break;
    out.push({ code: ecode, data: bytes.slice(p + 8, p + esize) });
    p += esize;
  }
  return out;
}
