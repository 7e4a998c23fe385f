import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, UnsupportedError } from '@raunet/core';
import '@raunet/layers-3d';
import {
  defaultInferenceSettings,
  defaultPreprocessing,
  ensemblePatchPredictor,
  getModelInfo,
  tfjsPatchPredictor,
  type InferenceSettings,
  type RAUnetModelInfo,
} from '@raunet/raunet';
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
  /**
   * Inference settings written to the metadata in place of the (first) model's, field by field: e.g. an
   * ensemble's own threshold and post-processing (the `inference` of its `ensemble.json`). Needs models
   * with RA-Unet metadata. @defaultValue the (first) model's
   */
  inference?: InferenceSettings;
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
  /** Number of networks in the graph: 1, or an ensemble's members (their outputs averaged by one `Mean` node). */
  members: number;
}

interface InboundNode {
  inboundLayers: tf.layers.Layer[];
  tensorIndices: number[];
  inputShapes: (number | null)[] | (number | null)[][];
}

function modelMetadata(info: RAUnetModelInfo | undefined, patchSize: [number, number, number], members: number): Record<string, string> {
  const k = ONNX_METADATA_KEYS;
  const meta: Record<string, string> = {
    [k.layout]: 'NCDHW',
    [k.patchSize]: JSON.stringify(patchSize),
  };
  if (members > 1) meta[k.members] = JSON.stringify(members);
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
 * Given several models (an ensemble, e.g. `raunet ensemble`'s members or the folds of a cross-validation),
 * one graph holds every network on the one input, their node names prefixed `member-i/`, and a `Mean` node
 * averages their probabilities: the file gives what `ensemblePatchPredictor` gives, in one session. The
 * members must share the patch size, the output classes and the stored preprocessing; the metadata is the
 * first member's (its inference settings replaced by `options.inference`), plus `raunet.members`.
 *
 * @throws {@link @raunet/core!UnsupportedError | UnsupportedError} naming the layer when a layer or a setting
 * has no ONNX form here (e.g. a dilated convolution, a nested model).
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} for no model, or members that differ in
 * patch size, output classes or preprocessing (naming the first that differs).
 * @example
 * ```ts
 * const model = await loadModel('runs/raunet/best'); // one network's folder
 * const { bytes, opCounts } = exportOnnx(model);
 * await writeFile('raunet.onnx', bytes);
 * // two models in one graph, averaged, with the ensemble's own threshold (a saved ensemble folder: exportOnnxDir)
 * const members = await Promise.all(['runs/fold-0/model', 'runs/fold-1/model'].map((d) => loadModel(d)));
 * await writeFile('folds.onnx', exportOnnx(members, { inference: { threshold: 0.3 } }).bytes);
 * ```
 */
export function exportOnnx(model: tf.LayersModel | readonly tf.LayersModel[], options: ExportOnnxOptions = {}): ExportOnnxResult {
  const models: readonly tf.LayersModel[] = Array.isArray(model) ? model : [model as tf.LayersModel];
  if (models.length === 0) throw new InvalidArgumentError('exportOnnx: no model given (an ensemble needs at least one member)');
  const shapes = models.map((m, i) => networkShapes(m, models.length > 1 ? `member ${i}` : 'the model'));
  const [{ input: inputShape, output: outShape }] = shapes;
  shapes.forEach(({ input, output }, i) => {
    if (input.join() !== inputShape.join() || output.join() !== outShape.join())
      throw new InvalidArgumentError(
        `exportOnnx: member ${i} maps [${input.join(', ')}] to [${output.join(', ')}], member 0 [${inputShape.join(', ')}] to [${outShape.join(', ')}]: the members of an ensemble must share their patch size and output classes`,
      );
  });
  const info = ensembleInfo(models, options.inference);
  const [pz, py, px, channels] = inputShape;
  const patchSize: [number, number, number] = [px, py, pz];
  const inputName = options.inputName ?? 'ct';
  const outputName = options.outputName ?? 'probability';
  const g = new GraphBuilder();
  const ops = new Ops(g);
  const x = g.input(inputName, ['batch', channels, pz, py, px]);
  const outputs = models.map((m, i) => (models.length === 1 ? convertNetwork(ops, m, x) : g.inScope(`member-${i}/`, () => convertNetwork(ops, m, x))));
  const y = outputs.length === 1 ? outputs[0] : g.node('Mean', outputs, 'ensemble_mean');
  g.output(y, outputName, ['batch', outShape[3], pz, py, px]);
  const metadata = { ...modelMetadata(info, patchSize, models.length), ...options.metadata };
  const what = models.length === 1 ? models[0].name : `an ensemble of ${models.length} networks (${models.map((m) => m.name).join(', ')}), their probabilities averaged,`;
  const doc =
    `${what} exported by @raunet/onnx. Input '${inputName}' float32 [batch, ${channels}, ${pz}, ${py}, ${px}] ` +
    `(NCDHW: [batch, channel, z, y, x]), the preprocessed CT patch; output '${outputName}' float32 [batch, ${outShape[3]}, ${pz}, ${py}, ${px}], sigmoid probabilities. ` +
    `See metadata_props for the preprocessing and the sliding-window settings.`;
  const proto: Onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: options.producerName ?? '@raunet/onnx',
    producerVersion: '0',
    docString: doc,
    graph: g.build(models.length === 1 ? models[0].name : 'ensemble', doc),
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
  return { bytes, inputName, outputName, patchSize, metadata, opCounts: g.opCounts(), members: models.length };
}

/** Input `[z, y, x, channels]` and output `[z, y, x, classes]` of one network, checked to be exportable. */
function networkShapes(model: tf.LayersModel, which: string): { input: number[]; output: number[] } {
  if (!model || !Array.isArray(model.layers) || !Array.isArray(model.inputs)) {
    throw new InvalidArgumentError(`exportOnnx: ${which} must be a tf.LayersModel`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UnsupportedError(`exportOnnx: ${which} must have one input and one output, received ${model.inputs.length} and ${model.outputs.length}`);
  }
  const inputShape = model.inputs[0].shape;
  if (inputShape.length !== 5 || inputShape.slice(1).some((d) => d == null)) {
    throw new UnsupportedError(`exportOnnx: the input of ${which} must be [batch, z, y, x, channels] with a fixed patch size, received ${JSON.stringify(inputShape)}`);
  }
  return { input: inputShape.slice(1) as number[], output: (model.outputs[0].shape as number[]).slice(1) };
}

/**
 * The RA-Unet record the metadata carries: the model's, or for an ensemble (or with `inference` given) the
 * first member's with the inference settings replaced, after `ensemblePatchPredictor`'s own checks that the
 * members agree (one home for those rules).
 */
function ensembleInfo(models: readonly tf.LayersModel[], inference: InferenceSettings | undefined): RAUnetModelInfo | undefined {
  if (models.length === 1 && !inference) return getModelInfo(models[0]);
  try {
    // fp32: only the members' records are read here, nothing is predicted
    const predictors = models.map((m) => tfjsPatchPredictor(m, { precision: 'fp32' }));
    return ensemblePatchPredictor(predictors, inference ? { inference } : {}).info;
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`exportOnnx: ${error.message.replace(/^ensemblePatchPredictor: /, '')}`, { cause: error });
    throw error;
  }
}

/** Adds one network's nodes on the graph input `input`; returns the name of its output value. */
function convertNetwork(ops: Ops, model: tf.LayersModel, input: string): string {
  const values = new Map<string, string>();
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') {
      values.set(layer.name, input);
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
  return values.get(model.outputs[0].sourceLayer.name)!;
}
