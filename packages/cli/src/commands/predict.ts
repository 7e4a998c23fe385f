import { dirname, join } from 'node:path';
import { caseName, listNiftiFiles } from '@raunet/io';
import { loadModel } from '@raunet/raunet';
import type { CommandModule } from '../internal/command.js';
import { choiceFlag, requireFlag, stringFlag } from '../internal/args.js';
import { BACKENDS, startBackend } from '../internal/backend.js';
import { CliUsageError } from '../internal/context.js';
import { assertExists, ensureDir } from '../internal/fs.js';
import { bar, ProgressLine } from '../internal/progress.js';
import { resolveModelSource } from '../internal/model-source.js';
import {
  BATCH_SIZE_FLAG,
  predictCase,
  PREDICTION_FLAGS,
  predictionOptionsFromFlags,
  type CaseFiles,
} from '../internal/predict-case.js';
import { burdenOf, burdenText, checkBurdenPath, writeBurdenFile, type CaseBurden } from '../internal/burden-outputs.js';

/** Outputs are written as .nii or .nii.gz (reading also accepts Analyze .hdr: `isNiftiPath` of @raunet/io). */
const isNiftiOutputPath = (p: string) => /\.nii(\.gz)?$/i.test(p);

/** `raunet predict --model NAME|DIR --input CT|DIR --output FILE|DIR [...]`. */
export const command: CommandModule = {
  usage:
    'raunet predict --model NAME|DIR --input CT.nii.gz|DIR --output FILE|DIR [--prob FILE|DIR] [--mesh FILE|DIR] [--png FILE|DIR] [--lungs FILE|DIR | --auto-lungs] [--burden FILE] [--json] [flags]',
  flags: {
    model: {
      type: 'string',
      value: 'NAME|DIR',
      description:
        "a shipped model's name ('raunet models' lists them, e.g. lidc-nodules) or a trained model folder (model.json + weights.bin), e.g. runs/raunet/best",
    },
    input: { type: 'string', value: 'CT|DIR', description: 'a CT NIfTI file, or a folder of them' },
    output: {
      type: 'string',
      value: 'FILE|DIR',
      description: 'mask file (.nii or .nii.gz), or a folder for folder input',
    },
    prob: { type: 'string', value: 'FILE|DIR', description: 'also write the probability map (float32)' },
    mesh: {
      type: 'string',
      value: 'FILE|DIR',
      description: 'also write a 3D model of the mask (.stl, .ply, .obj; .stl in folders)',
    },
    png: {
      type: 'string',
      value: 'FILE|DIR',
      description: 'also write an axial/coronal/sagittal overlay picture',
    },
    lungs: {
      type: 'string',
      value: 'FILE|DIR',
      description: 'lung mask(s) with the same names: restrict infection to the lungs',
    },
    'auto-lungs': {
      type: 'boolean',
      description: "compute each CT's lung mask (as raunet lungs), crop and restrict infection to it (default: the model's)",
    },
    burden: {
      type: 'string',
      value: 'FILE',
      description: 'write the infection burden per case (mL, each lung, % involved) as .json or .csv',
    },
    json: { type: 'boolean', description: 'print the per-case results with their burden as JSON on stdout' },
    ...PREDICTION_FLAGS,
    ...BATCH_SIZE_FLAG,
    backend: {
      type: 'string',
      value: 'B',
      description: `tfjs backend: ${BACKENDS.join(', ')} (default auto)`,
    },
  },
  async run(args, io) {
    const modelFlag = requireFlag('predict', args, 'model');
    const input = requireFlag('predict', args, 'input');
    const output = requireFlag('predict', args, 'output');
    const backend = choiceFlag('predict', args, 'backend', BACKENDS) ?? 'auto';
    const options = predictionOptionsFromFlags('predict', args);
    const extras = {
      prob: stringFlag(args, 'prob'),
      mesh: stringFlag(args, 'mesh'),
      png: stringFlag(args, 'png'),
      lungs: stringFlag(args, 'lungs'),
    };

    const autoLungs = args.flags['auto-lungs'] === true;
    if (autoLungs && extras.lungs) throw new CliUsageError('predict: --lungs and --auto-lungs contradict each other');
    const burdenPath = stringFlag(args, 'burden');
    checkBurdenPath('predict', burdenPath);
    const results: (CaseBurden & { output: string; seconds: number })[] = [];

    const { dir: modelDir } = await resolveModelSource('predict', modelFlag);
    const kind = await assertExists(input);
    const jobs: CaseFiles[] = [];
    if (kind === 'file') {
      if (!isNiftiOutputPath(output))
        throw new CliUsageError(
          `predict: --output must be a .nii or .nii.gz file for a single input, received '${output}'`,
        );
      if (extras.prob && !isNiftiOutputPath(extras.prob))
        throw new CliUsageError(`predict: --prob must be a .nii or .nii.gz file, received '${extras.prob}'`);
      if (extras.mesh && !/\.(stl|ply|obj)$/i.test(extras.mesh))
        throw new CliUsageError(`predict: --mesh must end in .stl, .ply or .obj, received '${extras.mesh}'`);
      if (extras.png && !/\.png$/i.test(extras.png))
        throw new CliUsageError(`predict: --png must end in .png, received '${extras.png}'`);
      if (extras.lungs) await assertExists(extras.lungs, 'file');
      jobs.push({
        name: caseName(input),
        input,
        output,
        ...(extras.lungs ? { lung: extras.lungs } : {}),
        ...(extras.prob ? { prob: extras.prob } : {}),
        ...(extras.mesh ? { mesh: extras.mesh } : {}),
        ...(extras.png ? { png: extras.png } : {}),
      });
    } else {
      for (const [flag, v] of Object.entries({ output, ...extras })) {
        if (v && /\.(nii|gz|stl|ply|obj|png)$/i.test(v))
          throw new CliUsageError(
            `predict: with a folder as --input, --${flag} must be a folder, received '${v}'`,
          );
      }
      const files = await listNiftiFiles(input);
      if (files.length === 0) throw new CliUsageError(`predict: no NIfTI files in ${input}`);
      const lungs = extras.lungs
        ? new Map((await listNiftiFiles(extras.lungs)).map((p) => [caseName(p), p]))
        : undefined;
      for (const f of files) {
        const name = caseName(f);
        if (lungs && !lungs.has(name))
          throw new CliUsageError(`predict: no lung mask for ${name} in ${extras.lungs}`);
        jobs.push({
          name,
          input: f,
          output: join(output, `${name}.nii.gz`),
          ...(lungs ? { lung: lungs.get(name)! } : {}),
          ...(extras.prob ? { prob: join(extras.prob, `${name}.nii.gz`) } : {}),
          ...(extras.mesh ? { mesh: join(extras.mesh, `${name}.stl`) } : {}),
          ...(extras.png ? { png: join(extras.png, `${name}.png`) } : {}),
        });
      }
    }
    // Create every output folder before the (long) work, so an unwritable target fails first.
    for (const j of jobs)
      for (const p of [j.output, j.prob, j.mesh, j.png]) if (p) await ensureDir(dirname(p));
    if (burdenPath) await ensureDir(dirname(burdenPath));

    await startBackend(backend, io);
    const model = await loadModel(modelDir);
    try {
      for (let n = 0; n < jobs.length; n++) {
        const j = jobs[n];
        const line = new ProgressLine(io);
        const t0 = Date.now();
        const { voxels, volumeMl, meshNote, mask, lungs } = await predictCase(model, j, {
          ...options,
          ...(autoLungs ? { lungMask: 'auto' as const } : {}),
          onProgress: (done, total) =>
            line.update(
              `[${n + 1}/${jobs.length}] ${j.name} ${bar(done / total)} ${done}/${total} patches`,
              done === total,
            ),
        });
        line.done();
        const burden = burdenOf(mask, lungs);
        results.push({ name: j.name, output: j.output, seconds: (Date.now() - t0) / 1000, burden });
        if (args.flags.json) continue;
        io.stdout(
          `${j.name}: ${voxels} infection voxels (${volumeMl.toFixed(2)} mL) in ${((Date.now() - t0) / 1000).toFixed(1)} s -> ${j.output}${meshNote}\n`,
        );
        if (lungs) io.stdout(`  ${burdenText(burden)}\n`);
      }
      if (burdenPath) await writeBurdenFile(burdenPath, results, results.map(({ name, burden }) => ({ name, burden })));
      if (args.flags.json) io.stdout(JSON.stringify({ cases: results }, null, 2) + '\n');
    } finally {
      model.dispose();
    }
    return 0;
  },
};
