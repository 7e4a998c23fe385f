import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@raunet/core';
import { describe, expect, it } from 'vitest';
import { isShippedModelName, shippedModel, shippedModels, shippedModelUrl } from './index.js';
import { shippedModelDir } from './node.js';

const MB = 1e6;
const root = join(import.meta.dirname, '..', 'models');
const folderBytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);

describe('@raunet/models catalog', () => {
  it('ships the four models of the real-lesion issue, each a loadable folder within 10 MB, 40 MB in all', () => {
    const names = shippedModels().map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['lidc-nodules', 'lidc-nodules-unet', 'covid-semiseg', 'covid-semiseg-unet']));
    let total = 0;
    for (const card of shippedModels()) {
      const dir = shippedModelDir(card.name);
      expect(dir).toBe(join(root, card.name));
      // one network (model.json) or an ensemble (ensemble.json listing member folders), as the card says
      const entry = card.members ? 'ensemble.json' : 'model.json';
      expect(shippedModelUrl(card.name).pathname.endsWith(`/${card.name}/${entry}`)).toBe(true);
      expect(existsSync(join(dir, card.members ? 'model.json' : 'ensemble.json'))).toBe(false);
      const members = card.members ? (JSON.parse(readFileSync(join(dir, 'ensemble.json'), 'utf8')) as { members: string[] }).members : ['.'];
      expect(members.length).toBe(card.members ?? 1);
      let weightBytes = 0;
      for (const member of members) {
        const json = JSON.parse(readFileSync(join(dir, member, 'model.json'), 'utf8')) as {
          weightsManifest: { paths: string[]; weights: { shape: number[]; dtype: string; quantization?: { dtype: string } }[] }[];
          userDefinedMetadata: { raunet: { architecture: string; preprocessing: { intensityScale: string } } };
        };
        // the manifest describes exactly the bytes of weights.bin, in the dtype the card states
        // ('uint8': the kernels, rank 2 and up, as uint8 and the vectors as float16)
        const stored = (w: { shape: number[] }): string =>
          card.weightDtype === 'uint8' ? (w.shape.length >= 2 ? 'uint8' : 'float16') : (card.weightDtype ?? 'float32');
        const width = { uint8: 1, float16: 2, float32: 4 } as Record<string, number>;
        const entries = json.weightsManifest.flatMap((g) => g.weights);
        expect(entries.every((w) => (w.quantization?.dtype ?? 'float32') === stored(w))).toBe(true);
        const bytes = entries.reduce((n, w) => n + width[stored(w)] * w.shape.reduce((a, b) => a * b, 1), 0);
        const size = statSync(join(dir, member, 'weights.bin')).size;
        expect(size).toBe(bytes);
        weightBytes += size;
        // the card agrees with the model it describes
        expect(json.userDefinedMetadata.raunet.architecture).toBe(card.architecture);
        expect(json.userDefinedMetadata.raunet.preprocessing.intensityScale).not.toBe('auto');
      }
      expect(weightBytes).toBe(card.weightBytes);
      expect(weightBytes).toBeLessThanOrEqual(10 * MB);
      expect(card.validation.dice.mean).toBeGreaterThan(0);
      expect(card.validation.dice.mean).toBeLessThanOrEqual(1);
      expect(existsSync(join(dir, 'README.md'))).toBe(true);
      // weights retrained on all cases say so where the figures are shown, as their validation cannot check them
      if (card.finalTraining) expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(`**The shipped weights:** ${card.finalTraining}`);
      total += folderBytes(dir);
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
