import type * as tf from '@tensorflow/tfjs';
import type { ExportOnnxResult } from '@raunet/onnx';
import { createOnnxPatchPredictor, exportOnnxDir, type OnnxExecutionProvider } from '@raunet/onnx/node';
import type { Precision } from '@raunet/core';
import { initBackend, loadPredictor, type PatchPredictor } from '@raunet/raunet';
import { BACKENDS, startBackend } from './backend.js';
import type { CliIO } from './context.js';

/**
 * `--backend` of `raunet predict`: the tfjs backends of {@link BACKENDS}, plus ONNX Runtime
 * (`onnxruntime`: its CUDA provider when the installed onnxruntime-node has it, else CPU;
 * `onnxruntime-cuda` / `onnxruntime-cpu` to insist on one).
 */
export const PREDICT_BACKENDS = [...BACKENDS, 'onnxruntime', 'onnxruntime-cuda', 'onnxruntime-cpu'] as const;

/** One of {@link PREDICT_BACKENDS}. */
export type PredictBackend = (typeof PREDICT_BACKENDS)[number];

/** What predicts the patches, and how to free it. */
export interface OpenPredictor {
  /** A tfjs model or an ONNX Runtime predictor, for `predictVolume`. */
  model: tf.LayersModel | PatchPredictor;
  /** Frees the model or the session. */
  release: () => Promise<void>;
}

const ORT_PROVIDERS: Record<string, OnnxExecutionProvider> = {
  onnxruntime: 'auto',
  'onnxruntime-cuda': 'cuda',
  'onnxruntime-cpu': 'cpu',
};

/**
 * Loads the model in `dir` for prediction on `backend`: a tfjs backend (started and reported as before), or
 * ONNX Runtime, where the tfjs model is exported to ONNX in memory (`exportOnnx`) and run in an
 * onnxruntime-node session; the provider used and why the others were not are reported on stderr. An
 * ensemble folder (`raunet ensemble`) loads every member, on either, and averages them (on ONNX Runtime in
 * one graph); `precision` is its members' (a single model takes it from `predictVolume`).
 */
export async function openPredictor(backend: PredictBackend, dir: string, io: CliIO, precision?: Precision): Promise<OpenPredictor> {
  const provider = ORT_PROVIDERS[backend];
  if (provider === undefined) {
    await startBackend(backend as (typeof BACKENDS)[number], io);
    const loaded = await loadPredictor(dir, precision ? { precision } : {});
    if (loaded.members > 1) io.stderr(`model: an ensemble of ${loaded.members} members, their probabilities averaged\n`);
    return {
      model: loaded.model,
      release: () => {
        loaded.dispose();
        return Promise.resolve();
      },
    };
  }
  const exported = await exportModelFolder(dir);
  // ORT's own log would print the failed CUDA attempt of 'onnxruntime' as an error; it is reported below
  const session = await createOnnxPatchPredictor(exported.bytes, { executionProvider: provider, logLevel: 'fatal' });
  io.stderr(`backend: onnxruntime (${session.executionProvider} execution provider)\n`);
  for (const t of session.tried.filter((a) => !a.ok)) io.stderr(`  not used: ${t.name}: ${t.reason}\n`);
  if (exported.members > 1) io.stderr(`model: an ensemble of ${exported.members} members, their probabilities averaged (one ONNX graph)\n`);
  return { model: session, release: () => session.release() };
}

/**
 * The model folder `dir` as ONNX, in memory (`exportOnnxDir`: one network, or an ensemble folder's members in
 * one graph with the ensemble's own inference settings), read on the plain cpu backend (only the weights are read).
 */
export async function exportModelFolder(dir: string): Promise<ExportOnnxResult> {
  await initBackend('cpu');
  return exportOnnxDir(dir);
}
