import { InvalidArgumentError, UnsupportedError } from '@raunet/core';
import type { RAUnetModelInfo } from '@raunet/raunet';
import { onnx, type Onnx } from './internal/graph-builder.js';

/**
 * The `metadata_props` keys {@link exportOnnx} writes. Values are strings; all but `layout` and
 * `architecture` are JSON.
 * - `raunet.layout`: `'NCDHW'` (input `[batch, channel, z, y, x]`).
 * - `raunet.patch_size`: `[x, y, z]` voxels, the sliding-window patch.
 * - `raunet.architecture`: `'raunet'` or `'unet'`.
 * - `raunet.preprocessing`: the preprocessing with every default filled in (intensity scale, HU window,
 *   normalization, spacing in mm as (x, y, z) or null for the native grid, in-plane size or null, anti-aliasing,
 *   reorientation, lung crop).
 * - `raunet.inference`: sliding-window overlap, flip TTA, blending, Gaussian sigma, threshold, minimum
 *   component size, with the defaults filled in.
 * - `raunet.model_info`: the model's own record as stored in its model.json (for an exact replay); for an
 *   ensemble the first member's, with the ensemble's inference settings.
 * - `raunet.members`: for an ensemble only, the number of networks whose probabilities the graph averages.
 */
export const ONNX_METADATA_KEYS = {
  layout: 'raunet.layout',
  patchSize: 'raunet.patch_size',
  architecture: 'raunet.architecture',
  preprocessing: 'raunet.preprocessing',
  inference: 'raunet.inference',
  modelInfo: 'raunet.model_info',
  members: 'raunet.members',
} as const;

/** What {@link readOnnxMetadata} finds in an ONNX model. */
export interface OnnxModelMetadata {
  /** All `metadata_props` entries. */
  metadata: Record<string, string>;
  /** Opset of the default domain. */
  opset: number;
  /** Graph input name. */
  inputName: string;
  /** Graph output name. */
  outputName: string;
  /** Input dims, a string for a symbolic dimension (`'batch'`). */
  inputDims: (number | string)[];
  /** Output dims, a string for a symbolic dimension. */
  outputDims: (number | string)[];
  /** Patch size (x, y, z) in voxels, from the input's spatial dims. */
  patchSize: [number, number, number];
  /** The RA-Unet record (`raunet.model_info`), when the model has one. */
  info?: RAUnetModelInfo;
  /** Networks averaged in the graph (`raunet.members`): 1 unless the model is an exported ensemble. */
  members: number;
}

function dims(v: Onnx.IValueInfoProto | undefined): (number | string)[] {
  return (v?.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
}

/**
 * Reads the metadata and the input/output signature of an ONNX model (the bytes of a `.onnx` file), e.g.
 * one written by {@link exportOnnx}.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when the bytes are not an ONNX model.
 * @throws {@link @raunet/core!UnsupportedError | UnsupportedError} when the model does not have one NCDHW input and one output.
 * @example
 * ```ts
 * const { patchSize, info } = readOnnxMetadata(await readFile('model.onnx'));
 * ```
 */
export function readOnnxMetadata(bytes: Uint8Array): OnnxModelMetadata {
  let model: Onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new InvalidArgumentError(`readOnnxMetadata: not an ONNX model (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  const graph = model.graph;
  if (!graph) throw new InvalidArgumentError('readOnnxMetadata: the ONNX model has no graph');
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name));
  const outputs = graph.output ?? [];
  if (inputs.length !== 1 || outputs.length !== 1) {
    throw new UnsupportedError(`readOnnxMetadata: the model must have one input and one output, received ${inputs.length} and ${outputs.length}`);
  }
  const inputDims = dims(inputs[0]);
  const outputDims = dims(outputs[0]);
  if (inputDims.length !== 5 || inputDims.slice(2).some((d) => typeof d !== 'number' || d < 1)) {
    throw new UnsupportedError(`readOnnxMetadata: the input must be [batch, channels, z, y, x] with a fixed patch size, received ${JSON.stringify(inputDims)}`);
  }
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  const layout = metadata[ONNX_METADATA_KEYS.layout];
  if (layout !== undefined && layout !== 'NCDHW') throw new UnsupportedError(`readOnnxMetadata: layout '${layout}' is not supported (NCDHW is)`);
  const rawInfo = metadata[ONNX_METADATA_KEYS.modelInfo];
  let info: RAUnetModelInfo | undefined;
  if (rawInfo !== undefined) {
    try {
      info = JSON.parse(rawInfo) as RAUnetModelInfo;
    } catch (error) {
      throw new InvalidArgumentError(`readOnnxMetadata: ${ONNX_METADATA_KEYS.modelInfo} is not JSON`, { cause: error });
    }
  }
  const rawMembers = metadata[ONNX_METADATA_KEYS.members];
  const members = rawMembers === undefined ? 1 : Number(rawMembers);
  if (!Number.isInteger(members) || members < 1)
    throw new InvalidArgumentError(`readOnnxMetadata: ${ONNX_METADATA_KEYS.members} must be a positive integer, received '${rawMembers}'`);
  const opset = Number((model.opsetImport ?? []).find((o) => !o.domain)?.version ?? 0);
  const [, , z, y, x] = inputDims as number[];
  return {
    metadata,
    opset,
    inputName: inputs[0].name ?? '',
    outputName: outputs[0].name ?? '',
    inputDims,
    outputDims,
    patchSize: [x, y, z],
    ...(info ? { info } : {}),
    members,
  };
}
