export { clipIntensity, normalizeIntensity, type ClipIntensityOptions, type NormalizeIntensityOptions } from './intensity.js';
export {
  detectIntensityScale,
  toHounsfield,
  INTENSITY_SCALES,
  type IntensityScale,
  type IntensityScaleDetection,
  type IntensityScaleReport,
  type IntensityStatistics,
  type DetectIntensityScaleOptions,
  type ToHounsfieldOptions,
} from './intensity-scale.js';
export { reorientToRAS, undoReorient, type ReorientTransform } from './reorient.js';
export {
  resampleToSpacing,
  resampleLike,
  resampleToGrid,
  spacingGrid,
  type Grid,
  type ResampleOptions,
  type ResampleToSpacingOptions,
} from './resample.js';
export {
  cropBox,
  centerBox,
  cropOrPad,
  cropToMask,
  maskBoundingBox,
  uncrop,
  randomBox,
  randomCrop,
  type CropBox,
  type CropOptions,
  type CropToMaskOptions,
} from './crop.js';
export { bodyMask, type BodyMaskOptions } from './body-mask.js';
export { extractPatch, samplePatches, type ExtractPatchOptions, type PatchPair, type SamplePatchesOptions } from './patches.js';
export {
  slidingWindowGrid,
  gaussianImportanceMap,
  PatchStitcher,
  type SlidingWindowGrid,
  type SlidingWindowGridOptions,
  type GaussianImportanceMapOptions,
  type PatchStitcherOptions,
} from './sliding-window.js';
export { augmentPair, augmentPatch, type AugmentOptions, type AugmentRecord, type AugmentResult } from './augment.js';
