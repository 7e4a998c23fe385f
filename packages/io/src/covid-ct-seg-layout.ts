/**
 * Folder names of the COVID-19-CT-Seg dataset layout (Ma et al., Zenodo 3757476): one folder per kind of
 * volume, the files of one case named alike in each (`<root>/COVID-19-CT-Seg_20cases/coronacases_001.nii.gz`,
 * `<root>/Infection_Mask/coronacases_001.nii.gz`, ...). `@raunet/phantom` writes this layout and
 * `@raunet/raunet`'s `loadDataset({ root })` reads it.
 *
 * @example
 * ```ts
 * import { join } from 'node:path';
 * const images = join(root, COVID_CT_SEG_FOLDERS.images); // '<root>/COVID-19-CT-Seg_20cases'
 * ```
 */
export const COVID_CT_SEG_FOLDERS = {
  /** CT images (HU). */
  images: 'COVID-19-CT-Seg_20cases',
  /** Infection masks (1 = lesion). */
  infection: 'Infection_Mask',
  /** Lung masks (1 = left lung, 2 = right lung in the original dataset; 1 = lung in the phantoms). */
  lung: 'Lung_Mask',
  /** Combined labels (1 left lung, 2 right lung, 3 infection). */
  lungAndInfection: 'Lung_and_Infection_Mask',
} as const;
