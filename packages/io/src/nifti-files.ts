import type { Dirent } from 'node:fs';
import { accessError, loadFs } from './internal/node.js';

/** The suffixes {@link isNiftiPath} accepts: single-file NIfTI and the header of a `.hdr`/`.img` pair, gzipped or not. */
const NIFTI_FILE = /\.(nii|hdr)(\.gz)?$/i;
/** Every suffix {@link caseName} removes (the image half of a pair included). */
const NIFTI_SUFFIX = /\.(nii|hdr|img)(\.gz)?$/i;

/**
 * True when a file name names a volume that `readNifti` reads as one file: `.nii`, `.nii.gz`, `.hdr` or
 * `.hdr.gz` (any case). The `.img`/`.img.gz` half of an Analyze or NIfTI pair is not counted, so a pair is
 * one volume (its `.hdr`). Looks at the name only.
 *
 * @param path - A file name or path (`/` or `\` separators).
 * @example
 * ```ts
 * isNiftiPath('ct/case_01.nii.gz'); // true
 * isNiftiPath('ct/case_01.img'); // false: its .hdr names the volume
 * ```
 */
export function isNiftiPath(path: string): boolean {
  return NIFTI_FILE.test(path);
}

/**
 * The case name of a NIfTI file: its base name without `.nii`, `.nii.gz`, `.hdr`, `.hdr.gz`, `.img` or
 * `.img.gz` (any case), the key by which images, masks and predictions of one case are matched.
 *
 * @param path - A file name or path (`/` or `\` separators).
 * @example
 * ```ts
 * caseName('data/Infection_Mask/coronacases_001.nii.gz'); // 'coronacases_001'
 * ```
 */
export function caseName(path: string): string {
  return (path.split(/[/\\]/).pop() ?? path).replace(NIFTI_SUFFIX, '');
}

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
