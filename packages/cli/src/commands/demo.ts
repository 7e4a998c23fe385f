import { rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { toCsv, toTextTable } from '@raunet/metrics';
import { writePhantomDataset } from '@raunet/phantom';
import { loadDataset, loadModel, splitDataset, summarizeModel, train } from '@raunet/raunet';
import { writeFileAtomic } from '@raunet/core/node';
import { writeViewerReport } from '@raunet/viewer/node';
import { defineCommand } from '../internal/command.js';
import { BACKEND_FLAG, startBackend } from '../internal/backend.js';
import { DEMO_DEFAULTS } from '../internal/demo-defaults.js';
import { LungSource } from '../internal/evaluate-burden.js';
import { finishBeforeExit } from '../internal/interrupt.js';
import { prepareOutputDir } from '../internal/output-paths.js';
import { predictCase, type CaseFiles } from '../internal/predict-case.js';
import { formatDuration } from '../internal/progress.js';
import { demoReportHtml } from '../internal/report.js';
import { scoreCases, setResult } from '../internal/score-cases.js';
import { ARCHITECTURE_FLAG, architectureTitle, trainingProgress, writeTrainingCurves } from '../internal/training.js';

/** `raunet demo [--out DIR] [...]`. */
export const command = defineCommand({
  usage: 'raunet demo [--out DIR] [--cases N] [--epochs N] [--steps N] [--seed N] [--backend B] [--json]',
  flags: {
    out: { type: 'string', value: 'DIR', default: 'raunet-demo', description: 'output folder' },
    cases: {
      type: 'integer',
      min: 4,
      max: 200,
      default: DEMO_DEFAULTS.cases,
      description: 'phantom cases to synthesize (2 held out for test, 1 for validation)',
    },
    epochs: {
      type: 'integer',
      min: 1,
      description: 'training epochs', defaultText: `${DEMO_DEFAULTS.epochs}; ${DEMO_DEFAULTS.slowBackend.epochs} on the plain JS backend`,
    },
    steps: { type: 'integer', min: 1, default: DEMO_DEFAULTS.stepsPerEpoch, description: 'steps per epoch' },
    size: { type: 'dims', min: 16, max: 512, default: DEMO_DEFAULTS.dims, description: 'phantom grid' },
    seed: { type: 'integer', value: 'N', default: DEMO_DEFAULTS.seed, description: 'seed of phantoms, split and training' },
    model: { ...ARCHITECTURE_FLAG, default: 'raunet' },
    backend: BACKEND_FLAG,
    json: { type: 'boolean', description: 'print the summary as JSON on stdout' },
  },
  async run({ flags }, io) {
    const t0 = Date.now();
    const { out, cases, steps: stepsPerEpoch, size: dims, seed, model: architecture } = flags;
    const say = (s: string) => io.stderr(`[${formatDuration((Date.now() - t0) / 1000)}] ${s}\n`);

    await prepareOutputDir(out, 'out');
    const active = await startBackend(flags.backend, io);
    const fast =
      active.nativeKernels || active.backend === 'tensorflow' || active.backend === 'tensorflow-gpu';
    const setup = fast
      ? {
          epochs: DEMO_DEFAULTS.epochs,
          batchSize: DEMO_DEFAULTS.batchSize,
          patchSize: DEMO_DEFAULTS.model.patchSize,
        }
      : DEMO_DEFAULTS.slowBackend;
    const epochs = flags.epochs ?? setup.epochs;
    if (!fast) {
      say(
        `plain JS backend (no native kernels): training shortened to ${epochs} epochs of ${setup.patchSize.join('x')} patches, ` +
          'so expect a low DSC (about 0.2). Install libdnnl-dev and rebuild @raunet/cpu-kernels (docs/gpu.md) for the full demo.',
      );
    }
    say(`synthesizing ${cases} phantom CTs of ${dims.join('x')} voxels in ${join(out, 'data')}`);
    await writePhantomDataset(join(out, 'data'), {
      cases,
      seed,
      dims,
      healthyProbability: 0,
      lesionRadiusMm: DEMO_DEFAULTS.lesionRadiusMm,
      consolidationProbability: DEMO_DEFAULTS.consolidationProbability,
    });
    const dataset = await loadDataset({ root: join(out, 'data') });
    const split = splitDataset(dataset.cases, { seed, testCount: 2, validationCount: 1 });
    say(
      `split: ${split.train.length} train, ${split.validation.length} validation, test ${split.test.map((c) => c.name).join(', ')}`,
    );

    const progress = trainingProgress(io);
    const run = await finishBeforeExit(() => train({
      train: split.train,
      validation: split.validation,
      outputDir: join(out, 'run'),
      architecture,
      model: { ...DEMO_DEFAULTS.model, patchSize: setup.patchSize },
      epochs,
      stepsPerEpoch,
      batchSize: setup.batchSize,
      learningRate: DEMO_DEFAULTS.learningRate,
      learningRateSchedule: { kind: 'cosine', minLearningRate: DEMO_DEFAULTS.minLearningRate },
      loss: 'dice-bce',
      foregroundFraction: 0.5,
      validationInterval: Math.min(DEMO_DEFAULTS.validationInterval, epochs),
      validationOverlap: 0.25,
      validationBatchSize: 8,
      seed,
      onProgress: progress.onProgress,
      ...(io.signal ? { signal: io.signal } : {}),
    }));
    progress.done();
    const params = summarizeModel(run.model).totalParameters;
    run.model.dispose();
    if (run.aborted) {
      io.stderr(`stopped; checkpoint in ${run.checkpointDir}\n`);
      return 130;
    }
    await writeTrainingCurves(out, run.history, `${architectureTitle(architecture)} (demo)`);
    say(
      `trained ${run.epochsCompleted} epochs (${params} parameters); best validation DSC ${run.bestDsc.toFixed(3)} at epoch ${run.bestEpoch}`,
    );

    // The held-out cases go through predict's pipeline (predictCase), then evaluate's scoring (scoreCases).
    const predictions = join(out, 'predictions');
    await prepareOutputDir(predictions);
    await prepareOutputDir(join(out, 'pictures'));
    const files: CaseFiles[] = split.test.map((c) => ({
      name: c.name,
      input: c.image,
      output: join(predictions, `${c.name}.nii.gz`),
      prob: join(predictions, `${c.name}_prob.nii.gz`),
      mesh: join(predictions, `${c.name}.stl`),
      png: join(out, 'pictures', `${c.name}.png`),
      truth: c.label,
    }));
    const meshes = new Map<string, string>();
    const model = await loadModel(run.bestModelDir);
    try {
      for (const f of files) {
        const { voxels, triangles, meshNote } = await predictCase(model, f, { overlap: 0.5, batchSize: 8 });
        // An empty prediction has no surface to show.
        if (triangles) meshes.set(f.name, f.mesh!);
        else await rm(f.mesh!, { force: true });
        say(`${f.name}: ${voxels} infection voxels${triangles ? meshNote : ''}`);
      }
    } finally {
      model.dispose();
    }
    // The phantom's own lung masks (the demo data has them), split into left and right for the burden.
    const first = split.test[0];
    const lungs = first.lung ? await LungSource.open(dirname(first.lung), 'given') : await LungSource.open(dirname(first.image), 'auto');
    const scoring = { toleranceMm: 3, surface: 'voxel' } as const;
    const scored = await scoreCases(
      split.test.map((c, i) => ({ name: c.name, prediction: files[i].output, truth: c.label })),
      { ...scoring, lungs },
      { ...io, stderr: () => undefined },
    );
    const result = setResult(scored.cases, scoring);
    const burden = scored.burden;
    const pictures = files.map((f) => ({ name: f.name, png: f.png!, ...(meshes.has(f.name) ? { mesh: meshes.get(f.name)! } : {}) }));
    const viewer = join(out, 'viewer');
    await writeViewerReport(
      viewer,
      split.test.map((c, i) => ({
        name: c.name,
        ct: c.image,
        truth: c.label,
        mask: files[i].output,
        prob: files[i].prob!,
        ...(pictures[i].mesh ? { mesh: pictures[i].mesh } : {}),
        numbers: { 'NSD 3 mm': result.cases[i].nsd, 'HD95 (mm)': result.cases[i].hausdorff95 },
      })),
      { title: 'raunet demo: held-out test cases' },
    );
    await writeFileAtomic(join(out, 'metrics.csv'), toCsv(result));
    await writeFileAtomic(join(out, 'metrics.json'), JSON.stringify(result, null, 2) + '\n');
    const table = toTextTable(result);
    const seconds = (Date.now() - t0) / 1000;
    const summary = {
      outputDir: out,
      architecture,
      parameters: params,
      cases,
      dims,
      epochs: run.epochsCompleted,
      bestValidationDsc: run.bestDsc,
      testDsc: result.summary.dice.mean,
      testNsd3mm: result.summary.nsd.mean,
      testHd95Mm: result.summary.hausdorff95.mean,
      burden,
      seconds,
      files: {
        report: join(out, 'report.html'),
        viewer,
        curves: join(out, 'curves.png'),
        pictures: pictures.map((p) => p.png),
        meshes: pictures.flatMap((p) => (p.mesh ? [p.mesh] : [])),
        model: run.bestModelDir,
      },
    };
    await writeFileAtomic(
      join(out, 'report.html'),
      demoReportHtml({
        title: `${architectureTitle(architecture)} demo on synthetic COVID-19 CT phantoms`,
        table,
        summary,
        curves: relative(out, join(out, 'curves.svg')),
        burden,
        viewer: relative(out, viewer),
        pictures: pictures.map((p) => ({
          name: p.name,
          src: relative(out, p.png),
          ...(p.mesh ? { mesh: relative(out, p.mesh) } : {}),
        })),
      }),
    );
    await writeFileAtomic(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    if (flags.json) {
      io.stdout(JSON.stringify(summary, null, 2) + '\n');
    } else {
      io.stdout(`\nTest cases (held out), NSD at 3 mm:\n${table}\n`);
      io.stdout(
        `${architectureTitle(architecture)} demo: test DSC ${summary.testDsc.toFixed(3)} (best validation ${run.bestDsc.toFixed(3)}) after ${run.epochsCompleted} epochs in ${formatDuration(seconds)}\n`,
      );
      io.stdout(`report: ${summary.files.report}\n`);
      io.stdout(`interactive viewer: raunet view ${viewer}\n`);
    }
    return 0;
  },
});
