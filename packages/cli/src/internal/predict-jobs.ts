import type * as tf from '@tensorflow/tfjs';
import { errorWithFile, type Volume } from '@raunet/core';
import { predictVolume, type PatchPredictor, type PredictVolumeOptions, type PredictVolumeResult } from '@raunet/raunet';
import type { CliIO } from './context.js';
import { prepareOutputFile } from './output-paths.js';

/** The output files of one `predict` case (the mask, and the optional extras). */
export interface JobOutputs {
  output: string;
  prob?: string;
  mesh?: string;
  png?: string;
}

/**
 * Checks every output of every case before the model is loaded (see `prepareOutputFile`): folders are
 * created, proven writable, and no output names an existing folder.
 */
export async function checkJobOutputs(jobs: readonly JobOutputs[]): Promise<void> {
  const seen = new Set<string>();
  for (const j of jobs) {
    for (const [flag, path] of [['output', j.output], ['prob', j.prob], ['mesh', j.mesh], ['png', j.png]] as const) {
      if (!path || seen.has(path)) continue;
      seen.add(path);
      await prepareOutputFile(path, flag);
    }
  }
}

/** `predictVolume` whose file-less errors (a 4D input, a 2D slice for a 3D model...) name the input file. */
export async function predictVolumeOf(file: string, model: tf.LayersModel | PatchPredictor, ct: Volume, options: PredictVolumeOptions): Promise<PredictVolumeResult> {
  try {
    return await predictVolume(model, ct, options);
  } catch (e) {
    throw errorWithFile(e, file);
  }
}

/** After a Ctrl-C between cases: says how many cases were done, and the exit code (130). */
export function stopped(io: CliIO, done: number, total: number): number {
  io.stderr(`predict: stopped after ${done} of ${total} cases; every case written is complete\n`);
  return 130;
}
