import { basename } from 'node:path';
import type { Volume } from '@raunet/core';
import { writeNifti } from '@raunet/io';
import { marchingCubes, meshVolume, writeMesh } from '@raunet/mesh';
import type { PatchPredictor, PredictVolumeOptions } from '@raunet/raunet';
import { renderOverlays, writePng } from '@raunet/viz';
import type * as tf from '@tensorflow/tfjs';
import { numberFlag, type FlagSpec, type ParsedArgs } from './args.js';
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
}

/** What {@link predictCase} found. */
export interface CaseSummary {
  /** Foreground voxels of the mask. */
  voxels: number;
  /** Foreground volume in mL. */
  volumeMl: number;
  /** `, mesh NAME (T triangles, V mL)` when a mesh was written, else ''. */
  meshNote: string;
  /** The mask written. */
  mask: Volume<Uint8Array>;
  /** The lung mask used (the case's, or the automatic one of `lungMask: 'auto'`), if any. */
  lungs?: Volume;
}

/** Flags of the prediction settings, shared by `raunet predict` and `raunet submit` (these without `batch-size`). */
export const PREDICTION_FLAGS = {
  overlap: {
    type: 'string',
    value: 'F',
    description: "sliding-window overlap in [0, 1) (default: the model's, else 0.5)",
  },
  threshold: {
    type: 'string',
    value: 'P',
    description: "probability threshold of the mask (default: the model's, else 0.5)",
  },
  'min-size': {
    type: 'string',
    value: 'N',
    description: "remove components smaller than N voxels (default: the model's, else 0)",
  },
  tta: {
    type: 'boolean',
    description: "flip test-time augmentation, 4x slower (default: the model's, else off; --no-tta turns it off)",
  },
  'no-tta': { type: 'boolean', description: 'no flip test-time augmentation, whatever the model says' },
} as const satisfies Record<string, FlagSpec>;

/** `--batch-size`, a property of the machine that predicts (`raunet predict`, `raunet worker`). */
export const BATCH_SIZE_FLAG = {
  'batch-size': {
    type: 'string',
    value: 'N',
    description: "patches per model call, flipped TTA copies included (default: 2 for the paper's 192x192x32 patch, up to 8 for small ones)",
  },
} as const satisfies Record<string, FlagSpec>;

/** The prediction settings given by {@link PREDICTION_FLAGS} (and `--batch-size` when the command has it); absent flags are left to the model. */
export function predictionOptionsFromFlags(command: string, args: ParsedArgs): PredictVolumeOptions {
  const options: PredictVolumeOptions = {};
  const overlap = numberFlag(command, args, 'overlap', { min: 0, max: 0.95 });
  const threshold = numberFlag(command, args, 'threshold', { min: 0, max: 1 });
  const minComponentSize = numberFlag(command, args, 'min-size', { min: 0, integer: true });
  const batchSize = numberFlag(command, args, 'batch-size', { min: 1, integer: true });
  if (overlap !== undefined) options.overlap = overlap;
  if (threshold !== undefined) options.threshold = threshold;
  if (minComponentSize !== undefined) options.minComponentSize = minComponentSize;
  if (batchSize !== undefined) options.batchSize = batchSize;
  if (args.flags.tta && args.flags['no-tta']) throw new CliUsageError(`${command}: --tta and --no-tta contradict each other`);
  if (args.flags.tta) options.flipTta = true;
  if (args.flags['no-tta']) options.flipTta = false;
  return options;
}

function countNonzero(v: Volume): number {
  let n = 0;
  const d = v.data as ArrayLike<number>;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) n++;
  return n;
}

/**
 * Writes the outputs a case asks for from its prediction: the mask as uint8 NIfTI, then the probability map,
 * mesh and overlay picture when asked. Every file is written atomically (a temporary name renamed into place);
 * the output folders must exist.
 */
export async function writeCaseOutputs(
  files: CaseFiles,
  ct: Volume,
  result: { probability: Volume; mask: Volume<Uint8Array> },
): Promise<Pick<CaseSummary, 'voxels' | 'volumeMl' | 'meshNote'>> {
  const { probability, mask } = result;
  await writeNifti(files.output, mask, { datatype: 'uint8' });
  if (files.prob) await writeNifti(files.prob, probability, { datatype: 'float32' });
  const voxels = countNonzero(mask);
  const volumeMl = (voxels * mask.spacing[0] * mask.spacing[1] * mask.spacing[2]) / 1000;
  let meshNote = '';
  if (files.mesh) {
    const mesh = marchingCubes(mask, { smoothIterations: 10 });
    await writeMesh(files.mesh, mesh);
    meshNote = `, mesh ${basename(files.mesh)} (${mesh.indices.length / 3} triangles, ${(meshVolume(mesh) / 1000).toFixed(2)} mL)`;
  }
  if (files.png) await writePng(files.png, renderOverlays({ ct, prediction: mask, pixelSize: overlayPixelSize(ct) }).montage);
  return { voxels, volumeMl, meshNote };
}

/**
 * One case of `raunet predict`, the shared pipeline of `predict` and of the queue's `worker`: reads the CT
 * (and its lung mask, or the automatic one with `lungMask: 'auto'`) with the input checks of `readScan`
 * (NaN, 4D: errors naming the file), predicts (errors name the input), and writes the outputs with
 * {@link writeCaseOutputs}.
 */
export async function predictCase(model: tf.LayersModel | PatchPredictor, files: CaseFiles, options: PredictVolumeOptions): Promise<CaseSummary> {
  const ct = await readScan(files.input, 'CT');
  // The case's own lung mask wins over options.lungMask (e.g. 'auto').
  const lungMask = files.lung ? await readScan(files.lung, 'lung mask') : undefined;
  const result = await predictVolumeOf(files.input, model, ct, { ...options, ...(lungMask ? { lungMask } : {}) });
  const written = await writeCaseOutputs(files, ct, result);
  return { ...written, mask: result.mask, ...(result.lungs ? { lungs: result.lungs } : {}) };
}
