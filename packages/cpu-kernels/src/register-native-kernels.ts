import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, PRECISION_FLAGS } from '@raunet/core';
import { totalmem } from 'node:os';
import { loadAddon } from './internal/addon.js';
import { BufferPool } from './internal/buffer-pool.js';
import type { BufferPoolStats } from './internal/buffer-pool.js';
import type { NativeAddon } from './internal/addon.js';
import { makeConv3DKernel } from './internal/conv3d-kernels.js';
import type { CpuBackendLike, KernelContext, KernelCounters } from './internal/kernel-common.js';
import { ELEMENTWISE_KERNELS, makeElementwiseKernel } from './internal/elementwise-kernels.js';
import { makeBatchMatMulKernel } from './internal/batch-mat-mul-kernel.js';
import { installReduceGradients } from './internal/reduce-gradients.js';
import { CHANNEL_AFFINE_KERNEL, makeChannelAffineKernel } from './internal/channel-affine-kernel.js';
import { ATTENTION_KERNEL, makeAttentionKernel } from './internal/attention-kernel.js';
import { LINEAR_UPSAMPLE_KERNEL, makeLinearUpsampleKernel } from './internal/linear-upsample-kernel.js';

const CONV_KERNELS = ['Conv3D', 'Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'] as const;

/**
 * Names of the tfjs `cpu` kernels this package can replace with native ones: 3D convolution and its two
 * gradients (oneDNN), then, by their measured share of an RA-Unet training step, batched matmul (oneDNN;
 * layers-3d runs 1x1x1 convolutions as matmuls), relu and its gradient, unary math ops, concat and stack,
 * broadcasting binary ops,
 * axis reductions and the strided copies behind slice / concat / stack gradients (OpenMP C++ loops).
 * Float32 only; other dtypes, small tensors and uncovered cases run the original JS kernel. Last, three
 * kernels tfjs does not have, which this package adds and `@raunet/layers-3d` calls when a backend provides
 * them: `RaunetChannelAffine`, the one-pass epilogue of a batch norm in inference (`act(x * scale + shift
 * (+ residual))`, layers-3d's `CHANNEL_AFFINE_KERNEL`), `RaunetAttention`, softmax attention in inference one
 * query row at a time without the [L, L] logits (layers-3d's `ATTENTION_KERNEL`), and `RaunetLinearUpsample`,
 * linear upsampling along one axis and its gradient, in training and inference (layers-3d's
 * `LINEAR_UPSAMPLE_KERNEL`).
 */
export const NATIVE_KERNEL_NAMES = [...CONV_KERNELS, 'BatchMatMul', ...ELEMENTWISE_KERNELS, CHANNEL_AFFINE_KERNEL, ATTENTION_KERNEL, LINEAR_UPSAMPLE_KERNEL] as const;

/** The kernels this package adds (tfjs has none of these names), with their makers. */
const ADDED_KERNELS: ReadonlyMap<string, (ctx: KernelContext) => tf.KernelConfig> = new Map([
  [CHANNEL_AFFINE_KERNEL, makeChannelAffineKernel],
  [ATTENTION_KERNEL, makeAttentionKernel],
  [LINEAR_UPSAMPLE_KERNEL, makeLinearUpsampleKernel],
]);

/** Outputs of at least this many elements come from the buffer pool (256 KiB). */
const POOL_MIN_ELEMENTS = 1 << 16;

/** One of {@link NATIVE_KERNEL_NAMES}. */
export type NativeKernelName = (typeof NATIVE_KERNEL_NAMES)[number];

/** Options of {@link registerNativeKernels}. */
export interface RegisterNativeKernelsOptions {
  /**
   * Number of OpenMP threads oneDNN uses. Without it, oneDNN's default applies: `OMP_NUM_THREADS` when
   * set, otherwise one thread per core.
   * @defaultValue `OMP_NUM_THREADS`, else the number of cores
   */
  threads?: number;
  /**
   * Which kernels to replace.
   * @defaultValue all of {@link NATIVE_KERNEL_NAMES}
   */
  kernels?: readonly NativeKernelName[];
  /**
   * Path of the compiled addon (`raunet_cpu_kernels.node`).
   * @defaultValue `build/Release/raunet_cpu_kernels.node` in this package
   */
  addonPath?: string;
  /**
   * Tune glibc malloc so that large freed blocks are kept and reused instead of being unmapped and
   * mapped again: `mallopt(M_MMAP_MAX, 0)` and `M_TRIM_THRESHOLD` of 2 GiB, process-wide. Every new
   * tensor (native or JS kernel) then reuses already-faulted pages; in this VM a fresh 75 MB buffer costs
   * several times its fill time in page faults. The process keeps up to 2 GiB of freed memory;
   * {@link unregisterNativeKernels} restores glibc's defaults. No effect off glibc.
   * @defaultValue true
   */
  retainFreedMemory?: boolean;
  /**
   * Most bytes of recycled output buffers kept for reuse. Outputs of the native kernels (64 Ki elements
   * and more) come from a pool: when tfjs disposes a tensor (its last data entry), the buffer goes back to
   * the pool and the next output of the same size reuses its memory at once, instead of waiting for V8's
   * GC and paying a calloc memset or fresh page faults (the dominant cost of elementwise ops on large
   * activations). Buffers read out through `dataSync()` / `data()` are never reused. 0 turns the pool off.
   * @defaultValue three quarters of the machine's memory (`os.totalmem() * 3 / 4`): a training loop needs its peak memory again at every step, so what the pool keeps between steps is at most that peak
   */
  bufferPoolBytes?: number;
}

/** What {@link registerNativeKernels} and {@link nativeKernelsStatus} report. */
export interface NativeKernelsReport {
  /** Whether the native kernels are registered (false: everything runs on tfjs's JS kernels). */
  loaded: boolean;
  /** Why they are not loaded, when `loaded` is false. */
  reason?: string;
  /** Names of the tfjs `cpu` kernels currently replaced, and of the kernel added (empty when not loaded). */
  kernels: string[];
  /** The native library doing the work. */
  library: 'onednn';
  /** Version of the native library, e.g. `2.6.3`, when the addon loaded. */
  libraryVersion?: string;
  /**
   * Instruction set oneDNN dispatches to at run time on this CPU (e.g. `avx2`, `avx512_core`), when the
   * addon loaded. Limit it with the environment variable `ONEDNN_MAX_CPU_ISA` (e.g. `AVX2`).
   */
  isa?: string;
  /**
   * Whether bf16 inference is available: the native `Conv3D` is registered and this CPU has native bf16
   * dot products (AVX512_BF16, `isa` `avx512_core_bf16` or later). Only then does a bf16 request (the
   * `RAUNET_INFERENCE_BF16` tfjs flag, set by `predictVolume({ precision: 'bf16' })` of `@raunet/raunet`)
   * take effect; without it such a request runs float32. `ONEDNN_MAX_CPU_ISA=AVX512_CORE` turns it off.
   */
  bf16: boolean;
  /** Number of threads oneDNN uses (0 when the addon did not load). */
  threads: number;
  /** Whether glibc malloc was tuned to keep freed memory (see {@link RegisterNativeKernelsOptions.retainFreedMemory}). */
  retainFreedMemory: boolean;
  /** Output-buffer pool counters (see {@link RegisterNativeKernelsOptions.bufferPoolBytes}), when loaded. */
  bufferPool?: BufferPoolStats;
  /** Path of the loaded addon file. */
  addonFile?: string;
  /**
   * Calls since registration, per kernel name: `native` ran in the addon, `fallback` went to the JS kernel
   * (unsupported case such as dilations other than 1, or a native error, given in `lastFallbackReason`).
   */
  calls: Record<string, KernelCounters>;
}

interface Registered {
  addon: NativeAddon;
  file: string;
  originals: Map<string, tf.KernelConfig>;
  /** The kernels added (they have no original to restore). */
  added: string[];
  counters: Map<string, KernelCounters>;
  retainFreedMemory: boolean;
  pool: BufferPool;
  restoreGradients: () => void;
}

let registered: Registered | undefined;

function bf16Available(r: Registered | undefined): boolean {
  return r !== undefined && r.originals.has('Conv3D') && r.addon.info().bf16;
}

/**
 * Registers the precision flags of `@raunet/core`'s {@link PRECISION_FLAGS} on the tfjs environment (once;
 * the request flag keeps its value) and sets `nativeBf16` to whether bf16 is available now.
 */
function publishBf16(available: boolean): void {
  const env = tf.env();
  if (!(PRECISION_FLAGS.inferenceBf16 in env.getFlags())) {
    env.registerFlag(PRECISION_FLAGS.inferenceBf16, () => false);
    env.set(PRECISION_FLAGS.inferenceBf16, false);
  }
  // evaluated again after `tf.env().reset()`
  env.registerFlag(PRECISION_FLAGS.nativeBf16, () => bf16Available(registered));
  env.set(PRECISION_FLAGS.nativeBf16, available);
}

/** Whether the current model call asks for bf16 (the request flag, false when it is not registered). */
function bf16Requested(): boolean {
  return tf.env().getFlags()[PRECISION_FLAGS.inferenceBf16] === true;
}
let lastFailure: string | undefined;

function report(): NativeKernelsReport {
  if (registered === undefined) {
    return {
      loaded: false,
      reason: lastFailure ?? 'registerNativeKernels() has not been called',
      kernels: [],
      library: 'onednn',
      bf16: false,
      threads: 0,
      retainFreedMemory: false,
      calls: {},
    };
  }
  const info = registered.addon.info();
  return {
    loaded: true,
    kernels: [...registered.originals.keys(), ...registered.added],
    library: 'onednn',
    libraryVersion: info.version,
    isa: info.isa,
    bf16: bf16Available(registered),
    threads: info.threads,
    retainFreedMemory: registered.retainFreedMemory,
    bufferPool: registered.pool.getStats(),
    addonFile: registered.file,
    calls: Object.fromEntries([...registered.counters].map(([k, v]) => [k, { ...v }])),
  };
}

/**
 * Replaces hot kernels of tfjs's `cpu` backend ({@link NATIVE_KERNEL_NAMES}: 3D convolution and its two
 * gradients on oneDNN, then elementwise, reduction and copy kernels) with native ones, through `tf.unregisterKernel` / `tf.registerKernel`, so models and autodiff use them with no code
 * change. Data stays the cpu backend's own Float32Arrays (NDHWC, filters `[kd, kh, kw, in, out]`).
 *
 * Never throws for a missing or broken addon: the report then has `loaded: false` and a `reason`, and
 * everything keeps running on the JS kernels. Calling it again while registered only applies `threads`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { registerNativeKernels } from '@raunet/cpu-kernels';
 *
 * await tf.setBackend('cpu');
 * const status = registerNativeKernels({ threads: 2 });
 * if (!status.loaded) console.warn(`JS kernels only: ${status.reason}`);
 * const y = tf.conv3d(tf.ones([1, 8, 8, 8, 4]), tf.ones([3, 3, 3, 4, 8]), 1, 'same');
 * ```
 */
export function registerNativeKernels(options: RegisterNativeKernelsOptions = {}): NativeKernelsReport {
  const { threads, kernels = NATIVE_KERNEL_NAMES, addonPath, retainFreedMemory = true, bufferPoolBytes = (totalmem() * 3) / 4 } = options;
  if (!(bufferPoolBytes >= 0)) {
    throw new InvalidArgumentError(
      `registerNativeKernels: options.bufferPoolBytes must be a number >= 0 (bytes), received ${String(bufferPoolBytes)}`,
    );
  }
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
    throw new InvalidArgumentError(
      `registerNativeKernels: options.threads must be an integer >= 1, received ${String(threads)}`,
    );
  }
  for (const k of kernels) {
    if (!(NATIVE_KERNEL_NAMES as readonly string[]).includes(k)) {
      throw new InvalidArgumentError(
        `registerNativeKernels: options.kernels contains '${String(k)}', expected some of ${NATIVE_KERNEL_NAMES.join(', ')}`,
      );
    }
  }
  if (registered !== undefined) {
    if (threads !== undefined) registered.addon.setThreads(threads);
    return report();
  }
  const load = loadAddon(addonPath);
  if (load.addon === undefined) {
    lastFailure = load.reason;
    return report();
  }
  const originals = new Map<string, tf.KernelConfig>();
  for (const name of kernels) {
    if (ADDED_KERNELS.has(name)) continue; // added below, they replace nothing
    const original = tf.getKernel(name, 'cpu');
    if (original === undefined) {
      lastFailure = `tfjs has no '${name}' kernel registered for the cpu backend (is @tensorflow/tfjs loaded?)`;
      return report();
    }
    originals.set(name, original);
  }
  if (threads !== undefined) load.addon.setThreads(threads);
  const counters = new Map<string, KernelCounters>();
  // fresh buffers of 4 MiB and more get transparent huge pages: the first training step faults in all of
  // its memory (17 GB for RA-Unet at 192x192x32), 4 KiB at a time costs about a minute of system time here
  const addon = load.addon;
  const pool = new BufferPool(bufferPoolBytes, POOL_MIN_ELEMENTS, (b) => b.length >= 1 << 20 && addon.adviseHugePages(b));
  const ctx = {
    addon: load.addon,
    counters,
    allocate: (n: number) => pool.allocate(n),
    bf16Requested,
    useBackend: (backend: CpuBackendLike) => pool.hook(backend),
  };
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, 'cpu');
    const kernelFunc = (CONV_KERNELS as readonly string[]).includes(name)
      ? makeConv3DKernel(name, ctx, original.kernelFunc)
      : name === 'BatchMatMul'
        ? makeBatchMatMulKernel(ctx, original.kernelFunc)
        : makeElementwiseKernel(name, ctx, original.kernelFunc);
    tf.registerKernel({ ...original, kernelFunc });
  }
  const added = kernels.filter((name) => ADDED_KERNELS.has(name) && tf.getKernel(name, 'cpu') === undefined);
  for (const name of added) tf.registerKernel(ADDED_KERNELS.get(name)!(ctx));
  const retained = retainFreedMemory ? load.addon.retainFreedMemory(2 ** 31 - 1) : false;
  // Mean / Sum gradients as a broadcast of dy (native Tile) instead of dy * ones(x.shape): same values
  const restoreGradients = originals.has('Tile') ? installReduceGradients() : () => undefined;
  registered = { addon: load.addon, file: load.file, originals, added, counters, retainFreedMemory: retained, pool, restoreGradients };
  publishBf16(bf16Available(registered));
  lastFailure = undefined;
  return report();
}

/**
 * Restores tfjs's own JS kernels replaced by {@link registerNativeKernels}. Does nothing when none are
 * registered.
 *
 * @example
 * ```ts
 * unregisterNativeKernels();
 * nativeKernelsStatus().loaded; // false
 * ```
 */
export function unregisterNativeKernels(): void {
  if (registered === undefined) return;
  for (const [name, original] of registered.originals) {
    tf.unregisterKernel(name, 'cpu');
    tf.registerKernel(original);
  }
  for (const name of registered.added) tf.unregisterKernel(name, 'cpu');
  if (registered.retainFreedMemory) registered.addon.retainFreedMemory(0);
  registered.pool.unhook();
  registered.restoreGradients();
  registered = undefined;
  publishBf16(false);
  lastFailure = 'unregistered by unregisterNativeKernels()';
}

/**
 * The current state: whether native kernels are registered, which, on what instruction set and how many
 * threads, and how many calls ran natively or fell back to JS.
 *
 * @example
 * ```ts
 * const { loaded, isa, calls } = nativeKernelsStatus();
 * ```
 */
export function nativeKernelsStatus(): NativeKernelsReport {
  return report();
}

/**
 * The CPU's multiply-add peak in GFLOP per second of wall time, on the kernels' threads at once: twelve
 * independent chains of vector FMAs held in registers (no memory traffic), the rate no kernel can exceed. A
 * benchmark's arithmetic floor is its FLOP at this rate. `'fp32'`: AVX-512 (else AVX2 + FMA) multiply-adds;
 * `'bf16'`: AVX512_BF16 dot products (two bf16 products and sums per float32 lane). `undefined` when the
 * native kernels are not registered or the CPU lacks the instructions. Takes about 0.1-0.3 s (the best of three runs).
 *
 * @example
 * ```ts
 * registerNativeKernels();
 * const peak = cpuPeakGflops(); // e.g. about 232 on 2 Zen 4 cores
 * ```
 */
export function cpuPeakGflops(precision: 'fp32' | 'bf16' = 'fp32'): number | undefined {
  if (registered === undefined) return undefined;
  const g = registered.addon.peakGflops(precision === 'bf16');
  return g > 0 ? g : undefined;
}
