import type { Dirent } from 'node:fs';
import { accessError, loadFs } from './internal/node.js';
import { isNiftiPath } from './nifti-files.js';

/**
 * The NIfTI files of a folder (not its subfolders): the entries whose names pass {@link isNiftiPath}
 * (`.nii`, `.nii.gz`, `.hdr`, `.hdr.gz`), hidden names (starting with `.`, such as temporary files and
 * macOS `._` companions) left out, as paths joined to `dir`, sorted by name. An empty folder gives `[]`.
 * Node only (node:fs is loaded on first call).
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming `dir` when it is missing, not a folder or unreadable.
 * @example
 * ```ts
 * for (const file of await listNiftiFiles('data/COVID-19-CT-Seg_20cases')) console.log(caseName(file));
 * ```
 */
export async function listNiftiFiles(dir: string): Promise<string[]> {
  const fs = await loadFs();
  const path = await import('node:path');
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw accessError(e, dir, 'cannot list the folder');
  }
  return entries
    .filter((e) => !e.isDirectory() && !e.name.startsWith('.') && isNiftiPath(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => path.join(dir, name));
}
