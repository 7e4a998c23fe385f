/**
 * The Node-only part of `@raunet/core` (it imports `node:fs`): atomic writes of files and folders, the
 * one way every `@raunet/*` package writes its outputs. Import it as `@raunet/core/node`; the main entry
 * stays usable in browsers and workers.
 *
 * @packageDocumentation
 */
export {
  writeFileAtomic,
  replaceDirAtomic,
  type WriteFileAtomicOptions,
  type ReplaceDirAtomicOptions,
} from './atomic-write.js';
