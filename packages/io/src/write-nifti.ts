import { UnsupportedError, type Volume } from '@raunet/core';
import { encodeNifti, type EncodeNiftiOptions } from './encode-nifti.js';
import { loadZlib } from './internal/node.js';

/** Options of {@link writeNifti}: those of `encodeNifti`, with gzip chosen by the file suffix instead. */
export interface WriteNiftiOptions extends Omit<EncodeNiftiOptions, 'gzip'> {
  /** zlib level for `.gz` files (1 fastest … 9 smallest). @defaultValue 6 */
  compressionLevel?: number;
}

/**
 * Writes a {@link Volume} as a single-file NIfTI-1 (see `encodeNifti`), gzipped when `path` ends in
 * `.gz`. The bytes are written atomically (`writeFileAtomic` of `@raunet/core/node`: a temporary file in the same folder, flushed, then renamed over `path`):
 * a failure (invalid volume, missing folder, full disk) never leaves a half-written file at `path`, and
 * the temporary file is removed. Node only (node:fs is loaded on first call).
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} / {@link @raunet/core!ShapeMismatchError | ShapeMismatchError} for an invalid volume (before any
 * file is touched); {@link @raunet/core!FileAccessError | FileAccessError} naming the file when it cannot be written;
 * {@link @raunet/core!UnsupportedError | UnsupportedError} for a `.hdr`/`.img` path (pairs are not written).
 * @example
 * ```ts
 * await writeNifti('out/mask.nii.gz', mask, { datatype: 'uint8' });
 * ```
 */
export async function writeNifti(path: string, volume: Volume, options: WriteNiftiOptions = {}): Promise<void> {
  if (/\.(hdr|img)(\.gz)?$/i.test(path)) {
    throw new UnsupportedError('writeNifti writes single-file NIfTI-1 (.nii or .nii.gz), not .hdr/.img pairs', { file: path });
  }
  const { compressionLevel = 6, ...encodeOptions } = options;
  const raw = encodeNifti(volume, encodeOptions);
  let bytes: Uint8Array = raw;
  if (/\.gz$/i.test(path)) {
    const zlib = await loadZlib();
    bytes = await new Promise<Uint8Array>((resolve, reject) => zlib.gzip(raw, { level: compressionLevel }, (err, out) => (err ? reject(err) : resolve(out))));
  }
  // Loaded on first call, like node:fs in the readers, so that importing this package works in a browser.
  const { writeFileAtomic } = await import('@raunet/core/node');
  await writeFileAtomic(path, bytes);
}
