import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FileAccessError } from '@raunet/core';

/**
 * The one rule of every command for where it writes, applied before any long work starts:
 * missing folders are created (with their parents), then the folder is proven writable by creating
 * and removing a small hidden file in it. A path that cannot be a folder (a parent is a regular file),
 * a read-only folder or a full disk fails here, in one line naming the path, not after hours of work.
 */

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of the path is a file, not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on device';
  return code ?? (e as Error)?.message ?? String(e);
}

/** Creates `dir` (and parents) when missing and checks that files can be created in it. */
export async function prepareOutputDir(dir: string, flag?: string): Promise<void> {
  const label = flag ? ` (--${flag})` : '';
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new FileAccessError(`cannot create the output folder${label}: ${why(e)}`, { file: dir, cause: e });
  }
  const s = await stat(dir);
  if (!s.isDirectory()) throw new FileAccessError(`the output folder${label} is a file`, { file: dir });
  const probe = join(dir, `.raunet-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, '');
  } catch (e) {
    throw new FileAccessError(`cannot write in the output folder${label}: ${why(e)}`, { file: dir, cause: e });
  }
  await rm(probe, { force: true });
}

/**
 * Checks before the work that a file can be written at `path`: its folder is created and writable
 * ({@link prepareOutputDir}) and `path` is not an existing folder.
 */
export async function prepareOutputFile(path: string, flag?: string): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new FileAccessError(`${flag ? `--${flag} ` : ''}names an existing folder, expected a file name (e.g. ${join(path, 'mask.nii.gz')})`, {
      file: path,
    });
  }
  await prepareOutputDir(dirname(path), flag);
}
