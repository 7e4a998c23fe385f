import type * as tf from '@tensorflow/tfjs';
import { createOnnxPatchPredictor, type OnnxExecutionProvider } from '@raunet/onnx/node';
import { initBackend, loadModel, type PatchPredictor } from '@raunet/raunet';
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
 * onnxruntime-node session; the provider used and why the others were not are reported on stderr.
 */
export async function openPredictor(backend: PredictBackend, dir: string, io: CliIO): Promise<OpenPredictor> {
  const provider = ORT_PROVIDERS[backend];
  if (provider === undefined) {
    await startBackend(backend as (typeof BACKENDS)[number], io);
    const model = await loadModel(dir);
    return {
      model,
      release: () => {
        model.dispose();
        return Promise.resolve();
      },
    };
  }
  // tfjs only reads the weights here: the plain cpu backend
  await initBackend('cpu');
  const model = await loadModel(dir);
  let predictor;
  try {
    // ORT's own log would print the failed CUDA attempt of 'onnxruntime' as an error; it is reported below
    predictor = await createOnnxPatchPredictor(model, { executionProvider: provider, logLevel: 'fatal' });
  } finally {
    model.dispose();
  }
  io.stderr(`backend: onnxruntime (${predictor.executionProvider} execution provider)\n`);
  for (const t of predictor.tried.filter((a) => !a.ok)) io.stderr(`  not used: ${t.name}: ${t.reason}\n`);
  return { model: predictor, release: () => predictor.release() };
}
