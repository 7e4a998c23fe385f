/**
 * The browser entry of `@raunet/io` (export condition `browser`): everything that works on bytes in
 * memory — decode and encode NIfTI (gzip by fflate), read headers, file-name rules, the COVID-19-CT-Seg
 * folder names. The file readers and
 * writers (`readNifti`, `readNiftiHeader`, `writeNifti`, `listNiftiFiles`) need node:fs and are in the
 * Node entry only; in a browser, read a `File` or a `fetch` response into bytes and call `decodeNifti`.
 *
 * @packageDocumentation
 */
export { decodeNifti, type DecodeNiftiOptions } from './decode-nifti.js';
export { encodeNifti, type EncodeNiftiOptions } from './encode-nifti.js';
export { caseName, isNiftiPath } from './nifti-files.js';
export { COVID_CT_SEG_FOLDERS } from './covid-ct-seg-layout.js';
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
