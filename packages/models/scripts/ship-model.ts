/**
 * Copies a trained model into this package with its model card:
 *
 *   pnpm tsx packages/models/scripts/ship-model.ts --name lidc-nodules --from runs/lidc-nodules/best \
 *     --run runs/lidc-nodules --eval runs/lidc-nodules/validation.json --card configs/cards/lidc-nodules.json
 *
 * --from: the model folder (model.json + weights.bin) or an ensemble folder (`raunet ensemble`: ensemble.json +
 * member-i/); --run: the training folder (log.jsonl for the time and steps), once per member for an ensemble; --eval: `raunet evaluate --json` on the validation split; --card: the hand-written
 * parts of the card (title, dataset, input, intendedUse, limits, recipe, trainedOn, split, and finalTraining when
 * the shipped weights are the recipe retrained on all cases: --from and --run are then the retraining's,
 * --eval the validated run's).
 * Writes models/<name>/{model.json, weights.bin, card.json, README.md} and regenerates src/catalog.ts.
 */
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ENSEMBLE_JSON, isEnsembleDir, readEnsembleManifest } from '@raunet/raunet';
import type { MeanSd, ShippedModelCard } from '../src/card.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { name: { type: 'string' }, from: { type: 'string' }, run: { type: 'string', multiple: true }, eval: { type: 'string' }, card: { type: 'string' } },
});
for (const k of ['name', 'from', 'run', 'eval', 'card'] as const) if (!values[k]) throw new Error(`--${k} is required`);
const name = values.name!;
const target = join(root, 'models', name);

// an ensemble folder: ensemble.json lists the member folders (checked as raunet predict checks it); a model folder is its own one member
const manifest = (await isEnsembleDir(values.from!)) ? await readEnsembleManifest(values.from!) : undefined;
const memberDirs = manifest ? manifest.members : ['.'];
if (values.run!.length !== memberDirs.length) throw new Error(`--run must be given once per member (${memberDirs.length}), got ${values.run!.length}`);

const modelJson = JSON.parse(await readFile(join(values.from!, memberDirs[0], 'model.json'), 'utf8')) as {
  weightsManifest: { weights: { shape: number[]; name: string; quantization?: { dtype: string } }[] }[];
  modelTopology: { model_config?: { config?: { layers?: { config?: { trainable?: boolean } }[] } } };
  userDefinedMetadata?: { raunet?: { architecture: 'raunet' | 'unet'; config: { patchSize: number[] }; preprocessing?: unknown; inference?: unknown; training?: unknown } };
};
const info = modelJson.userDefinedMetadata?.raunet;
if (!info) throw new Error(`${values.from}: not an RA-Unet model (no raunet metadata)`);
const weights = modelJson.weightsManifest.flatMap((g) => g.weights);
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const trainable = weights.filter((w) => !/moving_(mean|variance)$/.test(w.name)).reduce((n, w) => n + size(w.shape), 0);
// saveModel's 'uint8' stores kernels as uint8 and vectors as float16
const weightDtype = weights.some((w) => w.quantization?.dtype === 'uint8')
  ? 'uint8'
  : weights.every((w) => w.quantization?.dtype === 'float16')
    ? 'float16'
    : 'float32';
let weightBytes = 0;
for (const m of memberDirs) weightBytes += (await stat(join(values.from!, m, 'weights.bin'))).size;

let trainingMinutes = 0;
const steps: number[] = [];
for (const run of values.run!) {
  const log = (await readFile(join(run, 'log.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { seconds: number; globalStep: number });
  trainingMinutes += log.reduce((s, r) => s + r.seconds, 0) / 60;
  steps.push(log.at(-1)?.globalStep ?? 0);
}
if (steps.some((n) => n !== steps[0])) throw new Error(`the members' runs have different step counts: ${steps.join(', ')}`);
const trainingSteps = steps[0];
const inference = { ...(info.inference ?? {}), ...(manifest?.inference ?? {}) };

const evaluation = JSON.parse(await readFile(values.eval!, 'utf8')) as {
  cases: unknown[];
  toleranceMm: number;
  summary: Record<string, { mean: number; std: number }>;
};
const ms = (k: string): MeanSd | undefined => (evaluation.summary[k] ? { mean: evaluation.summary[k].mean, sd: evaluation.summary[k].std } : undefined);
const hand = JSON.parse(await readFile(values.card!, 'utf8')) as Omit<
  ShippedModelCard,
  'name' | 'architecture' | 'parameters' | 'weightBytes' | 'trainingMinutes' | 'trainingSteps' | 'validation' | 'dimensionality'
> & { split: string };
const card: ShippedModelCard = {
  name,
  title: hand.title,
  architecture: info.architecture,
  dataset: hand.dataset,
  dimensionality: info.config.patchSize[2] === 1 ? '2d' : '3d',
  input: hand.input,
  ...(manifest ? { members: memberDirs.length } : {}),
  parameters: trainable,
  ...(weightDtype !== 'float32' ? { weightDtype } : {}),
  weightBytes,
  trainingMinutes: Math.round(trainingMinutes * 10) / 10,
  trainingSteps,
  trainedOn: hand.trainedOn,
  recipe: hand.recipe,
  validation: {
    split: hand.split,
    cases: evaluation.cases.length,
    dice: ms('dice')!,
    ...(ms('hausdorff95') ? { hd95: ms('hausdorff95') } : {}),
    ...(ms('nsd') ? { nsd: ms('nsd'), nsdToleranceMm: evaluation.toleranceMm } : {}),
  },
  ...(hand.finalTraining ? { finalTraining: hand.finalTraining } : {}),
  intendedUse: hand.intendedUse,
  limits: hand.limits,
};

// a model shipped before under this name (one network or an ensemble) is replaced whole
await rm(target, { recursive: true, force: true });
for (const m of memberDirs) {
  await mkdir(join(target, m), { recursive: true });
  for (const f of ['model.json', 'weights.bin']) await copyFile(join(values.from!, m, f), join(target, m, f));
}
if (manifest) await copyFile(join(values.from!, ENSEMBLE_JSON), join(target, ENSEMBLE_JSON));
await writeFile(join(target, 'card.json'), JSON.stringify(card, null, 2) + '\n');

const f = (x: MeanSd | undefined, digits = 3): string => (x ? `${x.mean.toFixed(digits)} ± ${x.sd.toFixed(digits)}` : 'n/a');
const readme = `# ${name}: ${card.title}

Model card of a model shipped in \`@raunet/models\`. **Research use only; not a medical device.**

| | |
|---|---|
| architecture | ${card.architecture === 'raunet' ? 'RA-Unet (3D U-Net with residual blocks and the RA self-attention block)' : 'U-Net (the same network without the RA block)'}${card.members ? `; an ensemble of ${card.members} such networks (the recipe trained with ${card.members} seeds), their probabilities averaged before the threshold` : ''} |
| data | ${card.dataset} |
| input | ${card.input} |
| kind | ${card.dimensionality === '2d' ? '2D (one-slice patches; a volume is segmented slice by slice)' : '3D'} |
| parameters | ${card.parameters.toLocaleString('en-US')} trainable${card.members ? ' per network' : ''} (${card.members ? `${card.members} weights.bin files` : 'weights.bin'}, ${card.weightDtype ?? 'float32'}: ${(card.weightBytes / 1e6).toFixed(2)} MB) |
| training | ${card.members ? `${card.members} runs of ${card.trainingSteps} steps, ${card.trainingMinutes} min in all,` : `${card.trainingSteps} steps in ${card.trainingMinutes} min`} on ${card.trainedOn} |
| recipe | \`${card.recipe}\` (\`pnpm raunet train --config ${card.recipe}\`) |

## Validation (own split, not a test set)
${card.validation.split}${card.finalTraining ? `\n\n**The shipped weights:** ${card.finalTraining}` : ''}

| cases | DSC | HD95 (mm) | NSD${card.validation.nsdToleranceMm !== undefined ? ` @ ${card.validation.nsdToleranceMm} mm` : ''} |
|---:|---|---|---|
| ${card.validation.cases} | ${f(card.validation.dice)} | ${f(card.validation.hd95, 2)} | ${f(card.validation.nsd)} |

(mean ± sample sd over cases; \`raunet evaluate\` of \`raunet predict\` outputs of ${card.finalTraining ? 'the validated runs of the same recipe, each without the cases it scores' : `\`--model ${name}\``}.)

## Preprocessing and inference (stored in ${manifest ? "the members' model.json and ensemble.json" : 'model.json'}, applied by \`raunet predict\`)
\`\`\`json
${JSON.stringify({ preprocessing: info.preprocessing ?? {}, inference }, null, 2)}
\`\`\`

## Configuration
\`\`\`json
${JSON.stringify(info.config, null, 2)}
\`\`\`

## Intended use
${card.intendedUse}

## Limits
${card.limits}

## Use
\`\`\`sh
pnpm raunet predict --model ${name} --input CT.nii.gz --output mask.nii.gz
\`\`\`
`;
await writeFile(join(target, 'README.md'), readme);

const names = (await readdir(join(root, 'models'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const cards: ShippedModelCard[] = [];
for (const n of names) cards.push(JSON.parse(await readFile(join(root, 'models', n, 'card.json'), 'utf8')) as ShippedModelCard);
await writeFile(
  join(root, 'src', 'catalog.ts'),
  `// Generated by scripts/ship-model.ts from models/*/card.json: do not edit by hand.\nimport type { ShippedModelCard } from './card.js';\n\n/** Cards of the models in this package, by name. */\nexport const CATALOG: readonly ShippedModelCard[] = ${JSON.stringify(cards, null, 2)};\n`,
);
console.log(`shipped ${name}: ${trainable} parameters, ${weightBytes} bytes, validation DSC ${f(card.validation.dice)}`);
