import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { FileAccessError, InvalidArgumentError } from '@raunet/core';
import '@raunet/layers-3d';
import { readFile, writeFile } from 'node:fs/promises';
import { replaceDirAtomic } from '@raunet/core/node';
import { encodeFloat16 } from './internal/float16.js';
import { encodeUint8Affine } from './internal/uint8.js';

/** File names of a saved model directory (the tfjs `layers-model` format). */
export const MODEL_JSON = 'model.json';
/** Weight file of a saved model directory. */
export const WEIGHTS_BIN = 'weights.bin';

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** JSON-serializable metadata stored as `userDefinedMetadata` in model.json. @defaultValue the model's own metadata */
  metadata?: Record<string, unknown>;
  /**
   * How float32 weights are stored:
   * - `'float32'`: as they are.
   * - `'float16'`: half the bytes (IEEE half, rounded to nearest; tfjs's own `quantization: { dtype:
   *   'float16' }`). A half keeps 11 significant bits, a relative error of at most 2^-11 per weight.
   * - `'uint8'`: about a quarter of the bytes. Each kernel (every weight of rank 2 or more: convolutions,
   *   projections, position codes) is quantized to 256 levels spread over its own range, which is widened
   *   to include 0 (tfjs's `quantization: { dtype: 'uint8', min, scale }`, as tfjs-converter's
   *   `--quantize_uint8` writes it); the error per weight is at most 1/510 of that kernel's range. Vectors
   *   (biases, normalization scales, offsets and running statistics, whose values span orders of magnitude)
   *   are stored as float16.
   *
   * `tf.loadLayersModel` and {@link loadModel} read every kind back to float32 with no extra code. Measure the
   * masks before shipping a model stored as float16 or uint8. Weights of other dtypes are stored as they are.
   * @defaultValue `'float32'`
   */
  weightDtype?: WeightDtype;
}

/** How a saved model stores its float32 weights (see {@link SaveModelOptions.weightDtype}). */
export type WeightDtype = 'float32' | 'float16' | 'uint8';

/** Every {@link WeightDtype}, e.g. for a command-line flag's choices. */
export const WEIGHT_DTYPES: readonly WeightDtype[] = ['float32', 'float16', 'uint8'];

/** The weights with every float32 weight re-encoded as `dtype` prescribes (tfjs's weight quantization). */
function toStoredWeights(
  specs: tf.io.WeightsManifestEntry[],
  data: Uint8Array,
  dtype: 'float16' | 'uint8',
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array<ArrayBuffer> } {
  const out: Uint8Array[] = [];
  const newSpecs: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1) * storedBytesPerValue(spec);
    const bytes = data.subarray(offset, offset + size);
    offset += size;
    if (spec.dtype !== 'float32' || spec.quantization) {
      out.push(bytes);
      newSpecs.push(spec);
      continue;
    }
    const values = new Float32Array(bytes.slice().buffer);
    if (dtype === 'uint8' && spec.shape.length >= 2) {
      let quantized;
      try {
        quantized = encodeUint8Affine(values);
      } catch (e) {
        throw new InvalidArgumentError(`saveModel: weight ${spec.name}: ${(e as Error).message}`);
      }
      out.push(quantized.q);
      newSpecs.push({ ...spec, quantization: { dtype: 'uint8', min: quantized.min, scale: quantized.scale } });
    } else {
      out.push(new Uint8Array(encodeFloat16(values).buffer));
      newSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
    }
  }
  return { specs: newSpecs, data: concatBytes(out) };
}

/** The byte arrays one after another, in one new array. */
function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of parts) {
    joined.set(b, o);
    o += b.length;
  }
  return joined;
}

/**
 * Saves a model in the tfjs layers format (`model.json` + one `weights.bin`) to a directory, without
 * tfjs-node: a custom IOHandler writes the files into a temporary sibling folder renamed over `dir`
 * (atomic). The result loads with {@link loadModel} or with `tf.loadLayersModel` over HTTP/files.
 *
 * @example
 * ```ts
 * await saveModel(model, 'runs/exp1/best');
 * const again = await loadModel('runs/exp1/best');
 * ```
 */
export async function saveModel(model: tf.LayersModel, dir: string, options: SaveModelOptions = {}): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) throw new InvalidArgumentError('saveModel: dir must be a non-empty path');
  const weightDtype = options.weightDtype ?? 'float32';
  if (!WEIGHT_DTYPES.includes(weightDtype))
    throw new InvalidArgumentError(`saveModel: weightDtype must be one of ${WEIGHT_DTYPES.map((d) => `'${d}'`).join(', ')}, received '${String(weightDtype)}'`);
  const metadata = options.metadata ?? (model.getUserDefinedMetadata());
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      let weightData = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : new Uint8Array(0);
      let weightSpecs = artifacts.weightSpecs ?? [];
      if (weightDtype !== 'float32') ({ specs: weightSpecs, data: weightData } = toStoredWeights(weightSpecs, weightData, weightDtype));
      const json = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: weightSpecs }],
        ...(metadata ? { userDefinedMetadata: metadata } : {}),
      };
      await replaceDirAtomic(dir, async (tmp) => {
        await writeFile(join(tmp, MODEL_JSON), JSON.stringify(json));
        await writeFile(join(tmp, WEIGHTS_BIN), weightData);
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Bytes per value of a weight as stored (quantized weights store their quantization dtype). */
function storedBytesPerValue(spec: tf.io.WeightsManifestEntry): number {
  const q = spec.quantization?.dtype;
  if (q) return q === 'uint8' ? 1 : 2; // uint8, uint16 or float16
  return spec.dtype === 'bool' ? 1 : 4; // float32, int32 (string weights do not occur in layers models)
}

/**
 * Checks that a manifest group's weight files hold exactly the bytes its weights need, before tfjs
 * slices them (a truncated weights.bin otherwise ends in tfjs's "Based on the provided shape, [3,3,3,8,8],
 * the tensor should have 216 values but has 18", naming no file).
 */
function checkWeightGroup(group: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }, bytes: number, dir: string, jsonPath: string): void {
  let need = 0;
  let firstShort: tf.io.WeightsManifestEntry | undefined;
  for (const w of group.weights) {
    need += w.shape.reduce((a, b) => a * b, 1) * storedBytesPerValue(w);
    if (need > bytes && !firstShort) firstShort = w;
  }
  if (need === bytes) return;
  const files = group.paths.map((p) => join(dir, p));
  const file = files.length === 1 ? files[0] : `${files[0]} (+${files.length - 1} more shards)`;
  throw new FileAccessError(
    need > bytes
      ? `truncated weight file: it holds ${bytes} bytes, ${jsonPath} lists ${group.weights.length} weights needing ${need} bytes (the first that does not fit: ${firstShort!.name} [${firstShort!.shape.join(', ')}]); copy or download the model again`
      : `weight file too long: it holds ${bytes} bytes, ${jsonPath} lists ${group.weights.length} weights needing ${need} bytes: the files do not belong together`,
    { file },
  );
}

/**
 * Reads the artifacts of a saved model directory (model.json + its weight files), checking that the
 * weight files hold exactly the bytes model.json's weight manifest lists.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming a missing, unreadable, truncated or too long file.
 */
export async function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = join(dir, MODEL_JSON);
  let json: {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    userDefinedMetadata?: Record<string, unknown>;
  };
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8')) as typeof json;
  } catch (error) {
    throw new FileAccessError(`cannot read a tfjs model.json: ${(error as Error).message}`, { file: jsonPath, cause: error });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    let bytes = 0;
    for (const p of group.paths) {
      const file = join(dir, p);
      try {
        parts.push(new Uint8Array(await readFile(file)));
      } catch (error) {
        throw new FileAccessError(`weight file missing or unreadable: ${(error as Error).message}`, { file, cause: error });
      }
      bytes += parts[parts.length - 1].length;
    }
    checkWeightGroup(group, bytes, dir, jsonPath);
    specs.push(...group.weights);
  }
  const data = concatBytes(parts);
  return {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: data.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
  };
}

/**
 * Loads a model saved by {@link saveModel} (or any tfjs layers-model directory) from disk, without
 * tfjs-node. Importing this package registers the custom layers of `@raunet/layers-3d`.
 *
 * @throws {@link @raunet/core!FileAccessError | FileAccessError} naming the missing, unreadable or truncated file
 * (weight files are checked against model.json's manifest), or model.json when tfjs cannot build the model from it.
 * @example
 * ```ts
 * const model = await loadModel('runs/exp1/best');
 * ```
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  const artifacts = await readModelArtifacts(dir);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new FileAccessError(`tfjs cannot build the model: ${(error as Error).message}`, { file: join(dir, MODEL_JSON), cause: error });
  }
}
