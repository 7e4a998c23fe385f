import { readFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import { BackendError, FileAccessError, InvalidArgumentError, ShapeMismatchError } from '@raunet/core';
import type { BackendAttempt, PatchPredictor, RAUnetModelInfo } from '@raunet/raunet';
import type * as Ort from 'onnxruntime-node';
import { exportOnnx } from './export-onnx.js';
import { readOnnxMetadata } from './onnx-metadata.js';

/**
 * Execution providers {@link createOnnxPatchPredictor} accepts: `'auto'` tries CUDA, then the CPU;
 * `'cuda'` needs an onnxruntime-node installed with its CUDA binaries (docs/gpu.md); `'cpu'` is always there.
 */
export const ONNX_EXECUTION_PROVIDERS = ['auto', 'cuda', 'cpu'] as const;

/** One of {@link ONNX_EXECUTION_PROVIDERS}. */
export type OnnxExecutionProvider = (typeof ONNX_EXECUTION_PROVIDERS)[number];

/** Options of {@link createOnnxPatchPredictor}. */
export interface OnnxPatchPredictorOptions {
  /** Where to run. @defaultValue 'auto' (CUDA when the installed onnxruntime-node has it, else CPU) */
  executionProvider?: OnnxExecutionProvider;
  /** CUDA device. @defaultValue 0 */
  deviceId?: number;
  /** Threads of one operator on the CPU provider. @defaultValue onnxruntime's (the physical cores) */
  intraOpNumThreads?: number;
  /**
   * onnxruntime's process-wide log level (`ort.env.logLevel`), set before the session is created; it takes
   * effect when the first session of the process is created. `'fatal'` keeps ORT from printing the failed
   * CUDA attempt of `'auto'` on stderr (it is reported in {@link OnnxPatchPredictor.tried} all the same).
   * @defaultValue undefined (onnxruntime's own, `'warning'`)
   */
  logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
  /**
   * Loads onnxruntime-node (an optional peer dependency: install it next to this package); replaceable
   * for tests. @defaultValue `() => import('onnxruntime-node')`
   */
  loadRuntime?: () => Promise<typeof Ort>;
}

/** A {@link @raunet/raunet!PatchPredictor | PatchPredictor} running an ONNX model in onnxruntime-node. */
export interface OnnxPatchPredictor extends PatchPredictor {
  /** The provider the session runs on: `'cuda'` or `'cpu'`. */
  readonly executionProvider: 'cuda' | 'cpu';
  /** What was tried, in order, and why each was or was not used. */
  readonly tried: BackendAttempt[];
  /** Frees the session. */
  release(): Promise<void>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/** Install hint of the CUDA provider. */
export const ONNX_CUDA_HINT =
  "install onnxruntime-node with its CUDA 12 binaries (allow its install script, e.g. pnpm allowBuilds 'onnxruntime-node: true', or run " +
  'node node_modules/onnxruntime-node/script/install --onnxruntime-node-install=cuda12) and have CUDA 12 and cuDNN 9 on the library path';

async function loadRuntime(options: OnnxPatchPredictorOptions): Promise<typeof Ort> {
  try {
    return options.loadRuntime ? await options.loadRuntime() : await import('onnxruntime-node');
  } catch (error) {
    throw new BackendError(`onnxruntime-node could not be loaded: ${message(error)}. Install it: npm i onnxruntime-node@1.30`, { cause: error });
  }
}

async function openSession(
  ort: typeof Ort,
  bytes: Uint8Array,
  options: OnnxPatchPredictorOptions,
): Promise<{ session: Ort.InferenceSession; provider: 'cuda' | 'cpu'; tried: BackendAttempt[] }> {
  const kind = options.executionProvider ?? 'auto';
  if (!(ONNX_EXECUTION_PROVIDERS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(`createOnnxPatchPredictor: executionProvider must be one of ${ONNX_EXECUTION_PROVIDERS.join(', ')}, received ${String(kind)}`);
  }
  const tried: BackendAttempt[] = [];
  const base: Ort.InferenceSession.SessionOptions = options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {};
  if (kind === 'cuda' || kind === 'auto') {
    try {
      const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: [{ name: 'cuda', deviceId: options.deviceId ?? 0 }] });
      tried.push({ name: 'onnxruntime-cuda', ok: true, reason: `CUDA execution provider, device ${options.deviceId ?? 0}` });
      return { session, provider: 'cuda', tried };
    } catch (error) {
      tried.push({ name: 'onnxruntime-cuda', ok: false, reason: `CUDA execution provider not available: ${message(error)}` });
      if (kind === 'cuda') throw new BackendError(`onnxruntime: ${tried[0].reason}. To use it, ${ONNX_CUDA_HINT}.`, { cause: error });
    }
  }
  try {
    const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
    tried.push({ name: 'onnxruntime-cpu', ok: true, reason: kind === 'cpu' ? 'requested' : 'CPU execution provider' });
    return { session, provider: 'cpu', tried };
  } catch (error) {
    throw new BackendError(`onnxruntime could not load the model on the CPU provider: ${message(error)}`, { cause: error });
  }
}

/**
 * Opens an ONNX model (the bytes of a `.onnx` file, its path, or a tfjs model exported on the fly with
 * {@link exportOnnx}) in onnxruntime-node as a {@link @raunet/raunet!PatchPredictor | PatchPredictor}, so
 * `predictVolume` runs its sliding window through ONNX Runtime. The patch size, preprocessing and
 * inference settings come from the model's metadata (see {@link readOnnxMetadata}). Input patches
 * `[count, z, y, x]` are the NCDHW `[count, 1, z, y, x]` tensor as they are; multi-class outputs are
 * transposed back to NDHWC.
 *
 * @throws {@link @raunet/core!BackendError | BackendError} when onnxruntime-node is missing, when `'cuda'` is
 * asked and not available (with what to install), or when the session cannot be created.
 * @example
 * ```ts
 * const predictor = await createOnnxPatchPredictor('covid-semiseg.onnx', { executionProvider: 'auto' });
 * const { mask } = await predictVolume(predictor, ct);
 * await predictor.release();
 * ```
 */
export async function createOnnxPatchPredictor(
  model: Uint8Array | string | tf.LayersModel,
  options: OnnxPatchPredictorOptions = {},
): Promise<OnnxPatchPredictor> {
  let bytes: Uint8Array;
  if (typeof model === 'string') {
    try {
      bytes = await readFile(model);
    } catch (error) {
      throw new FileAccessError(`createOnnxPatchPredictor: cannot read ${model}: ${message(error)}`, { file: model, cause: error });
    }
  } else if (model instanceof Uint8Array) {
    bytes = model;
  } else {
    bytes = exportOnnx(model).bytes;
  }
  const meta = readOnnxMetadata(bytes);
  const ort = await loadRuntime(options);
  if (options.logLevel) ort.env.logLevel = options.logLevel;
  const { session, provider, tried } = await openSession(ort, bytes, options);
  const [px, py, pz] = meta.patchSize;
  const inputChannels = meta.inputDims[1];
  if (typeof inputChannels === 'number' && inputChannels !== 1) {
    await session.release();
    throw new ShapeMismatchError(`createOnnxPatchPredictor: the model takes ${inputChannels} input channels; sliding-window prediction feeds 1`);
  }
  const voxels = px * py * pz;
  const info: RAUnetModelInfo | undefined = meta.info;
  return {
    patchSize: meta.patchSize,
    ...(info ? { info } : {}),
    executionProvider: provider,
    tried,
    async predictPatches(patches: Float32Array, count: number): Promise<Float32Array> {
      if (patches.length !== count * voxels) {
        throw new ShapeMismatchError(`predictPatches: ${count} patches of ${px}x${py}x${pz} voxels need ${count * voxels} values, received ${patches.length}`);
      }
      const input = new ort.Tensor('float32', patches, [count, 1, pz, py, px]);
      const results = await session.run({ [meta.inputName]: input });
      const out = results[meta.outputName];
      try {
        const data = out.data as Float32Array;
        const classes = data.length / (count * voxels);
        if (classes === 1) return Float32Array.from(data);
        // [count, classes, voxels] -> [count, voxels, classes]
        const nd = new Float32Array(data.length);
        for (let b = 0; b < count; b++) {
          const base = b * classes * voxels;
          for (let k = 0; k < classes; k++) for (let v = 0; v < voxels; v++) nd[base + v * classes + k] = data[base + k * voxels + v];
        }
        return nd;
      } finally {
        out.dispose();
        input.dispose();
      }
    },
    async release(): Promise<void> {
      await session.release();
    },
  };
}
