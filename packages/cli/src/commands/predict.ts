import { dirname, join, resolve } from 'node:path';
import { caseName, listNiftiFiles } from '@raunet/io';
import { defineCommand } from '../internal/command.js';
import { CliUsageError } from '../internal/context.js';
import { assertExists } from '../internal/fs.js';
import { describeVoxelSize, readScan } from '../internal/inputs.js';
import { finishBeforeExit } from '../internal/interrupt.js';
import { prepareOutputDir, prepareOutputFile } from '../internal/output-paths.js';
import { checkJobOutputs, predictVolumeOf, stopped } from '../internal/predict-jobs.js';
import { bar, ProgressLine } from '../internal/progress.js';
import { resolveModelSource } from '../internal/model-source.js';
import { BATCH_SIZE_FLAG, PRECISION_FLAG, PREDICTION_FLAGS, predictionOptionsFromFlags, writeCaseOutputs, type CaseFiles } from '../internal/predict-case.js';
import { burdenOf, burdenText, checkBurdenPath, writeBurdenFile, type CaseBurden } from '../internal/burden-outputs.js';
import { writePredictReport, type PredictedCase } from '../internal/predict-report.js';
import { openPredictor, PREDICT_BACKENDS } from '../internal/predictor.js';
import { choosePredictWorkers, predictInWorkers } from '../internal/predict-pool.js';

/** The line `raunet predict` prints for a case done. */
const caseLine = (j: CaseFiles, voxels: number, size: string, seconds: number, meshNote: string): string =>
  `${j.name}: ${voxels} infection voxels (${size}) in ${seconds.toFixed(1)} s -> ${j.output}${meshNote}\n`;

/** Outputs are written as .nii or .nii.gz (reading also accepts Analyze .hdr: `isNiftiPath` of @raunet/io). */
const isNiftiOutputPath = (p: string) => /\.nii(\.gz)?$/i.test(p);

/** `raunet predict --model NAME|DIR --input CT|DIR --output FILE|DIR [...]`. */
export const command = defineCommand({
  usage:
    'raunet predict --model NAME|DIR --input CT.nii.gz|DIR --output FILE|DIR [--prob FILE|DIR] [--mesh FILE|DIR] [--png FILE|DIR] [--lungs FILE|DIR | --auto-lungs] [--burden FILE] [--json] [--report DIR] [flags]',
  flags: {
    model: {
      type: 'string',
      required: true,
      value: 'NAME|DIR',
      description:
        "a shipped model's name ('raunet models' lists them, e.g. lidc-nodules) or a trained model folder (model.json + weights.bin), e.g. runs/raunet/best",
    },
    input: { type: 'string', required: true, value: 'CT|DIR', description: 'a CT NIfTI file, or a folder of them' },
    output: {
      type: 'string',
      required: true,
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
    report: {
      type: 'string',
      value: 'DIR',
      description: 'also write an interactive report folder (viewer page per case); open it with raunet view DIR',
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
    workers: {
      type: 'integer',
      min: 1,
      value: 'N',
      description: 'cases predicted at once, each worker on its share of the cores',
      defaultText: 'one per core for a folder of small volumes on the cpu backend, else 1',
    },
    ...PREDICTION_FLAGS,
    ...BATCH_SIZE_FLAG,
    ...PRECISION_FLAG,
    backend: {
      type: 'choice',
      choices: PREDICT_BACKENDS,
      default: 'auto',
      value: 'B',
      description: 'tfjs backend or ONNX Runtime (docs/gpu.md)',
    },
  },
  async run({ flags }, io) {
    const { model: modelFlag, input, output, backend, burden: burdenPath, report, 'auto-lungs': autoLungs } = flags;
    const options = predictionOptionsFromFlags('predict', flags);
    const extras = { prob: flags.prob, mesh: flags.mesh, png: flags.png, lungs: flags.lungs };

    if (autoLungs && extras.lungs) throw new CliUsageError('predict: --lungs and --auto-lungs contradict each other');
    checkBurdenPath('predict', burdenPath);
    const results: (CaseBurden & { output: string; seconds: number })[] = [];

    const predicted: PredictedCase[] = [];
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
    await checkJobOutputs(jobs);
    if (burdenPath) await prepareOutputFile(burdenPath, 'burden');
    if (report) await prepareOutputDir(dirname(resolve(report)), 'report');
    // The burden file and --json cover the cases done, also after a Ctrl-C between cases.
    const writeSummaries = async (): Promise<void> => {
      if (burdenPath) await writeBurdenFile(burdenPath, results, results.map(({ name, burden }) => ({ name, burden })));
      if (flags.json) io.stdout(JSON.stringify({ cases: results }, null, 2) + '\n');
    };

    const writeReport = async (): Promise<void> => {
      if (!report) return;
      await writePredictReport(report, predicted, `raunet predict --model ${modelFlag}`);
      // stdout stays pure JSON with --json.
      (flags.json ? io.stderr : io.stdout)(`report: ${report} (open it with: raunet view ${report})\n`);
    };

    const plan = await choosePredictWorkers(flags.workers, jobs, backend);
    if (plan.workers > 1) {
      const threads = `${plan.threads} thread${plan.threads > 1 ? 's' : ''}`;
      io.stderr(`predict: ${jobs.length} cases on ${plan.workers} workers of ${threads} (--workers 1: one case at a time)\n`);
      const setup = { modelDir, backend, options: { ...options, ...(autoLungs ? { lungMask: 'auto' as const } : {}) }, threads: plan.threads };
      const byIndex: { result: (typeof results)[number]; predicted: PredictedCase }[] = [];
      const done = await predictInWorkers(setup, plan.workers, jobs, io, (r) => {
        const j = jobs[r.index];
        byIndex[r.index] = {
          result: { name: j.name, output: j.output, seconds: r.seconds, burden: r.burden },
          predicted: { ...j, numbers: { model: modelFlag, 'prediction time (s)': r.seconds } },
        };
        if (flags.json) return;
        io.stdout(caseLine(j, r.voxels, r.size, r.seconds, r.meshNote));
        if (r.lungs) io.stdout(`  ${burdenText(r.burden)}\n`);
      });
      // the summaries list the cases in input order, as the one-worker loop does
      for (const c of byIndex.filter((c) => c !== undefined)) {
        results.push(c.result);
        predicted.push(c.predicted);
      }
      await writeSummaries();
      if (done < jobs.length) return stopped(io, done, jobs.length);
      await writeReport();
      return 0;
    }

    const { model, release } = await openPredictor(backend, modelDir, io, options.precision);
    try {
      for (let n = 0; n < jobs.length; n++) {
        const j = jobs[n];
        if (io.signal?.aborted) {
          await writeSummaries();
          return stopped(io, n, jobs.length);
        }
        const ct = await readScan(j.input, 'CT');
        const lungMask = j.lung ? await readScan(j.lung, 'lung mask') : undefined;
        const line = new ProgressLine(io);
        const t0 = Date.now();
        const { probability, mask, lungs } = await predictVolumeOf(j.input, model, ct, {
          ...options,
          ...(lungMask ? { lungMask } : autoLungs ? { lungMask: 'auto' as const } : {}),
          onProgress: (done, total) =>
            line.update(
              `[${n + 1}/${jobs.length}] ${j.name} ${bar(done / total)} ${done}/${total} patches`,
              done === total,
            ),
        });
        line.done();
        // A second Ctrl-C waits for this case's outputs; each file is written atomically.
        await finishBeforeExit(async () => {
          const { voxels, meshNote } = await writeCaseOutputs(j, ct, { probability, mask });
          const burden = burdenOf(mask, lungs);
          results.push({ name: j.name, output: j.output, seconds: (Date.now() - t0) / 1000, burden });
          predicted.push({ ...j, numbers: { model: modelFlag, 'prediction time (s)': (Date.now() - t0) / 1000 } });
          if (flags.json) return;
          io.stdout(caseLine(j, voxels, describeVoxelSize(mask, voxels), (Date.now() - t0) / 1000, meshNote));
          if (lungs) io.stdout(`  ${burdenText(burden)}\n`);
        });
      }
      await writeSummaries();
    } finally {
      await release();
    }
    await writeReport();
    return 0;
  },
});
