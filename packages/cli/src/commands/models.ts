import { shippedModels } from '@raunet/models';
import { defineCommand } from '../internal/command.js';

/** `raunet models [--json]`: the shipped models and their cards' key figures. */
export const command = defineCommand({
  usage: 'raunet models [--json]',
  flags: {
    json: { type: 'boolean', description: 'print every model card as JSON on stdout' },
  },
  run(args, io) {
    const cards = shippedModels();
    if (args.flags.json) {
      io.stdout(JSON.stringify(cards, null, 2) + '\n');
      return Promise.resolve(0);
    }
    const f = (x: number | undefined, d: number): string => (x === undefined ? '' : x.toFixed(d));
    const rows = cards.map((c) => [
      c.name,
      `${c.architecture === 'raunet' ? 'RA-Unet' : 'U-Net'}${c.members ? ` x${c.members}` : ''}`,
      c.dimensionality,
      c.dataset.split(' (')[0],
      `${(c.parameters / 1e6).toFixed(2)} M`,
      `${f(c.validation.dice.mean, 3)} ± ${f(c.validation.dice.sd, 3)}${c.finalTraining ? ' *' : ''}`,
      c.validation.hd95 ? `${f(c.validation.hd95.mean, 2)}` : '',
      String(c.validation.cases),
      `${c.trainingMinutes} min`,
    ]);
    const header = ['name', 'model', 'kind', 'data', 'params', 'val DSC', 'val HD95 mm', 'val cases', 'training'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const table = [header, ...rows].map((r) => r.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
    io.stdout(
      `${table}\n` +
        `\nValidation figures are on each model's own validation split (see its card: ${cards.length ? `packages/models/models/<name>/README.md` : 'none shipped'}).\n` +
        (cards.some((c) => c.finalTraining)
          ? `* the recipe's figure: these weights are the same recipe retrained on all cases, validation ones included.\n`
          : '') +
        (cards.some((c) => c.members) ? `x N: an ensemble of N networks of the recipe (seeds differ), their probabilities averaged; params per network.\n` : '') +
        `Use one: raunet predict --model NAME --input CT.nii.gz --output mask.nii.gz\n`,
    );
    return Promise.resolve(0);
  },
});
