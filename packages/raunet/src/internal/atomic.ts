import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileAccessError } from '@raunet/core';

let counter = 0;
function tmpName(target: string, tag: string): string {
  return join(dirname(target), `.${basename(target)}.${tag}-${process.pid}-${Date.now()}-${counter++}`);
}

/** Writes a file through a temporary name in the same folder and a rename. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tmpName(path, 'tmp');
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new FileAccessError(`could not write: ${(error as Error).message}`, { file: path, cause: error });
  }
}

/**
 * Writes a whole directory atomically: `fill` writes into a temporary sibling directory, which then
 * replaces `dir` by renames (the previous content is moved aside first and removed last).
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = tmpName(dir, 'tmp');
  const old = tmpName(dir, 'old');
  try {
    await mkdir(tmp, { recursive: true });
    await fill(tmp);
    let moved = false;
    try {
      await rename(dir, old);
      moved = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await rename(tmp, dir);
    if (moved) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    if (error instanceof FileAccessError) throw error;
    throw new FileAccessError(`could not write directory: ${(error as Error).message}`, { file: dir, cause: error });
  }
}
