import { join, relative } from 'node:path';
import { readNifti, writeNifti } from '@raunet/io';
import { infectionBurden, segmentLungs, toLeftRightLungs, type InfectionBurden } from '@raunet/lungs';
import { evaluateSet, toCsv, toTextTable, type EvaluationPair } from '@raunet/metrics';
import { marchingCubes, meshVolume, writeMesh } from '@raunet/mesh';
import { writePhantomDataset } from '@raunet/phantom';
import {
  loadDataset,
  loadModel,
  predictVolume,
  splitDataset,
  summarizeModel,
  train,
} from '@raunet/raunet';
import { renderOverlays, renderTrainingCurves, writePng, writeSvg } from '@raunet/viz';
import { writeFileAtomic } from '@raunet/core/node';
import type { CommandModule } from '../internal/command.js';
import { choiceFlag, numberFlag, stringFlag } from '../internal/args.js';
import { BACKENDS, startBackend } from '../internal/backend.js';
import { CliUsageError } from '../internal/context.js';
import { DEMO_DEFAULTS } from '../internal/demo-defaults.js';
import { finishBeforeExit } from '../internal/interrupt.js';
import { prepareOutputDir } from '../internal/output-paths.js';
import { overlayPixelSize } from '../internal/pictures.js';
import { formatDuration } from '../internal/progress.js';
import { trainingProgress } from '../internal/training.js';
import { demoReportHtml } from '../internal/report.js';
import { writeViewerReport } from '@raunet/viewer/node';

/** `raunet demo [--out DIR] [...]`. */
export const command: CommandModule = {
  usage: 'raunet demo [--out DIR] [--cases N] [--epochs N] [--steps N] [--seed N] [--backend B] [--json]',
  flags: {
    out: { type: 'string', value: 'DIR', description: 'output folder (default raunet-demo)' },
    cases: {
      type: 'string',
      value: 'N',
      description: `phantom cases to synthesize (default ${DEMO_DEFAULTS.cases}; 2 held out for test, 1 for validation)`,
    },
    epochs: {
      type: 'string',
      value: 'N',
      description: `training epochs (default ${DEMO_DEFAULTS.epochs}; ${DEMO_DEFAULTS.slowBackend.epochs} on the plain JS backend)`,
    },
    steps: {
      type: 'string',
      value: 'N',
      description: `steps per epoch (default ${DEMO_DEFAULTS.stepsPerEpoch})`,
    },
    size: {
      type: 'string',
      value: 'X,Y,Z',
      description: `phantom grid (default ${DEMO_DEFAULTS.dims.join(',')})`,
    },
    seed: {
      type: 'string',
      value: 'N',
      description: `seed of phantoms, split and training (default ${DEMO_DEFAULTS.seed})`,
    },
    model: { type: 'string', value: 'raunet|unet', description: 'architecture (default raunet)' },
    backend: {
      type: 'string',
      value: 'B',
      description: `tfjs backend: ${BACKENDS.join(', ')} (default auto)`,
    },
    json: { type: 'boolean', description: 'print the summary as JSON on stdout' },
  },
  async run(args, io) {
    const t0 = Date.now();
    const out = stringFlag(args, 'out') ?? 'raunet-demo';
    const cases =
      numberFlag('demo', args, 'cases', { integer: true, min: 4, max: 200 }) ?? DEMO_DEFAULTS.cases;
    const epochsFlag = numberFlag('demo', args, 'epochs', { integer: true, min: 1 });
    const stepsPerEpoch =
      numberFlag('demo', args, 'steps', { integer: true, min: 1 }) ?? DEMO_DEFAULTS.stepsPerEpoch;
    const seed = numberFlag('demo', args, 'seed', { integer: true }) ?? DEMO_DEFAULTS.seed;
    const architecture = choiceFlag('demo', args, 'model', ['raunet', 'unet'] as const) ?? 'raunet';
    const backend = choiceFlag('demo', args, 'backend', BACKENDS) ?? 'auto';
    const sizeRaw = stringFlag(args, 'size');
    const dims = sizeRaw ? parseDims(sizeRaw) : DEMO_DEFAULTS.dims;
    const say = (s: string) => io.stderr(`[${formatDuration((Date.now() - t0) / 1000)}] ${s}\n`);

    await prepareOutputDir(out, 'out');
    const active = await startBackend(backend, io);
    const fast =
      active.nativeKernels || active.backend === 'tensorflow' || active.backend === 'tensorflow-gpu';
    const setup = fast
      ? {
          epochs: DEMO_DEFAULTS.epochs,
          batchSize: DEMO_DEFAULTS.batchSize,
          patchSize: DEMO_DEFAULTS.model.patchSize,
        }
      : DEMO_DEFAULTS.slowBackend;
    const epochs = epochsFlag ?? setup.epochs;
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
    const history = run.history.map((r) => ({
      epoch: r.epoch,
      loss: r.loss,
      ...(r.validationDsc !== undefined ? { valDice: r.validationDsc } : {}),
    }));
    const curves = renderTrainingCurves({
      history,
      title: architecture === 'unet' ? 'U-Net (demo)' : 'RA-Unet (demo)',
    });
    await writeSvg(join(out, 'curves.svg'), curves.svg);
    await writePng(join(out, 'curves.png'), curves.image);
    say(
      `trained ${run.epochsCompleted} epochs (${params} parameters); best validation DSC ${run.bestDsc.toFixed(3)} at epoch ${run.bestEpoch}`,
    );

    const model = await loadModel(run.bestModelDir);
    const pairs: EvaluationPair[] = [];
    const pictures: { name: string; png: string; mesh?: string }[] = [];
    const burden: { name: string; predicted: InfectionBurden; truth: InfectionBurden }[] = [];
    await prepareOutputDir(join(out, 'predictions'));
    await prepareOutputDir(join(out, 'pictures'));
    try {
      for (const c of split.test) {
        const ct = await readNifti(c.image);
        const truth = await readNifti(c.label);
        const { probability, mask } = await predictVolume(model, ct, { overlap: 0.5, batchSize: 8 });
        await writeNifti(join(out, 'predictions', `${c.name}.nii.gz`), mask, { datatype: 'uint8' });
        await writeNifti(join(out, 'predictions', `${c.name}_prob.nii.gz`), probability, {
          datatype: 'float32',
        });
        const png = join(out, 'pictures', `${c.name}.png`);
        await writePng(
          png,
          renderOverlays({ ct, prediction: mask, truth, pixelSize: overlayPixelSize(ct) }).montage,
        );
        const entry: { name: string; png: string; mesh?: string } = { name: c.name, png };
        const mesh = marchingCubes(mask, { smoothIterations: 10 });
        if (mesh.indices.length > 0) {
          entry.mesh = join(out, 'predictions', `${c.name}.stl`);
          await writeMesh(entry.mesh, mesh);
          say(
            `${c.name}: mesh of ${mesh.indices.length / 3} triangles, ${(meshVolume(mesh) / 1000).toFixed(1)} mL`,
          );
        }
        pictures.push(entry);
        pairs.push({ name: c.name, prediction: mask, truth });
        // The phantom's own lung mask (the demo data has one), split into left and right.
        const lungs = toLeftRightLungs(c.lung ? await readNifti(c.lung) : segmentLungs(ct).mask);
        burden.push({ name: c.name, predicted: infectionBurden(mask, lungs), truth: infectionBurden(truth, lungs) });
      }
    } finally {
      model.dispose();
    }
    const result = evaluateSet(pairs, { toleranceMm: 3 });
    const viewer = join(out, 'viewer');
    await writeViewerReport(
      viewer,
      split.test.map((c, i) => ({
        name: c.name,
        ct: c.image,
        truth: c.label,
        mask: join(out, 'predictions', `${c.name}.nii.gz`),
        prob: join(out, 'predictions', `${c.name}_prob.nii.gz`),
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
        title: `${architecture === 'unet' ? 'U-Net' : 'RA-Unet'} demo on synthetic COVID-19 CT phantoms`,
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
    if (args.flags.json) {
      io.stdout(JSON.stringify(summary, null, 2) + '\n');
    } else {
      io.stdout(`\nTest cases (held out), NSD at 3 mm:\n${table}\n`);
      io.stdout(
        `${architecture === 'unet' ? 'U-Net' : 'RA-Unet'} demo: test DSC ${summary.testDsc.toFixed(3)} (best validation ${run.bestDsc.toFixed(3)}) after ${run.epochsCompleted} epochs in ${formatDuration(seconds)}\n`,
      );
      io.stdout(`report: ${summary.files.report}\n`);
      io.stdout(`interactive viewer: raunet view ${viewer}\n`);
    }
    return 0;
  },
};

function parseDims(raw: string): [number, number, number] {
  const parts = raw.split(/[x,]/).map(Number);
  if (parts.length !== 3 || !parts.every((p) => Number.isInteger(p) && p >= 16 && p <= 512)) {
    throw new CliUsageError(`demo: --size must be three integers in [16, 512] as X,Y,Z, received '${raw}'`);
  }
  return parts as [number, number, number];
}
