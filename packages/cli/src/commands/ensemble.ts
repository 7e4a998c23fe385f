import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { initBackend, isEnsembleDir, readEnsembleManifest, saveEnsemble, type InferenceSettings, WEIGHT_DTYPES } from '@raunet/raunet';
import { defineCommand } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { resolveModelSource } from '../internal/model-source.js';
import { prepareOutputDir } from '../internal/output-paths.js';
import { PREDICTION_FLAGS, predictionOptionsFromFlags } from '../internal/predict-case.js';

/** Bytes of the files in a folder tree. */
async function folderBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? await folderBytes(p) : (await stat(p)).size;
  }
  return n;
}

/** `raunet ensemble --model A --model B ... --output DIR [--weights float16] [--threshold P] [--min-size N] [--tta | --no-tta] [--overlap F] [--all-windows] [--json]`. */
export const command = defineCommand({
  usage:
    'raunet ensemble --model NAME|DIR --model NAME|DIR [--model ...] --output DIR [--weights float32|float16|uint8] [--threshold P] [--min-size N] [--tta | --no-tta] [--overlap F] [--all-windows] [--json]',
  flags: {
    model: {
      type: 'string',
      multiple: true,
      required: true,
      value: 'NAME|DIR',
      description:
        "a member: a trained model folder (e.g. one fold of 'raunet train --folds K --fold I') or a shipped model's name; give two or more",
    },
    output: {
      type: 'string',
      required: true,
      value: 'DIR',
      description: 'the ensemble folder to write (atomically); raunet predict --model DIR averages its members',
    },
    weights: {
      type: 'choice',
      choices: WEIGHT_DTYPES,
      default: 'float32',
      value: 'T',
      description:
        'how the members\u2019 weights are stored: float16 halves the folder (weights rounded to 11 significant bits); uint8 quarters it (each kernel on 256 levels of its range, vectors as float16)',
    },
    threshold: { ...PREDICTION_FLAGS.threshold, description: 'probability threshold of the averaged map, stored with the ensemble', defaultText: "the first member's" },
    'min-size': {
      ...PREDICTION_FLAGS['min-size'],
      description: 'remove components smaller than N voxels, stored with the ensemble',
      defaultText: "the first member's",
    },
    tta: {
      ...PREDICTION_FLAGS.tta,
      description:
        "flip test-time augmentation, stored with the ensemble: every member runs every flip, 4x the cost (default: the first member's; --no-tta turns it off)",
    },
    'no-tta': {
      ...PREDICTION_FLAGS['no-tta'],
      description: 'store no flip test-time augmentation: an ensemble of N members then runs N passes per window instead of 4N (3N for one-slice patches)',
    },
    'scale-tta': {
      ...PREDICTION_FLAGS['scale-tta'],
      description: 'multi-scale test-time augmentation stored with the ensemble: in-plane zoom factors to predict at and average (e.g. 0.8,1,1.25)',
      defaultText: "the first member's",
    },
    overlap: { ...PREDICTION_FLAGS.overlap, description: 'sliding-window overlap, stored with the ensemble', defaultText: "the first member's" },
    'all-windows': {
      ...PREDICTION_FLAGS['all-windows'],
      description: "store that the sliding window runs over the whole CT, also over the air around the body (default: the first member's)",
    },
    json: { type: 'boolean', description: 'print a JSON summary' },
  },
  async run({ flags }, io) {
    const { model: models, output } = flags;
    if (models.length < 2) throw new CliUsageError(`ensemble: give at least two --model members (received ${models.length})`);
    const memberDirs: string[] = [];
    for (const m of models) {
      const { dir } = await resolveModelSource('ensemble', m);
      if (await isEnsembleDir(dir))
        throw new CliUsageError(`ensemble: --model '${m}' is itself an ensemble; list its members instead (${(await readEnsembleManifest(dir)).memberDirs.join(', ')})`);
      if (resolve(dir) === resolve(output)) throw new CliUsageError(`ensemble: --output '${output}' is also a member; write the ensemble to a new folder`);
      memberDirs.push(dir);
    }
    // predict's own reading of its settings flags; those given are stored as the ensemble's inference settings
    const { overlap, threshold, minComponentSize, flipTta, scaleTta, skipAirWindows } = predictionOptionsFromFlags('ensemble', flags);
    const inference: InferenceSettings = Object.fromEntries(
      Object.entries({ threshold, minComponentSize, flipTta, scaleTta, overlap, skipAirWindows }).filter(([, v]) => v !== undefined),
    );
    await prepareOutputDir(dirname(resolve(output)), 'output');
    // the members are only read and written again: the plain cpu backend
    await initBackend('cpu');
    await saveEnsemble(output, memberDirs, { weightDtype: flags.weights, ...(Object.keys(inference).length ? { inference } : {}) });
    const bytes = await folderBytes(output);
    if (flags.json) {
      io.stdout(JSON.stringify({ output, members: memberDirs, weights: flags.weights, bytes, inference }, null, 2) + '\n');
    } else {
      const settings = Object.entries(inference).map(([k, v]) => `${k} ${v}`).join(', ');
      io.stdout(
        `wrote ${output} (${(bytes / 2 ** 20).toFixed(1)} MiB): ${memberDirs.length} members with ${flags.weights} weights, averaged at prediction` +
          `${settings ? `; ${settings}` : ''}\nUse it: raunet predict --model ${output} --input CT.nii.gz --output mask.nii.gz\n`,
      );
    }
    return 0;
  },
});
