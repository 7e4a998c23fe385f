import { basename } from 'node:path';
import type { Volume } from '@raunet/core';
import { writeNifti } from '@raunet/io';
import { marchingCubes, meshVolume, writeMesh } from '@raunet/mesh';
import type { PatchPredictor, PredictVolumeOptions } from '@raunet/raunet';
import { renderOverlays, writePng } from '@raunet/viz';
import type * as tf from '@tensorflow/tfjs';
import { parseNumberList, type FlagSpecs, type FlagValues } from './args.js';
import { CliUsageError } from './context.js';
import { readScan } from './inputs.js';
import { overlayPixelSize } from './pictures.js';
import { predictVolumeOf } from './predict-jobs.js';

/** The files of one case of `raunet predict` (and of one job of `raunet worker`). */
export interface CaseFiles {
  /** Case name (the input's file name without `.nii.gz`). */
  name: string;
  /** The CT. */
  input: string;
  /** The mask to write (.nii or .nii.gz). */
  output: string;
  /** Lung mask of the CT, restricting infection to the lungs. */
  lung?: string;
  /** Also write the probability map here. */
  prob?: string;
  /** Also write a surface mesh of the mask here. */
  mesh?: string;
  /** Also write an overlay picture here. */
  png?: string;
  /** A ground-truth mask to draw (green) on the overlay picture beside the prediction (red). */
  truth?: string;
}

/** What {@link predictCase} found. */
export interface CaseSummary {
  /** Foreground voxels of the mask. */
  voxels: number;
  /** Foreground volume in mL. */
  volumeMl: number;
  /** `, mesh NAME (T triangles, V mL)` when a mesh was written, else ''. */
  meshNote: string;
  /** Triangles of the mesh, when one was written (0 for an empty mask). */
  triangles?: number;
  /** The mask written. */
  mask: Volume<Uint8Array>;
  /** The lung mask used (the case's, or the automatic one of `lungMask: 'auto'`), if any. */
  lungs?: Volume;
}

/** Flags of the prediction settings, shared by `raunet predict` and `raunet submit` (these without `batch-size`). */
export const PREDICTION_FLAGS = {
  overlap: {
    type: 'number',
    min: 0,
    max: 0.95,
    value: 'F',
    description: 'sliding-window overlap', defaultText: "the model's, else 0.5",
  },
  threshold: {
    type: 'number',
    min: 0,
    max: 1,
    value: 'P',
    description: 'probability threshold of the mask', defaultText: "the model's, else 0.5",
  },
  'min-size': {
    type: 'integer',
    min: 0,
    value: 'N',
    description: 'remove components smaller than N voxels', defaultText: "the model's, else 0",
  },
  tta: {
    type: 'boolean',
    description: "flip test-time augmentation, 4x slower (default: the model's, else off; --no-tta turns it off)",
  },
  'no-tta': { type: 'boolean', description: 'no flip test-time augmentation, whatever the model says' },
  'scale-tta': {
    type: 'string',
    value: 'LIST',
    description: 'multi-scale test-time augmentation: in-plane zoom factors to predict at and average (e.g. 0.8,1,1.25; 1 = none), costing about the sum of their squares',
    defaultText: "the model's, else 1",
  },
  'all-windows': {
    type: 'boolean',
    description: "run the sliding window over the whole CT, also over the air around the body (default: the model's, else it covers only the voxels at or above -800 HU)",
  },
} as const satisfies FlagSpecs;

/** `--batch-size`, a property of the machine that predicts (`raunet predict`, `raunet worker`). */
export const BATCH_SIZE_FLAG = {
  'batch-size': {
    type: 'integer',
    min: 1,
    value: 'N',
    description: 'patches per model call, flipped TTA copies included', defaultText: "2 for the paper's 192x192x32 patch, up to 16 for small ones",
  },
} as const satisfies FlagSpecs;

/** `--precision`, a property of the machine that predicts (`raunet predict`, `raunet worker`). */
export const PRECISION_FLAG = {
  precision: {
    type: 'choice',
    choices: ['fp32', 'bf16'],
    value: 'P',
    description:
      'arithmetic of the model calls: bf16 (bfloat16 inputs, float32 sums; about 2x faster on CPUs with AVX512_BF16, float32 elsewhere) or fp32',
    defaultText: "the model's, else fp32",
  },
} as const satisfies FlagSpecs;

/** The prediction settings given by {@link PREDICTION_FLAGS} (and `--batch-size`, `--precision` when the command has them); absent flags are left to the model. */
export function predictionOptionsFromFlags(
  command: string,
  flags: FlagValues<typeof PREDICTION_FLAGS> & Partial<FlagValues<typeof BATCH_SIZE_FLAG> & FlagValues<typeof PRECISION_FLAG>>,
): PredictVolumeOptions {
  if (flags.tta && flags['no-tta']) throw new CliUsageError(`${command}: --tta and --no-tta contradict each other`);
  return {
    ...(flags.overlap !== undefined ? { overlap: flags.overlap } : {}),
    ...(flags.threshold !== undefined ? { threshold: flags.threshold } : {}),
    ...(flags['min-size'] !== undefined ? { minComponentSize: flags['min-size'] } : {}),
    ...(flags['batch-size'] !== undefined ? { batchSize: flags['batch-size'] } : {}),
    ...(flags.precision !== undefined ? { precision: flags.precision } : {}),
    ...(flags.tta ? { flipTta: true } : flags['no-tta'] ? { flipTta: false } : {}),
    ...(flags['scale-tta'] !== undefined ? { scaleTta: parseNumberList(command, 'scale-tta', flags['scale-tta'], (x) => x > 0, 'positive zoom factors') } : {}),
    ...(flags['all-windows'] ? { skipAirWindows: false } : {}),
  };
}

function countNonzero(v: Volume): number {
  let n = 0;
  const d = v.data as ArrayLike<number>;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) n++;
  return n;
}

/**
 * Writes the outputs a case asks for from its prediction: the mask as uint8 NIfTI, then the probability map,
 * mesh and overlay picture (with the ground truth when `files.truth` names one) when asked. Every file is written atomically (a temporary name renamed into place);
 * the output folders must exist.
 */
export async function writeCaseOutputs(
  files: CaseFiles,
  ct: Volume,
  result: { probability: Volume; mask: Volume<Uint8Array> },
): Promise<Pick<CaseSummary, 'voxels' | 'volumeMl' | 'meshNote' | 'triangles'>> {
  const { probability, mask } = result;
  await writeNifti(files.output, mask, { datatype: 'uint8' });
  if (files.prob) await writeNifti(files.prob, probability, { datatype: 'float32' });
  const voxels = countNonzero(mask);
  const volumeMl = (voxels * mask.spacing[0] * mask.spacing[1] * mask.spacing[2]) / 1000;
  let meshNote = '';
  let triangles: number | undefined;
  if (files.mesh) {
    const mesh = marchingCubes(mask, { smoothIterations: 10 });
    await writeMesh(files.mesh, mesh);
    triangles = mesh.indices.length / 3;
    meshNote = `, mesh ${basename(files.mesh)} (${triangles} triangles, ${(meshVolume(mesh) / 1000).toFixed(2)} mL)`;
  }
  if (files.png) {
    const truth = files.truth ? await readScan(files.truth, 'ground-truth mask') : undefined;
    await writePng(files.png, renderOverlays({ ct, prediction: mask, ...(truth ? { truth } : {}), pixelSize: overlayPixelSize(ct) }).montage);
  }
  return { voxels, volumeMl, meshNote, ...(triangles !== undefined ? { triangles } : {}) };
}

/**
 * One case of `raunet predict`, the shared pipeline of `predict` and of the queue's `worker`: reads the CT
 * (and its lung mask, or the automatic one with `lungMask: 'auto'`) with the input checks of `readScan`
 * (NaN, 4D: errors naming the file), predicts (errors name the input), and writes the outputs with
 * {@link writeCaseOutputs}. `hooks.onWriting` is called when the prediction is done and the outputs are about to be
 * written.
 */
export async function predictCase(
  model: tf.LayersModel | PatchPredictor,
  files: CaseFiles,
  options: PredictVolumeOptions,
  hooks: { onWriting?: () => void } = {},
): Promise<CaseSummary> {
  const ct = await readScan(files.input, 'CT');
  // The case's own lung mask wins over options.lungMask (e.g. 'auto').
  const lungMask = files.lung ? await readScan(files.lung, 'lung mask') : undefined;
  const result = await predictVolumeOf(files.input, model, ct, { ...options, ...(lungMask ? { lungMask } : {}) });
  hooks.onWriting?.();
  const written = await writeCaseOutputs(files, ct, result);
  return { ...written, mask: result.mask, ...(result.lungs ? { lungs: result.lungs } : {}) };
}
