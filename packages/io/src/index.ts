export { decodeNifti, type DecodeNiftiOptions } from './decode-nifti.js';
export { encodeNifti, type EncodeNiftiOptions } from './encode-nifti.js';
export { readNifti, readNiftiHeader, type ReadNiftiOptions, type ReadNiftiHeaderOptions } from './read-nifti.js';
export { writeNifti, type WriteNiftiOptions } from './write-nifti.js';
export { listNiftiFiles, caseName, isNiftiPath } from './nifti-files.js';
export {
  decodeNiftiHeader,
  DEFAULT_MAX_BYTES,
  type NiftiHeaderInfo,
  type DecodeNiftiHeaderOptions,
  type NiftiExtension,
  type NiftiFormat,
  type AffineSource,
  type NiftiDatatypeName,
} from './nifti-header.js';
