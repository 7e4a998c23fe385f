import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';

/** The parts of tfjs-backend-cpu's MathBackendCPU the kernels use. */
export interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

/** Per-kernel call counters, for `nativeKernelsStatus()`. */
export interface KernelCounters {
  /** Calls that ran in the native addon. */
  native: number;
  /** Calls that ran the original JS kernel (an uncovered case or a native error). */
  fallback: number;
  /**
   * Native calls that ran in bf16 (with f32 accumulation) because inference asked for it (the
   * `RAUNET_INFERENCE_BF16` flag); absent when none did.
   */
  bf16?: number;
  /** Why the last fallback happened. */
  lastFallbackReason?: string;
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Everything a native kernel needs besides its arguments. */
export interface KernelContext {
  addon: NativeAddon;
  counters: Map<string, KernelCounters>;
  /** A Float32Array for an output the kernel overwrites completely (contents undefined). */
  allocate(size: number): Float32Array;
  /** Whether inference asks for bf16 now (the `RAUNET_INFERENCE_BF16` tfjs flag). */
  bf16Requested(): boolean;
  /** Called with the backend of every call (the buffer pool hooks its data entries once). */
  useBackend(backend: CpuBackendLike): void;
}

/**
 * The Float32Array data of a float32 tensor. The cpu backend's Cast keeps a bool tensor's Uint8Array
 * under dtype float32 (e.g. `tf.cast(tf.greater(a, b), 'float32')`): such 0/1 data is converted (exact).
 * Other dtypes and data: undefined.
 */
export function values(backend: CpuBackendLike, t: tf.TensorInfo): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const v = backend.data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  return v instanceof Uint8Array ? Float32Array.from(v) : undefined;
}

export function count(ctx: KernelContext, name: string, native: boolean, reason?: string): void {
  let c = ctx.counters.get(name);
  if (c === undefined) {
    c = { native: 0, fallback: 0 };
    ctx.counters.set(name, c);
  }
  if (native) c.native++;
  else {
    c.fallback++;
    c.lastFallbackReason = reason;
  }
}

/** Counts a native call of `name` that ran in bf16 (see {@link KernelCounters.bf16}). */
export function countBf16(ctx: KernelContext, name: string): void {
  let c = ctx.counters.get(name);
  if (c === undefined) {
    c = { native: 0, fallback: 0 };
    ctx.counters.set(name, c);
  }
  c.bf16 = (c.bf16 ?? 0) + 1;
}

/**
 * Wraps a native kernel body: `run` returns `undefined` for a case it does not cover (or throws), and the
 * JS kernel `js` then runs instead; calls are counted either way.
 */
export function withFallback(
  name: string,
  ctx: KernelContext,
  js: tf.KernelFunc,
  run: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] | undefined,
): tf.KernelFunc {
  return (args: KernelArgs) => {
    let out: tf.TensorInfo | tf.TensorInfo[] | undefined;
    let reason = 'unsupported case (dtype, size, dilations or shape)';
    try {
      ctx.useBackend(args.backend as CpuBackendLike);
      out = run(args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const shapes = Object.entries(args.inputs)
        .map(([k, t]) => `${k} [${(t?.shape ?? []).join(', ')}]`)
        .join(', ');
      reason = `${message} (${shapes}, attrs ${JSON.stringify(args.attrs ?? {})})`;
    }
    if (out !== undefined) {
      count(ctx, name, true);
      return out;
    }
    count(ctx, name, false, reason);
    return js(args);
  };
}
