import { stat } from 'node:fs/promises';
import { FileAccessError } from '@raunet/core';

/** Checks that `path` exists (and is a folder when `kind` says so); a {@link @raunet/core!FileAccessError | FileAccessError} otherwise. */
export async function assertExists(
  path: string,
  kind: 'file' | 'dir' | 'any' = 'any',
): Promise<'file' | 'dir'> {
  let s;
  try {
    s = await stat(path);
  } catch (e) {
    throw new FileAccessError('no such file or folder', { file: path, cause: e });
  }
  const is = s.isDirectory() ? 'dir' : 'file';
  if (kind !== 'any' && kind !== is)
    throw new FileAccessError(kind === 'dir' ? 'is not a folder' : 'is a folder, expected a file', {
      file: path,
    });
  return is;
}
