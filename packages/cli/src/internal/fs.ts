import { readFile, stat } from 'node:fs/promises';
import { FileAccessError, InvalidArgumentError } from '@raunet/core';

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

/**
 * Reads a JSON file with `parse` (default `JSON.parse`): a missing file is a {@link @raunet/core!FileAccessError | FileAccessError},
 * text `parse` refuses an {@link @raunet/core!InvalidArgumentError | InvalidArgumentError}, each naming the file.
 */
export async function readJsonFile<T = unknown>(path: string, parse: (text: string) => T = JSON.parse): Promise<T> {
  await assertExists(path, 'file');
  try {
    return parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new InvalidArgumentError(`not valid JSON: ${(e as Error).message}`, { file: path, cause: e });
  }
}
