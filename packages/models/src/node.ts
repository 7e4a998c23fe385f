/**
 * Node-only helpers of `@raunet/models`: where a shipped model's files are on disk.
 *
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { shippedModelUrl } from './index.js';

/**
 * Folder of a shipped model (`model.json` + `weights.bin`), loadable with `@raunet/raunet`'s `loadModel`.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for an unknown name, listing the shipped ones.
 * @example
 * ```ts
 * const model = await loadModel(shippedModelDir('lidc-nodules'));
 * ```
 */
export function shippedModelDir(name: string): string {
  return dirname(fileURLToPath(shippedModelUrl(name)));
}
