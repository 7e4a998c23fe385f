import type * as FsPromises from 'node:fs/promises';
import type * as Zlib from 'node:zlib';
import { FileAccessError, NiftiFormatError } from '@raunet/core';

/** node:fs/promises, loaded on first use so that importing this package works in a browser. */
export async function loadFs(): Promise<typeof FsPromises> {
  return import('node:fs/promises');
}

/** node:zlib, loaded on first use. */
export async function loadZlib(): Promise<typeof Zlib> {
  return import('node:zlib');
}

/** Reads a whole file; a missing/unreadable file becomes a {@link @raunet/core!FileAccessError | FileAccessError} naming it. */
export async function readWhole(path: string): Promise<Uint8Array> {
  const fs = await loadFs();
  try {
    return await fs.readFile(path);
  } catch (e) {
    throw accessError(e, path, 'cannot read');
  }
}

/** Reads up to `length` bytes from the start of a file. */
export async function readStart(path: string, length: number): Promise<Uint8Array> {
  const fs = await loadFs();
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(path, 'r');
    const buf = new Uint8Array(length);
    let n = 0;
    while (n < length) {
      const { bytesRead } = await handle.read(buf, n, length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } catch (e) {
    throw accessError(e, path, 'cannot read');
  } finally {
    await handle?.close();
  }
}

/** True when a path exists (and is a file). */
export async function isFile(path: string): Promise<boolean> {
  const fs = await loadFs();
  try {
    return (await fs.stat(path)).isFile();
  } catch {
    return false;
  }
}

export function accessError(e: unknown, path: string, what: string): FileAccessError {
  const code = (e as { code?: string } | null)?.code;
  const reason =
    code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code === 'ENOTDIR' ? 'not a directory' : e instanceof Error ? e.message : String(e);
  return new FileAccessError(`${what}: ${reason}`, { file: path, cause: e });
}

/**
 * Inflates gzip bytes with node:zlib (native, off the main thread) into one buffer of about `size`
 * bytes: zlib's output chunk is made that large so no growing or concatenation copies happen.
 */
export async function nodeGunzip(bytes: Uint8Array, size: number, file: string): Promise<Uint8Array> {
  const zlib = await loadZlib();
  return new Promise((resolve, reject) => {
    zlib.gunzip(bytes, { chunkSize: Math.max(64, size + 64) }, (err, out) => {
      if (!err) {
        resolve(out);
        return;
      }
      const msg = err.message;
      if ((err as { code?: string }).code === 'Z_BUF_ERROR' || /unexpected end/i.test(msg)) {
        reject(new NiftiFormatError(`gzip stream cut short (${msg}): the compressed file is truncated`, { file, cause: err }));
      } else {
        reject(new NiftiFormatError(`corrupt gzip stream (${msg})`, { file, cause: err }));
      }
    });
  });
}
