/// <reference lib="webworker" />
// The segmentation worker: tfjs backend choice, model loading and predictVolume, off the page's thread.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadPredictorFromUrl, predictVolume, usePad5dWorkaround } from '@raunet/raunet';
import type { BackendChoice, SegmentMessage, SegmentRequest } from './protocol.js';

const post = (message: SegmentMessage, transfer: Transferable[] = []): void => (self as unknown as DedicatedWorkerGlobalScope).postMessage(message, transfer);

/**
 * A padded 3D convolution runs and gives the right number (a backend that registers but cannot compile
 * or run the model's ops fails here, before the model loads).
 */
async function smokeTest(): Promise<void> {
  const y = tf.tidy(() => {
    const padded = tf.pad(tf.ones([1, 4, 4, 4, 1]), [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]);
    return tf.conv3d(padded as tf.Tensor5D, tf.ones<tf.Rank.R5>([3, 3, 3, 1, 1]), 1, 'valid');
  });
  const v = await y.data();
  y.dispose();
  // Output voxel (1, 1, 1) sees 27 ones; the corner (0, 0, 0) sees 8 ones and 19 padded zeros.
  if (!(Math.abs(v[21] - 27) < 1e-3 && Math.abs(v[0] - 8) < 1e-3)) throw new Error(`a test conv3d gave ${v[21]} and ${v[0]}, expected 27 and 8`);
}

/** Sets the first backend of the order that initializes and runs a conv3d; says why others failed. */
async function chooseBackend(choice: BackendChoice, wasmBase: string): Promise<{ name: string; tried: string[] }> {
  const order = choice === 'auto' ? ['webgl', 'wasm', 'cpu'] : [choice];
  const tried: string[] = [];
  for (const name of order) {
    try {
      if (name === 'wasm') setWasmPaths(wasmBase);
      if (name === 'webgl') usePad5dWorkaround();
      if (!(await tf.setBackend(name))) throw new Error('not available in this browser');
      await tf.ready();
      await smokeTest();
      tried.push(`${name}: ok`);
      return { name, tried };
    } catch (error) {
      tried.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend works here (${tried.join('; ')})`);
}

async function run(request: SegmentRequest): Promise<void> {
  const t0 = performance.now();
  post({ type: 'status', text: 'choosing a tfjs backend…' });
  const backend = await chooseBackend(request.backend, request.wasmBase);
  post({ type: 'backend', ...backend });
  post({ type: 'status', text: `loading the model on ${backend.name}…` });
  // one network (model.json) or an ensemble (ensemble.json: its members' probabilities averaged)
  const loaded = await loadPredictorFromUrl(request.modelUrl);
  try {
    post({ type: 'status', text: `segmenting on ${backend.name}${loaded.members > 1 ? ` (an ensemble of ${loaded.members} networks)` : ''}…` });
    const { probability, mask } = await predictVolume(loaded.model, request.volume, {
      ...(request.flipTta === undefined ? {} : { flipTta: request.flipTta }),
      ...(request.scaleTta === undefined ? {} : { scaleTta: request.scaleTta }),
      onProgress: (done, total) => post({ type: 'progress', done, total }),
    });
    const p = probability.data;
    const m = mask.data;
    post({ type: 'done', probability: p, mask: m, seconds: (performance.now() - t0) / 1000, backend: backend.name }, [p.buffer, m.buffer]);
  } finally {
    loaded.dispose();
  }
}

self.onmessage = (event: MessageEvent<SegmentRequest>) => {
  run(event.data).catch((error: unknown) => {
    const e = error as { message?: string; code?: unknown };
    post({ type: 'error', message: e?.message ?? String(error), ...(typeof e?.code === 'string' ? { code: e.code } : {}) });
  });
};
