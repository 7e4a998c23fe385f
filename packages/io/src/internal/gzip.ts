import { Gunzip, gunzipSync } from 'fflate';
import { NiftiFormatError } from '@raunet/core';

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gzipError(e: unknown, file: string | undefined): NiftiFormatError {
  const msg = e instanceof Error ? e.message : String(e);
  if (/unexpected EOF|unexpected end/i.test(msg)) {
    return new NiftiFormatError(`gzip stream cut short (${msg}): the compressed file is truncated`, { file, cause: e });
  }
  return new NiftiFormatError(`corrupt gzip stream (${msg})`, { file, cause: e });
}

/**
 * Inflates only the start of a gzip stream: at least `minBytes` of output when the stream has them
 * (fewer when it ends or is cut first). Feeds the input in 16 KiB slices so a large file is not inflated.
 */
export function gunzipPrefix(bytes: Uint8Array, minBytes: number, file: string | undefined): Uint8Array {
  const chunks: Uint8Array[] = [];
  let n = 0;
  const g = new Gunzip((chunk) => {
    chunks.push(chunk);
    n += chunk.length;
  });
  const step = 16384;
  try {
    for (let off = 0; off < bytes.length && n < minBytes; off += step) {
      const end = Math.min(bytes.length, off + step);
      g.push(bytes.subarray(off, end), false);
    }
  } catch (e) {
    // A stream cut before minBytes shows up as a short prefix; corrupt data is an error now.
    if (!(e instanceof Error && /unexpected EOF/i.test(e.message))) throw gzipError(e, file);
  }
  const out = new Uint8Array(n);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/**
 * Inflates a whole gzip stream into a buffer of `size` bytes (output beyond `size` is dropped, never
 * allocated). The gzip trailer's ISIZE is not trusted for the allocation: a cut stream has garbage there.
 * @returns the filled part of the buffer (shorter than `size` when the stream holds less).
 */
export function gunzipInto(bytes: Uint8Array, size: number, file: string | undefined): Uint8Array {
  try {
    return gunzipSync(bytes, { out: new Uint8Array(size) });
  } catch (e) {
    throw gzipError(e, file);
  }
}

export { gzipError };
