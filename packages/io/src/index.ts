/**
 * NIfTI-1/NIfTI-2/Analyze read and write. This is the Node entry (export condition `node`, and the
 * default): the in-memory codec of the browser entry (`decodeNifti`, `encodeNifti`, `decodeNiftiHeader`,
 * `caseName`, `isNiftiPath`, `COVID_CT_SEG_FOLDERS`) plus the file functions `readNifti`, `readNiftiHeader`, `writeNifti` and
 * `listNiftiFiles`. Bundlers targeting browsers pick the browser entry (condition `browser`), which has
 * no Node built-ins.
 *
 * @packageDocumentation
 */
export * from './browser.js';
export { readNifti, readNiftiHeader, type ReadNiftiOptions, type ReadNiftiHeaderOptions } from './read-nifti.js';
export { writeNifti, type WriteNiftiOptions } from './write-nifti.js';
export { listNiftiFiles } from './list-nifti-files.js';
