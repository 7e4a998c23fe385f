import { FileAccessError, NiftiFormatError, type Volume } from '@raunet/core';
import { inflateSizedHeader, volumeFromParts, type DecodeNiftiOptions } from './decode-nifti.js';
import { gunzipPrefix, isGzip } from './internal/gzip.js';
import { headerSizeOf, parseHeader } from './internal/header.js';
import { isFile, nodeGunzip, readStart, readWhole } from './internal/node.js';
import { DEFAULT_MAX_BYTES, interpretHeader, type NiftiHeaderInfo } from './nifti-header.js';

/** Options of {@link readNifti}: those of `decodeNifti` without `name` and `image`, which come from the path. */
export type ReadNiftiOptions = Omit<DecodeNiftiOptions, 'name' | 'image'>;

function splitExt(path: string): { stem: string; ext: string; gz: boolean } {
  const gz = /\.gz$/i.test(path);
  const p = gz ? path.slice(0, -3) : path;
  const m = /\.([^./\\]+)$/.exec(p);
  return { stem: m ? p.slice(0, -m[0].length) : p, ext: m ? m[1].toLowerCase() : '', gz };
}

async function findPartner(path: string, want: 'hdr' | 'img'): Promise<string> {
  const { stem, gz } = splitExt(path);
  const upper = /\.(IMG|HDR)(\.gz)?$/.test(path);
  const ext = upper ? want.toUpperCase() : want;
  const tried = gz ? [`${stem}.${ext}.gz`, `${stem}.${ext}`] : [`${stem}.${ext}`, `${stem}.${ext}.gz`];
  for (const candidate of tried) if (await isFile(candidate)) return candidate;
  throw new FileAccessError(`the ${want === 'img' ? 'image' : 'header'} file of this .hdr/.img pair is missing (tried ${tried.join(', ')})`, { file: path });
}

async function inflateFile(bytes: Uint8Array, file: string, size: number): Promise<Uint8Array> {
  return isGzip(bytes) ? nodeGunzip(bytes, size, file) : bytes;
}

/**
 * Reads a NIfTI-1, NIfTI-2 or Analyze 7.5 file into a {@link Volume} (see `decodeNifti` for what the
 * data holds). `.gz` files are inflated with node:zlib; `.hdr`/`.img` pairs are found from either half
 * (gzipped or not). Node only (node:fs is loaded on first call).
 *
 * @param path - a `.nii`, `.nii.gz`, `.hdr`, `.hdr.gz`, `.img` or `.img.gz` file.
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} when a file is missing or unreadable; {@link @raunet/core!NiftiFormatError | NiftiFormatError} /
 * {@link @raunet/core!UnsupportedError | UnsupportedError} as `decodeNifti`.
 * @example
 * ```ts
 * const ct = await readNifti('data/ct.nii.gz');
 * console.log(ct.dims, ct.spacing, ct.affine);
 * ```
 */
export async function readNifti(path: string, options: ReadNiftiOptions = {}): Promise<Volume> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const { ext } = splitExt(path);
  const headerPath = ext === 'img' ? await findPartner(path, 'hdr') : path;
  const rawHeader = await readWhole(headerPath);
  let header = rawHeader;
  if (isGzip(rawHeader)) {
    const total = inflateSizedHeader(rawHeader, maxBytes, headerPath);
    header = await inflateFile(rawHeader, headerPath, total);
  }
  const info = interpretHeader(parseHeader(header, headerPath), headerPath);
  let image: Uint8Array | undefined;
  let imagePath: string | undefined;
  if (info.pair) {
    imagePath = ext === 'img' ? path : await findPartner(headerPath, 'img');
    const rawImage = await readWhole(imagePath);
    image = await inflateFile(rawImage, imagePath, info.voxOffset + info.dataBytes);
  } else if (ext === 'hdr' || ext === 'img') {
    throw new NiftiFormatError(`a single-file NIfTI header (magic "${info.format === 'nifti2' ? 'n+2' : 'n+1'}") in a .${ext} file`, { file: headerPath });
  }
  const data = info.pair ? image! : header;
  // Buffers we read or inflated are ours unless Node handed out a slice of a shared pool.
  const owned = data.byteOffset === 0 && data.buffer.byteLength >= data.length;
  return volumeFromParts({ header, image, owned, file: headerPath, imageFile: imagePath }, options);
}

/** Options of {@link readNiftiHeader}. */
export interface ReadNiftiHeaderOptions {
  /**
   * Also read the header extensions (bytes up to vox_offset, at most this many).
   * @defaultValue 1048576 (1 MiB)
   */
  maxExtensionBytes?: number;
}

/**
 * Reads only the header of a NIfTI-1/NIfTI-2/Analyze file: a few KiB of the file, and for `.gz` only
 * the start of the stream is inflated. For dataset scans (dims, spacing, affine, datatype…).
 *
 * @param path - a `.nii`, `.nii.gz`, `.hdr` (or `.img`, whose `.hdr` is used), gzipped or not.
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} when the file is missing; {@link @raunet/core!NiftiFormatError | NiftiFormatError} when it is not a valid header.
 * @example
 * ```ts
 * const { dims, spacing, datatype } = await readNiftiHeader('ct.nii.gz');
 * ```
 */
export async function readNiftiHeader(path: string, options: ReadNiftiHeaderOptions = {}): Promise<NiftiHeaderInfo> {
  const limit = options.maxExtensionBytes ?? 1 << 20;
  const headerPath = splitExt(path).ext === 'img' ? await findPartner(path, 'hdr') : path;
  const gz = isGzip(await readStart(headerPath, 2));
  // Compressed bytes needed for a prefix are not known in advance: read growing slices of the file.
  const prefix = async (want: number): Promise<Uint8Array> => {
    if (!gz) return readStart(headerPath, want);
    for (let chunk = 1 << 14; ; chunk *= 4) {
      const compressed = await readStart(headerPath, chunk);
      const out = gunzipPrefix(compressed, want, headerPath);
      if (out.length >= want || compressed.length < chunk) return out;
    }
  };
  let head = await prefix(540);
  const size = headerSizeOf(head, headerPath);
  if (head.length < size) throw new NiftiFormatError(`truncated file: ${head.length} bytes, the header needs ${size}`, { file: headerPath });
  const first = parseHeader(head, headerPath);
  const want = first.pair ? limit : Math.min(first.voxOffset, limit);
  if (head[size] !== 0 && want > head.length) head = await prefix(want);
  return interpretHeader(parseHeader(head, headerPath), headerPath);
}
