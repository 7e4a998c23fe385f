import { InvalidArgumentError, type Volume } from '@raunet/core';
import { segmentLungs } from '@raunet/lungs';
import { toHounsfield } from '@raunet/preprocess';
import type { PreprocessingOptions } from '../preprocessing.js';

/**
 * The automatic lung mask of `ct` (1 = left, 2 = right) for prediction: the CT read in HU with the
 * model's intensity scale, then `segmentLungs`.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when the model reads raw intensities (no HU to threshold) or no lung is found.
 */
export function automaticLungMask(ct: Volume, preprocessing: PreprocessingOptions): Volume<Uint8Array> {
  const scale = preprocessing.intensityScale ?? 'auto';
  if (scale === 'raw') {
    throw new InvalidArgumentError(
      "predictVolume: automatic lung masks need Hounsfield units, but this model reads raw intensities (intensityScale 'raw'); give a lung mask instead",
    );
  }
  const { mask, leftVolumeMl, rightVolumeMl } = segmentLungs(toHounsfield(ct, { scale }).volume);
  if (leftVolumeMl + rightVolumeMl === 0) {
    throw new InvalidArgumentError(
      'predictVolume: the automatic lung mask is empty (no air-filled lung found in the CT); is it a chest CT in a full field of view?',
    );
  }
  return mask;
}
