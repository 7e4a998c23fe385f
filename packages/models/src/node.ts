/**
 * Node-only helpers of `@raunet/models`: where a shipped model's files are on disk.
 *
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { shippedModelUrl } from './index.js';

/**
 * Folder of a shipped model (`model.json` + `weights.bin`, or an ensemble's `ensemble.json` + `member-i/`),
 * loadable with `@raunet/raunet`'s `loadPredictor` (and, for one network, `loadModel`).
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for an unknown name, listing the shipped ones.
 * @example
 * ```ts
 * const { model, dispose } = await loadPredictor(shippedModelDir('covid-semiseg'));
 * ```
 */
export function shippedModelDir(name: string): string {
  return dirname(fileURLToPath(shippedModelUrl(name)));
}
