import type * as tf from '@tensorflow/tfjs';
import { UnsupportedError } from '@raunet/core';
import type { AttributeValue } from './graph-builder.js';
import type { Ops } from './ops.js';
import { convWeight, ncdhwAxis } from './layout.js';
import { samePads, symmetricPads, VALID, type AttentionWeights, type NormTensors, type Pads, type Triple, type Weight } from './ops.js';

/** A layer's weights by their short name (`conv1_kernel`, `gamma`, `rel_d`, ...). */
type Weights = Map<string, Weight>;

function readWeights(layer: tf.layers.Layer): Weights {
  const out: Weights = new Map();
  for (const w of layer.weights) {
    const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
    const value = w.read();
    out.set(short, { data: Float32Array.from(value.dataSync() as Float32Array), shape: [...value.shape] });
  }
  return out;
}

/** What a converter sees of one layer call: the layer, its config, input values and static shapes. */
export interface LayerCall {
  layer: tf.layers.Layer;
  config: tf.serialization.ConfigDict;
  /** ONNX value names of the inputs, in order. */
  inputs: string[];
  /** tfjs (NDHWC) input shapes, batch `null`. */
  inputShapes: (number | null)[][];
  /** tfjs (NDHWC) output shape. */
  outputShape: (number | null)[];
}

const triple = (v: unknown): Triple => (Array.isArray(v) ? (v as Triple) : [v as number, v as number, v as number]);
const spatialOf = (shape: (number | null)[]): Triple => [shape[1]!, shape[2]!, shape[3]!];
const channelsOf = (shape: (number | null)[]): number => shape[4]!;

function unsupported(call: LayerCall, what: string): never {
  throw new UnsupportedError(`exportOnnx: layer '${call.layer.name}' (${call.layer.getClassName()}): ${what} has no ONNX export`);
}

function normTensors(w: Weights, prefix: string): NormTensors {
  return {
    gamma: w.get(`${prefix}gamma`) ?? null,
    beta: w.get(`${prefix}beta`) ?? null,
    movingMean: w.get(`${prefix}moving_mean`) ?? null,
    movingVariance: w.get(`${prefix}moving_variance`) ?? null,
  };
}

function required(w: Weights, name: string, call: LayerCall): Weight {
  const v = w.get(name);
  if (!v) unsupported(call, `a missing weight '${name}'`);
  return v;
}

function activation(ops: Ops, x: string, kind: unknown, name: string, call: LayerCall): string {
  if (kind == null || kind === 'linear') return x;
  if (kind === 'relu') return ops.relu(x, name);
  if (kind === 'sigmoid') return ops.g.node('Sigmoid', [x], name);
  return unsupported(call, `activation ${JSON.stringify(kind)}`);
}

function conv3d(ops: Ops, call: LayerCall): string {
  const c = call.config;
  const w = readWeights(call.layer);
  const kernel = required(w, 'kernel', call);
  const dilation = triple(c['dilationRate'] ?? 1);
  if (dilation.some((d) => d !== 1)) unsupported(call, `dilation ${JSON.stringify(dilation)}`);
  if (c['dataFormat'] === 'channelsFirst') unsupported(call, 'channelsFirst data');
  const strides = triple(c['strides'] ?? 1);
  const k = kernel.shape.slice(0, 3);
  // tf.layers.conv3d runs tf.conv3d, whose 'same' padding is not clamped at 0 (see samePads).
  const pads: Pads = c['padding'] === 'same' ? samePads(spatialOf(call.inputShapes[0]), k, strides, false) : VALID;
  if (c['padding'] !== 'same' && c['padding'] !== 'valid') unsupported(call, `padding ${JSON.stringify(c['padding'])}`);
  const name = call.layer.name;
  const y = ops.conv(call.inputs[0], c['activation'] && c['activation'] !== 'linear' ? `${name}/conv` : name, kernel, c['useBias'] === false ? null : (w.get('bias') ?? null), strides, pads);
  return activation(ops, y, c['activation'], name, call);
}

/** What the block converters read first: config, weights, name, input and the normalization settings. */
function blockParts(call: LayerCall): {
  c: tf.serialization.ConfigDict;
  w: Weights;
  name: string;
  x: string;
  kind: string;
  epsilon: number;
  groups: number;
} {
  const c = call.config;
  const norm = { kind: c['normalization'] as string, epsilon: c['epsilon'] as number, groups: c['groups'] as number };
  return { c, w: readWeights(call.layer), name: call.layer.name, x: call.inputs[0], ...norm };
}

function residualBlock(ops: Ops, call: LayerCall): string {
  const { c, w, name, x, kind, epsilon, groups } = blockParts(call);
  const strides = triple(c['strides']);
  const kernel = triple(c['kernelSize']);
  const inSpatial = spatialOf(call.inputShapes[0]);
  const outSpatial = spatialOf(call.outputShape);
  const filters = c['filters'] as number;
  // Config saved before `padding` existed means TF 'same' (ResidualBlock3D.fromConfig does the same).
  const symmetric = (c['padding'] ?? 'same') === 'symmetric';
  const pads1 = symmetric ? symmetricPads(kernel) : samePads(inSpatial, kernel, strides, true);
  const pads2 = symmetric ? symmetricPads(kernel) : samePads(outSpatial, kernel, [1, 1, 1], true);
  let y = ops.conv(x, `${name}/conv1`, required(w, 'conv1_kernel', call), w.get('conv1_bias') ?? null, strides, pads1);
  y = ops.relu(ops.norm(kind, y, `${name}/norm1`, normTensors(w, 'norm1_'), epsilon, filters, groups, outSpatial), `${name}/relu1`);
  y = ops.conv(y, `${name}/conv2`, required(w, 'conv2_kernel', call), w.get('conv2_bias') ?? null, [1, 1, 1], pads2);
  y = ops.norm(kind, y, `${name}/norm2`, normTensors(w, 'norm2_'), epsilon, filters, groups, outSpatial);
  let shortcut = x;
  const projection = w.get('shortcut_kernel');
  if (projection) {
    // the shortcut is convSame with a 1x1x1 kernel: clamped TF 'same' padding is none, samples i * stride
    shortcut = ops.conv(x, `${name}/shortcut`, projection, w.get('shortcut_bias') ?? null, strides, samePads(inSpatial, [1, 1, 1], strides, true));
    shortcut = ops.norm(kind, shortcut, `${name}/shortcut_norm`, normTensors(w, 'shortcut_norm_'), epsilon, filters, groups, outSpatial);
  }
  return ops.relu(ops.add(y, shortcut, `${name}/add`), name);
}

function attentionWeights(w: Weights, call: LayerCall): AttentionWeights {
  const opt = (n: string): Weight | null => w.get(n) ?? null;
  return {
    wq: required(w, 'query_kernel', call),
    wk: required(w, 'key_kernel', call),
    wv: required(w, 'value_kernel', call),
    wo: opt('output_kernel'),
    bq: opt('query_bias'),
    bk: opt('key_bias'),
    bv: opt('value_bias'),
    bo: opt('output_bias'),
    relD: opt('rel_d'),
    relH: opt('rel_h'),
    relW: opt('rel_w'),
  };
}

function raBlock(ops: Ops, call: LayerCall): string {
  const { c, w, name, x, kind, epsilon, groups } = blockParts(call);
  const spatial = spatialOf(call.inputShapes[0]);
  const cin = channelsOf(call.inputShapes[0]);
  const bw = c['bottleneckFilters'] as number;
  let y = ops.pointwise(x, `${name}/reduce`, required(w, 'reduce_kernel', call), w.get('reduce_bias') ?? null);
  y = ops.relu(ops.norm(kind, y, `${name}/norm1`, normTensors(w, 'norm1_'), epsilon, bw, groups, spatial), `${name}/relu1`);
  y = ops.attention(y, `${name}/attention`, attentionWeights(w, call), c['heads'] as number, spatial);
  y = ops.relu(ops.norm(kind, y, `${name}/norm2`, normTensors(w, 'norm2_'), epsilon, bw, groups, spatial), `${name}/relu2`);
  y = ops.pointwise(y, `${name}/expand`, required(w, 'expand_kernel', call), w.get('expand_bias') ?? null);
  y = ops.norm(kind, y, `${name}/norm3`, normTensors(w, 'norm3_'), epsilon, cin, groups, spatial);
  return ops.relu(ops.add(y, x, `${name}/add`), name);
}

function normLayer(kind: string): (ops: Ops, call: LayerCall) => string {
  return (ops, call) => {
    const c = call.config;
    const channels = channelsOf(call.inputShapes[0]);
    const groups = (c['groups'] as number | undefined) ?? 1;
    return ops.norm(kind, call.inputs[0], call.layer.name, normTensors(readWeights(call.layer), ''), c['epsilon'] as number, channels, groups, spatialOf(call.inputShapes[0]));
  };
}

function upSampling(ops: Ops, call: LayerCall): string {
  const size = triple(call.config['size']);
  const scales = ops.g.float(`${call.layer.name}/scales`, Float32Array.of(1, 1, ...size), [5]);
  // half-pixel linear with edge clamping = PyTorch align_corners=False = our 'trilinear'
  const attributes: Record<string, AttributeValue> =
    call.config['interpolation'] === 'nearest'
      ? { mode: { string: 'nearest' }, coordinate_transformation_mode: { string: 'asymmetric' }, nearest_mode: { string: 'floor' } }
      : { mode: { string: 'linear' }, coordinate_transformation_mode: { string: 'half_pixel' } };
  return ops.g.node('Resize', [call.inputs[0], '', scales], call.layer.name, attributes);
}

function conv3dTranspose(ops: Ops, call: LayerCall): string {
  const c = call.config;
  const w = readWeights(call.layer);
  const kernel = required(w, 'kernel', call);
  const strides = triple(c['strides'] ?? 1);
  const k = kernel.shape.slice(0, 3);
  if (triple(c['dilationRate'] ?? 1).some((d) => d !== 1)) unsupported(call, 'dilation');
  if (c['dataFormat'] === 'channelsFirst') unsupported(call, 'channelsFirst data');
  if (k.some((v, i) => v < strides[i])) unsupported(call, `a kernel ${JSON.stringify(k)} smaller than its strides ${JSON.stringify(strides)}`);
  // 'valid': (n - 1) * s + k; 'same': n * s, the forward convolution's TF 'same' padding (k - s, smaller half first)
  const total = c['padding'] === 'same' ? k.map((v, i) => v - strides[i]) : [0, 0, 0];
  const name = call.layer.name;
  // tfjs [kd, kh, kw, out, in] -> ONNX ConvTranspose [in, out, kd, kh, kw]: the same permutation as Conv's
  const weight = convWeight(kernel.data, kernel.shape);
  const inputs = [call.inputs[0], ops.g.float(`${name}/W`, weight.data, weight.shape)];
  const bias = c['useBias'] === false ? null : (w.get('bias') ?? null);
  if (bias) inputs.push(ops.g.float(`${name}/B`, bias.data, [bias.data.length]));
  const activated = c['activation'] && c['activation'] !== 'linear';
  const y = ops.g.node('ConvTranspose', inputs, activated ? `${name}/conv` : name, {
    kernel_shape: { ints: k },
    strides: { ints: strides },
    pads: { ints: [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))] },
  });
  return activation(ops, y, c['activation'], name, call);
}

type Converter = (ops: Ops, call: LayerCall) => string;

/** Converters by tfjs class name; each returns the ONNX value of the layer's output. */
export const CONVERTERS: Readonly<Record<string, Converter>> = {
  Conv3D: conv3d,
  ReLU: (ops, call) => {
    const c = call.config;
    if ((c['maxValue'] ?? null) !== null) unsupported(call, 'a capped ReLU (maxValue)');
    return ops.relu(call.inputs[0], call.layer.name);
  },
  Activation: (ops, call) => activation(ops, call.inputs[0], call.config['activation'], call.layer.name, call),
  Concatenate: (ops, call) => ops.g.node('Concat', call.inputs, call.layer.name, { axis: { int: ncdhwAxis((call.config['axis'] as number) ?? -1) } }),
  Add: (ops, call) => call.inputs.slice(1).reduce((acc, v, i) => ops.add(acc, v, i === call.inputs.length - 2 ? call.layer.name : `${call.layer.name}/${i}`), call.inputs[0]),
  Conv3DTranspose: conv3dTranspose,
  'raunet>ZeroPadding3D': (ops, call) => {
    const p = call.config['padding'] as [number, number][];
    return ops.pad(call.inputs[0], call.layer.name, { begin: p.map((a) => a[0]) as Triple, end: p.map((a) => a[1]) as Triple });
  },
  'raunet>BatchNorm3D': normLayer('batch'),
  'raunet>InstanceNorm3D': normLayer('instance'),
  'raunet>GroupNorm3D': normLayer('group'),
  'raunet>ResidualBlock3D': residualBlock,
  'raunet>RABlock3D': raBlock,
  'raunet>MultiHeadSelfAttention3D': (ops, call) =>
    ops.attention(call.inputs[0], call.layer.name, attentionWeights(readWeights(call.layer), call), call.config['heads'] as number, spatialOf(call.inputShapes[0])),
  'raunet>TrilinearUpSampling3D': upSampling,
};
