/**
 * Trained RA-Unet and U-Net models on real lesion data, each with a model card. The weights are files
 * of this package: `models/<name>/model.json` + `weights.bin` for one network, or `models/<name>/ensemble.json`
 * + `member-i/` folders for an ensemble whose members' probabilities are averaged. Load either with
 * `@raunet/raunet`'s `loadPredictor` (in Node, from the folder that `shippedModelDir` of `@raunet/models/node`
 * gives) or `loadPredictorFromUrl` of {@link shippedModelUrl} in a browser bundle.
 *
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@raunet/core';
import type { ShippedModelCard } from './card.js';
import { CATALOG } from './catalog.js';

export type { MeanSd, ShippedModelCard, ValidationFigures } from './card.js';

/**
 * Every shipped model's card, in catalog order.
 *
 * @example
 * ```ts
 * for (const m of shippedModels()) console.log(m.name, m.validation.dice.mean);
 * ```
 */
export function shippedModels(): readonly ShippedModelCard[] {
  return CATALOG;
}

/** Whether `name` is the name of a shipped model. */
export function isShippedModelName(name: string): boolean {
  return CATALOG.some((m) => m.name === name);
}

/**
 * The card of a shipped model.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for an unknown name, listing the shipped ones.
 * @example
 * ```ts
 * shippedModel('lidc-nodules').dimensionality; // '3d'
 * ```
 */
export function shippedModel(name: string): ShippedModelCard {
  const card = CATALOG.find((m) => m.name === name);
  if (!card) {
    throw new InvalidArgumentError(`no shipped model named '${name}'; shipped models: ${CATALOG.map((m) => m.name).join(', ') || 'none'}`);
  }
  return card;
}

/**
 * URL of a shipped model's entry file, relative to this module (a `file:` URL in Node, an asset URL in a
 * bundler that copies the package's `models/` folder): its `model.json` (with `weights.bin` beside it), or
 * for an ensemble (a card with `members`) its `ensemble.json` (with the `member-i/` folders beside it).
 * `@raunet/raunet`'s `loadPredictorFromUrl` loads both.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for an unknown name.
 * @example
 * ```ts
 * const { model, dispose } = await loadPredictorFromUrl(shippedModelUrl('covid-semiseg').href);
 * const { mask } = await predictVolume(model, ct);
 * dispose();
 * ```
 */
export function shippedModelUrl(name: string): URL {
  const card = shippedModel(name);
  return new URL(`../models/${name}/${card.members ? 'ensemble.json' : 'model.json'}`, import.meta.url);
}
