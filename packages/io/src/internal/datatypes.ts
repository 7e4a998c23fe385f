import type { VoxelData } from '@raunet/core';

/** Names of the NIfTI datatypes this package reads (and, except the complex/colour ones, writes). */
export type NiftiDatatypeName =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'complex64'
  | 'complex128'
  | 'rgb24'
  | 'rgba32';

/** What one NIfTI datatype code means for decoding. */
export interface DatatypeInfo {
  readonly code: number;
  readonly name: NiftiDatatypeName;
  /** Bytes of one stored scalar (one component). */
  readonly scalarBytes: number;
  /** Scalars per voxel: 2 for complex, 3 for RGB, 4 for RGBA, else 1. */
  readonly components: number;
  /** The typed array that holds the stored values. */
  readonly array: 'Int8Array' | 'Uint8Array' | 'Int16Array' | 'Uint16Array' | 'Int32Array' | 'Uint32Array' | 'BigInt64Array' | 'BigUint64Array' | 'Float32Array' | 'Float64Array';
  /** True when scl_slope / scl_inter apply (every type but RGB). */
  readonly scalable: boolean;
}

const TABLE: DatatypeInfo[] = [
  { code: 2, name: 'uint8', scalarBytes: 1, components: 1, array: 'Uint8Array', scalable: true },
  { code: 4, name: 'int16', scalarBytes: 2, components: 1, array: 'Int16Array', scalable: true },
  { code: 8, name: 'int32', scalarBytes: 4, components: 1, array: 'Int32Array', scalable: true },
  { code: 16, name: 'float32', scalarBytes: 4, components: 1, array: 'Float32Array', scalable: true },
  { code: 32, name: 'complex64', scalarBytes: 4, components: 2, array: 'Float32Array', scalable: true },
  { code: 64, name: 'float64', scalarBytes: 8, components: 1, array: 'Float64Array', scalable: true },
  { code: 128, name: 'rgb24', scalarBytes: 1, components: 3, array: 'Uint8Array', scalable: false },
  { code: 256, name: 'int8', scalarBytes: 1, components: 1, array: 'Int8Array', scalable: true },
  { code: 512, name: 'uint16', scalarBytes: 2, components: 1, array: 'Uint16Array', scalable: true },
  { code: 768, name: 'uint32', scalarBytes: 4, components: 1, array: 'Uint32Array', scalable: true },
  { code: 1024, name: 'int64', scalarBytes: 8, components: 1, array: 'BigInt64Array', scalable: true },
  { code: 1280, name: 'uint64', scalarBytes: 8, components: 1, array: 'BigUint64Array', scalable: true },
  { code: 1792, name: 'complex128', scalarBytes: 8, components: 2, array: 'Float64Array', scalable: true },
  { code: 2304, name: 'rgba32', scalarBytes: 1, components: 4, array: 'Uint8Array', scalable: false },
];

/** Datatype codes NIfTI defines that this package refuses, with a readable name for the error. */
export const UNSUPPORTED_DATATYPES: Readonly<Record<number, string>> = {
  0: 'unknown (0)',
  1: 'binary (1 bit per voxel)',
  255: 'all (255)',
  1536: 'float128',
  2048: 'complex256',
};

const BY_CODE = new Map(TABLE.map((t) => [t.code, t]));
const BY_NAME = new Map(TABLE.map((t) => [t.name, t]));

export function datatypeByCode(code: number): DatatypeInfo | undefined {
  return BY_CODE.get(code);
}

export function datatypeByName(name: string): DatatypeInfo | undefined {
  return BY_NAME.get(name as NiftiDatatypeName);
}

/** Constructors by array name. */
export const ARRAY_CTORS = {
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
  Float32Array,
  Float64Array,
} as const;

/** The datatype matching a typed array and a component count (for the writer's default). */
export function datatypeForData(data: VoxelData, components: number): DatatypeInfo | undefined {
  // instanceof rather than constructor names: a Node Buffer is a Uint8Array named 'Buffer'.
  const name = (Object.keys(ARRAY_CTORS) as (keyof typeof ARRAY_CTORS)[]).find((k) => data instanceof ARRAY_CTORS[k]);
  return TABLE.find((t) => t.array === name && t.components === components);
}
