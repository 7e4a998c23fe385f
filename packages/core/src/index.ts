/**
 * The shared `Volume` type, its helpers and the typed errors of RA-Unet: plain data, no I/O, usable in
 * browsers and workers. The Node-only atomic file writes are in the `@raunet/core/node` entry.
 *
 * @module
 * @mergeModuleWith <project>
 */
export {
  RaunetError,
  InvalidArgumentError,
  ShapeMismatchError,
  NiftiFormatError,
  UnsupportedError,
  FileAccessError,
  DatasetError,
  BackendError,
  errorWithFile,
  type RaunetErrorOptions,
} from './errors.js';
export {
  createVolume,
  withData,
  voxelCount,
  affineFromSpacing,
  sameGrid,
  assertSameGrid,
  voxelToWorld,
  invertAffine,
  multiplyAffine,
  spacingFromAffine,
  orientationCodes,
  countNonFinite,
  assertFinite,
  type Volume,
  type VoxelData,
  type Affine,
  type VolumeMeta,
  type CreateVolumeOptions,
} from './volume.js';
export { Rng } from './random.js';
export { PRECISIONS, PRECISION_FLAGS, type Precision } from './precision.js';
