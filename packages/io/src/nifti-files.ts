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
