import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readNifti } from '@raunet/io';
import { extractPatch } from '@raunet/preprocess';
import { shippedModelDir } from '@raunet/models/node';
import { networkDirs, prepareCase, type PreprocessingOptions } from '@raunet/raunet';

/** The shared lesion data (MANIFEST.md there), beside the repository. */
export const LESIONS = fileURLToPath(new URL('../../../../../shared/data/lesions', import.meta.url));
/** Whether it is there; CI must have it. */
export const haveLesions = existsSync(LESIONS);
if (!haveLesions && process.env.CI) throw new Error(`shared lesion data missing in CI: ${LESIONS}`);

/** A real LIDC VOI and a real COVID-SemiSeg slice. */
export const REAL_CASES = {
  lidc: `${LESIONS}/lidc-nodules/images/LIDC-IDRI-0003_R_2.nii.gz`,
  covid: `${LESIONS}/covid-semiseg/images/semiseg_049.nii.gz`,
} as const;

/**
 * The first sliding-window patch (origin 0, padded with the volume's minimum) of a real CT prepared with
 * `preprocessing`: what the network sees in prediction.
 */
export async function realPatch(path: string, preprocessing: PreprocessingOptions, patchSize: readonly number[]): Promise<Float32Array> {
  const { image } = prepareCase(await readNifti(path), { options: preprocessing });
  let min = Infinity;
  const data = image.data as ArrayLike<number>;
  for (let i = 0; i < data.length; i++) min = Math.min(min, data[i]);
  return extractPatch(image, [0, 0, 0], patchSize, { padValue: min });
}

/** The folders of a shipped model's networks: its own folder, or an ensemble's member folders, checked one by one. */
export async function shippedNetworkDirs(name: string): Promise<string[]> {
  return networkDirs(shippedModelDir(name));
}
