import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** What `info()` of the addon returns. */
export interface AddonInfo {
  version: string;
  isa: string;
  /** Whether this CPU has native bf16 dot products (AVX512_BF16) that oneDNN dispatches to. */
  bf16: boolean;
  threads: number;
  cachedPrimitives: number;
}

/** The functions the compiled addon exports (registered in native/addon.cc, declared in native/addon_functions.h). */
export interface NativeAddon {
  /** Forward convolution; with `bf16`, in bf16 with f32 accumulation where possible. Returns whether bf16 ran. */
  conv3dForward(x: Float32Array, filter: Float32Array, y: Float32Array, params: Int32Array, bf16: boolean): boolean;
  conv3dBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, params: Int32Array): void;
  conv3dBackwardFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, params: Int32Array): void;
  binary(op: number, a: Float32Array, aStrides: Float64Array, b: Float32Array, bStrides: Float64Array, out: Float32Array, shape: Float64Array): void;
  copy(src: Float32Array, srcOffset: number, srcStrides: Float64Array, dst: Float32Array, dstOffset: number, dstStrides: Float64Array, shape: Float64Array): void;
  fill(dst: Float32Array, value: number): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number, beta: number): void;
  retainFreedMemory(trimThresholdBytes: number): boolean;
  adviseHugePages(array: Float32Array): boolean;
  reduceSum(src: Float32Array, k1: number, r: number, k2: number, dst: Float32Array, scale: number, op: 0 | 1): void;
  channelAffine(x: Float32Array, scale: Float32Array, shift: Float32Array, residual: Float32Array | null, relu: boolean, out: Float32Array): void;
  /** The CPU's multiply-add peak in GFLOP/s of wall time on all threads (registers only; bf16: vdpbf16ps), 0 without the instructions. */
  peakGflops(bf16: boolean): number;
  attention(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, dims: Float64Array): void;
  /** `dims`: outer, n, inner, factor; forward [outer, n, inner] -> [outer, n * factor, inner], adjoint the reverse. */
  linearUpsample(x: Float32Array, out: Float32Array, dims: Float64Array, adjoint: boolean): void;
  /** `params`: batchA, batchB, M, K, N, transposeA, transposeB[, bf16]. Returns whether bf16 ran. */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, params: Float64Array): boolean;
  info(): AddonInfo;
  setThreads(n: number): void;
  clearCache(): void;
}

/** The addon file name node-gyp produces (target_name in binding.gyp). */
export const ADDON_FILE = 'raunet_cpu_kernels.node';

/**
 * Where the addon may be: `build/Release` of this package, seen from `src/internal` (source, tests) or
 * from `dist` (the bundled build).
 */
export function addonCandidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const roots = [path.resolve(here, '..', '..'), path.resolve(here, '..')];
  return roots.map((root) => path.join(root, 'build', 'Release', ADDON_FILE));
}

/** Result of trying to load the addon. */
export type AddonLoad = { addon: NativeAddon; file: string } | { addon: undefined; reason: string };

/** What scripts/build-native.mjs recorded about its last attempt, if anything. */
function lastBuildNote(candidates: string[]): string {
  for (const c of candidates) {
    const file = path.join(path.dirname(path.dirname(c)), 'native-build.json');
    if (!existsSync(file)) continue;
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as { ok?: boolean; reason?: string };
      if (record.ok === false && record.reason) return `; the last build was skipped: ${record.reason}`;
    } catch {
      // unreadable record: no note
    }
  }
  return '';
}

/** Loads the addon from `file` or the first existing candidate; never throws. */
export function loadAddon(file?: string): AddonLoad {
  const candidates = file === undefined ? addonCandidates() : [path.resolve(file)];
  const found = candidates.find((c) => existsSync(c));
  if (found === undefined) {
    return {
      addon: undefined,
      reason:
        `native addon not built: none of ${candidates.join(', ')} exists${lastBuildNote(candidates)} ` +
        '(install libdnnl-dev, then run `npm run build:native` in @raunet/cpu-kernels)',
    };
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(found) as NativeAddon;
    addon.info();
    return { addon, file: found };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { addon: undefined, reason: `native addon ${found} failed to load: ${message}` };
  }
}
