import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@raunet/core';
import { describe, expect, it } from 'vitest';
import { isShippedModelName, shippedModel, shippedModels, shippedModelUrl } from './index.js';
import { shippedModelDir } from './node.js';

const MB = 1e6;
const root = join(import.meta.dirname, '..', 'models');

describe('@raunet/models catalog', () => {
  it('ships the four models of the real-lesion issue, each a loadable folder within 10 MB, 40 MB in all', () => {
    const names = shippedModels().map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['lidc-nodules', 'lidc-nodules-unet', 'covid-semiseg', 'covid-semiseg-unet']));
    let total = 0;
    for (const card of shippedModels()) {
      const dir = shippedModelDir(card.name);
      expect(dir).toBe(join(root, card.name));
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
        weightsManifest: { paths: string[]; weights: { shape: number[]; dtype: string }[] }[];
        userDefinedMetadata: { raunet: { architecture: string; preprocessing: { intensityScale: string } } };
      };
      // the manifest describes exactly the bytes of weights.bin (float32)
      const bytes = json.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
      const size = statSync(join(dir, 'weights.bin')).size;
      expect(size).toBe(bytes);
      expect(size).toBe(card.weightBytes);
      expect(size).toBeLessThanOrEqual(10 * MB);
      // the card agrees with the model it describes
      expect(json.userDefinedMetadata.raunet.architecture).toBe(card.architecture);
      expect(json.userDefinedMetadata.raunet.preprocessing.intensityScale).not.toBe('auto');
      expect(card.validation.dice.mean).toBeGreaterThan(0);
      expect(card.validation.dice.mean).toBeLessThanOrEqual(1);
      expect(existsSync(join(dir, 'README.md'))).toBe(true);
      // weights retrained on all cases say so where the figures are shown, as their validation cannot check them
      if (card.finalTraining) expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(`**The shipped weights:** ${card.finalTraining}`);
      for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
    }
    expect(total).toBeLessThanOrEqual(40 * MB);
  });

  it('resolves names, and refuses unknown ones listing the shipped models', () => {
    expect(isShippedModelName('lidc-nodules')).toBe(true);
    expect(isShippedModelName('nope')).toBe(false);
    expect(shippedModel('lidc-nodules').dimensionality).toBe('3d');
    expect(shippedModel('covid-semiseg').dimensionality).toBe('2d');
    expect(shippedModelUrl('lidc-nodules').protocol).toBe('file:');
    expect(() => shippedModel('nope')).toThrow(InvalidArgumentError);
    expect(() => shippedModel('nope')).toThrow(/shipped models: .*lidc-nodules/);
    expect(() => shippedModelDir('nope')).toThrow(/no shipped model named 'nope'/);
  });
});
