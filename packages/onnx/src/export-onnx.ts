import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, UnsupportedError } from '@raunet/core';
import '@raunet/layers-3d';
import { defaultInferenceSettings, defaultPreprocessing, getModelInfo } from '@raunet/raunet';
import { CONVERTERS, type LayerCall } from './internal/convert-layer.js';
import { GraphBuilder, onnx, type Onnx } from './internal/graph-builder.js';
import { Ops } from './internal/ops.js';
import { ONNX_METADATA_KEYS } from './onnx-metadata.js';

/** The ONNX operator set the export targets (default domain). */
export const ONNX_OPSET = 17;

/** ONNX IR version written (IR 8 goes with opsets 17 and 18). */
export const ONNX_IR_VERSION = 8;

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** Name of the graph input. @defaultValue 'ct' */
  inputName?: string;
  /** Name of the graph output. @defaultValue 'probability' */
  outputName?: string;
  /** Extra `metadata_props` entries (string values), added after (and overriding) the model's own. @defaultValue {} */
  metadata?: Record<string, string>;
  /** `producer_name` of the ONNX model. @defaultValue '@raunet/onnx' */
  producerName?: string;
}

/** Result of {@link exportOnnx}. */
export interface ExportOnnxResult {
  /** The serialized `ModelProto` (the bytes of a `.onnx` file). */
  bytes: Uint8Array;
  /** Name of the graph input, float32 `[batch, channels, z, y, x]` (NCDHW). */
  inputName: string;
  /** Name of the graph output, float32 `[batch, classes, z, y, x]` (NCDHW). */
  outputName: string;
  /** Patch size (x, y, z) in voxels, fixed by the model (the batch is dynamic). */
  patchSize: [number, number, number];
  /** The `metadata_props` written. */
  metadata: Record<string, string>;
  /** Number of graph nodes per operator type. */
  opCounts: Record<string, number>;
}

interface InboundNode {
  inboundLayers: tf.layers.Layer[];
  tensorIndices: number[];
  inputShapes: (number | null)[] | (number | null)[][];
}

function modelMetadata(model: tf.LayersModel, patchSize: [number, number, number]): Record<string, string> {
  const info = getModelInfo(model);
  const k = ONNX_METADATA_KEYS;
  const meta: Record<string, string> = {
    [k.layout]: 'NCDHW',
    [k.patchSize]: JSON.stringify(patchSize),
  };
  if (!info) return meta;
  meta[k.architecture] = info.architecture;
  meta[k.preprocessing] = JSON.stringify({ ...defaultPreprocessing, spacing: null, inPlaneSize: null, ...info.preprocessing });
  meta[k.inference] = JSON.stringify({ ...defaultInferenceSettings, ...info.inference });
  meta[k.modelInfo] = JSON.stringify(info);
  return meta;
}

/**
 * Converts an RA-Unet or 3D U-Net (any `tf.LayersModel` made of `tf.layers.conv3d`, `conv3dTranspose`,
 * `reLU`, `concatenate`, `add` and the layers of `@raunet/layers-3d`) to an ONNX model, opset 17:
 * - layout NCDHW: input `ct` `[batch, channels, z, y, x]`, output `probability` `[batch, classes, z, y, x]`,
 *   weights transposed at export (a one-channel NDHWC patch has the same bytes, so a caller holding tfjs
 *   input data passes it as is);
 * - the batch dimension is dynamic (`batch`), the spatial size is the model's patch size;
 * - every layer maps to standard operators: `Conv`, `Pad`, `BatchNormalization` (moving statistics, the
 *   layer's epsilon), `InstanceNormalization`, group norm as `Reshape` + `InstanceNormalization` + affine,
 *   `Relu`, `Add`, `Resize` (linear, half-pixel: PyTorch's `align_corners=False`), `Concat`, the attention as
 *   `MatMul` / `Softmax` / `Add` with its relative position code, `Sigmoid`;
 * - `metadata_props` holds the layout, patch size, architecture, preprocessing and inference settings
 *   (keys in {@link ONNX_METADATA_KEYS}; values JSON).
 * The protobuf is written by `onnx-proto` (protobufjs). The model is read, not changed.
 *
 * @throws {@link @raunet/core!UnsupportedError | UnsupportedError} naming the layer when a layer or a setting
 * has no ONNX form here (e.g. a dilated convolution, a nested model).
 * @example
 * ```ts
 * const model = await loadModel(shippedModelDir('lidc-nodules'));
 * const { bytes, opCounts } = exportOnnx(model);
 * await writeFile('lidc-nodules.onnx', bytes);
 * ```
 */
export function exportOnnx(model: tf.LayersModel, options: ExportOnnxOptions = {}): ExportOnnxResult {
  if (!model || !Array.isArray(model.layers) || !Array.isArray(model.inputs)) {
    throw new InvalidArgumentError('exportOnnx: model must be a tf.LayersModel');
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UnsupportedError(`exportOnnx: the model must have one input and one output, received ${model.inputs.length} and ${model.outputs.length}`);
  }
  const inputShape = model.inputs[0].shape;
  if (inputShape.length !== 5 || inputShape.slice(1).some((d) => d == null)) {
    throw new UnsupportedError(`exportOnnx: the input must be [batch, z, y, x, channels] with a fixed patch size, received ${JSON.stringify(inputShape)}`);
  }
  const [, pz, py, px, channels] = inputShape as number[];
  const patchSize: [number, number, number] = [px, py, pz];
  const inputName = options.inputName ?? 'ct';
  const outputName = options.outputName ?? 'probability';
  const g = new GraphBuilder();
  const ops = new Ops(g);
  const values = new Map<string, string>();
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') {
      values.set(layer.name, g.input(inputName, ['batch', channels, pz, py, px]));
      continue;
    }
    const nodes = layer.inboundNodes as unknown as InboundNode[];
    if (nodes.length !== 1) {
      throw new UnsupportedError(`exportOnnx: layer '${layer.name}' (${className}) is called ${nodes.length} times; shared layers have no export`);
    }
    const convert = CONVERTERS[className];
    if (!convert) {
      throw new UnsupportedError(
        `exportOnnx: layer '${layer.name}' of class ${className} has no ONNX export (supported: ${Object.keys(CONVERTERS).join(', ')})`,
      );
    }
    const node = nodes[0];
    const inputs = node.inboundLayers.map((l, i) => {
      if (node.tensorIndices[i] !== 0) throw new UnsupportedError(`exportOnnx: layer '${layer.name}' reads a second output of '${l.name}'`);
      const v = values.get(l.name);
      if (!v) throw new UnsupportedError(`exportOnnx: layer '${layer.name}' reads '${l.name}', which is not converted before it`);
      return v;
    });
    const shapes = (Array.isArray(node.inputShapes[0]) ? node.inputShapes : [node.inputShapes]) as (number | null)[][];
    const outputShape = layer.outputShape as (number | null)[];
    const call: LayerCall = { layer, config: layer.getConfig(), inputs, inputShapes: shapes, outputShape };
    values.set(layer.name, convert(ops, call));
  }
  const outputLayer = model.outputs[0].sourceLayer.name;
  const outShape = model.outputs[0].shape as number[];
  g.output(values.get(outputLayer)!, outputName, ['batch', outShape[4], outShape[1], outShape[2], outShape[3]]);
  const metadata = { ...modelMetadata(model, patchSize), ...options.metadata };
  const doc =
    `${model.name} exported by @raunet/onnx. Input '${inputName}' float32 [batch, ${channels}, ${pz}, ${py}, ${px}] ` +
    `(NCDHW: [batch, channel, z, y, x]), the preprocessed CT patch; output '${outputName}' float32 [batch, ${outShape[4]}, ${pz}, ${py}, ${px}], sigmoid probabilities. ` +
    `See metadata_props for the preprocessing and the sliding-window settings.`;
  const proto: Onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: options.producerName ?? '@raunet/onnx',
    producerVersion: '0',
    docString: doc,
    graph: g.build(model.name, doc),
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
  return { bytes, inputName, outputName, patchSize, metadata, opCounts: g.opCounts() };
}
