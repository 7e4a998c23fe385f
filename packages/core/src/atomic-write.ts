import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileAccessError, RaunetError } from './errors.js';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /**
   * Flush the temporary file to disk (`fsync`) before the rename, and the folder entry after it, so that
   * after a power loss `path` holds either the old or the new bytes, never an empty file.
   * @defaultValue true
   */
  sync?: boolean;
}

/** Options of {@link replaceDirAtomic}. */
export interface ReplaceDirAtomicOptions {
  /**
   * Flush every file `fill` wrote, and the folders, to disk (`fsync`) before the swap.
   * @defaultValue true
   */
  sync?: boolean;
}

/** A hidden sibling of `target` with a unique name: `.<name>.<tag>-<pid>-<random>`. */
function siblingName(target: string, tag: 'tmp' | 'old'): string {
  return join(
    dirname(target),
    `.${basename(target)}.${tag}-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
}

function reason(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOSPC') return 'no space left on device';
  return error instanceof Error ? error.message : String(error);
}

/** fsync of a folder so that a rename in it survives a power loss; not supported everywhere (Windows), so best effort. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Folders cannot be opened or flushed on every platform; the rename itself is still atomic.
  }
}

/** fsync of every file and folder below `dir` (and `dir` itself). */
async function syncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      await syncTree(path);
    } else if (entry.isFile()) {
      const handle = await open(path, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }
  await syncDir(dir);
}

/**
 * Writes a file atomically: the data goes to a hidden temporary file in the same folder
 * (`.<name>.tmp-<pid>-<random>`), which is flushed to disk and then renamed over `path`. Readers see the
 * old content or the new, never a half-written file; on any failure the temporary file is removed and
 * an existing `path` is left as it was. The folder must exist. Node only.
 *
 * @param path - The file to create or replace.
 * @param data - Bytes, or text written as UTF-8.
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming `path` when it cannot be written (missing folder, permission, full disk).
 * @example
 * ```ts
 * import { writeFileAtomic } from '@raunet/core/node';
 * await writeFileAtomic('run/summary.json', JSON.stringify(summary, null, 2) + '\n');
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const sync = options.sync ?? true;
  const tmp = siblingName(path, 'tmp');
  try {
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(data);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new FileAccessError(`cannot write: ${reason(error)}`, { file: path, cause: error });
  }
  if (sync) await syncDir(dirname(path));
}

/**
 * Creates or replaces a whole folder atomically: `fill` writes the new content into a hidden temporary
 * sibling folder (`.<name>.tmp-<pid>-<random>`, created with any missing parents of `dir`), which is
 * flushed to disk and then swapped in by renames: the old folder is renamed aside, the new one to `dir`,
 * and the old one removed last. `dir` therefore always holds a complete old or new content (it is absent
 * only between the two renames, and a failing second rename puts the old folder back). When `fill` or a
 * rename fails the temporary folder is removed and the old `dir` is left as it was. Node only.
 *
 * @param dir - The folder to create or replace.
 * @param fill - Writes the new content into the folder it is given (plain writes; the swap is atomic).
 * @throws The {@link @raunet/core!RaunetError | RaunetError} that `fill` threw, unchanged; otherwise a {@link @raunet/core!FileAccessError | FileAccessError} naming `dir`.
 * @example
 * ```ts
 * import { replaceDirAtomic } from '@raunet/core/node';
 * await replaceDirAtomic('run/checkpoint', async (tmp) => {
 *   await writeFile(join(tmp, 'state.json'), JSON.stringify(state));
 *   await writeFile(join(tmp, 'weights.bin'), weights);
 * });
 * ```
 */
export async function replaceDirAtomic(
  dir: string,
  fill: (tmpDir: string) => Promise<void>,
  options: ReplaceDirAtomicOptions = {},
): Promise<void> {
  const sync = options.sync ?? true;
  const tmp = siblingName(dir, 'tmp');
  const old = siblingName(dir, 'old');
  let movedAside = false;
  try {
    await mkdir(tmp, { recursive: true });
    await fill(tmp);
    if (sync) await syncTree(tmp);
    try {
      await rename(dir, old);
      movedAside = true;
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
    }
    await rename(tmp, dir);
  } catch (error) {
    if (movedAside) await rename(old, dir).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (RaunetError.isInstance(error)) throw error;
    throw new FileAccessError(`cannot write folder: ${reason(error)}`, { file: dir, cause: error });
  }
  if (sync) await syncDir(dirname(dir));
  // The new content is in place; a leftover hidden `.old` folder is no reason to report a failure.
  if (movedAside) await rm(old, { recursive: true, force: true }).catch(() => undefined);
}
