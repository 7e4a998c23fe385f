import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

/**
 * The generated protobuf classes of onnx.proto (ONNX 1.10, IR version 8) from `onnx-proto` (a CommonJS
 * module: its namespace is read from the default import).
 */
export const onnx: typeof Onnx = onnxProto.onnx;
export type { Onnx };

/** ONNX `TensorProto.DataType` values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** An attribute value: number (INT when an integer and `int` is asked), float, string or int list. */
export type AttributeValue = { int: number } | { float: number } | { string: string } | { ints: readonly number[] } | { floats: readonly number[] };

/** One dimension of a graph input or output: a fixed size or a symbolic name (`'batch'`). */
export type Dim = number | string;

function attribute(name: string, value: AttributeValue): Onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: A.INT, i: value.int };
  if ('float' in value) return { name, type: A.FLOAT, f: value.float };
  if ('string' in value) return { name, type: A.STRING, s: new TextEncoder().encode(value.string) };
  if ('ints' in value) return { name, type: A.INTS, ints: [...value.ints] };
  return { name, type: A.FLOATS, floats: [...value.floats] };
}

function valueInfo(name: string, dims: readonly Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/**
 * Collects the nodes, initializers, inputs and outputs of one ONNX graph with unique value names.
 * Tensor data is stored little-endian in `raw_data` (the ONNX convention on every platform we run on).
 */
export class GraphBuilder {
  private readonly nodes: Onnx.INodeProto[] = [];
  private readonly initializers: Onnx.ITensorProto[] = [];
  private readonly inputs: Onnx.IValueInfoProto[] = [];
  private readonly outputs: Onnx.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private scope = '';

  /** A value name not used yet, derived from `base` (after the current {@link GraphBuilder.inScope | scope}). */
  unique(base: string): string {
    const clean = (this.scope + base).replace(/[^A-Za-z0-9_./-]/g, '_');
    let name = clean;
    for (let i = 1; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }

  /**
   * Runs `build` with every name it creates prefixed by `prefix` (e.g. `member-1/`: the networks of an
   * ensemble keep their layer names apart and readable); the previous scope is restored after.
   */
  inScope<T>(prefix: string, build: () => T): T {
    const outer = this.scope;
    this.scope = outer + prefix;
    try {
      return build();
    } finally {
      this.scope = outer;
    }
  }

  /** Adds a float32 initializer of the given dims; returns its name. */
  float(base: string, data: Float32Array, dims: readonly number[]): string {
    const name = this.unique(base);
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push({ name, dataType: DataType.FLOAT, dims: [...dims], rawData: bytes });
    return name;
  }

  /** Adds a 1-D int64 initializer (shapes, pads, axes); returns its name. */
  int64(base: string, values: readonly number[]): string {
    const name = this.unique(base);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dataType: DataType.INT64, dims: [values.length], rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** Adds a scalar float32 initializer; returns its name. */
  scalar(base: string, value: number): string {
    return this.float(base, Float32Array.of(value), []);
  }

  /** Adds one node; returns the name of its (first) output, `outputBase` made unique. */
  node(opType: string, inputs: readonly string[], outputBase: string, attributes: Record<string, AttributeValue> = {}): string {
    const output = this.unique(outputBase);
    this.nodes.push({
      opType,
      name: output,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Declares a graph input (float32); the name is reserved. */
  input(name: string, dims: readonly Dim[]): string {
    const unique = this.unique(name);
    this.inputs.push(valueInfo(unique, dims));
    return unique;
  }

  /** Renames the value `from` to the graph output `name` (an Identity node) and declares it (float32). */
  output(from: string, name: string, dims: readonly Dim[]): string {
    const out = this.node('Identity', [from], name);
    this.outputs.push(valueInfo(out, dims));
    return out;
  }

  /** The graph. */
  build(name: string, docString: string): Onnx.IGraphProto {
    return { name, docString, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }

  /** Node count by operator type (for reports and tests). */
  opCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const n of this.nodes) counts[n.opType!] = (counts[n.opType!] ?? 0) + 1;
    return counts;
  }
}
