import { BACKEND_KINDS, initBackend, type BackendKind, type InitBackendResult } from '@raunet/raunet';
import type { ChoiceFlagSpec } from './args.js';
import type { CliIO } from './context.js';

/**
 * Backend names accepted by `--backend`: those of `initBackend`, plus `cpu-js`, tfjs's cpu backend with its
 * own JS kernels even when `@raunet/cpu-kernels` built (for comparisons and as a fallback).
 */
export const BACKENDS: readonly (BackendKind | 'cpu-js')[] = [...BACKEND_KINDS, 'cpu-js'];

/** `--backend` of the commands that run tfjs: one of {@link BACKENDS}, `auto` by default. */
export const BACKEND_FLAG = {
  type: 'choice',
  choices: BACKENDS,
  default: 'auto',
  value: 'B',
  description: 'tfjs backend',
} as const satisfies ChoiceFlagSpec;

/** Starts the requested tfjs backend and prints which one is active and why the others were not. */
export async function startBackend(kind: BackendKind | 'cpu-js', io: CliIO): Promise<InitBackendResult> {
  process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  // The CLI depends on @raunet/cpu-kernels (its native addon is used on the cpu backend when it built);
  // tfjs-node(-gpu) and tfjs-backend-wasm are resolved from here, used when the user installed them.
  const result = await initBackend(kind === 'cpu-js' ? 'cpu' : kind, {
    importModule: (name: string) => import(name),
    ...(kind === 'cpu-js' ? {} : { nativeKernels: () => import('@raunet/cpu-kernels') }),
  });
  const skipped = result.tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.reason}`);
  io.stderr(`backend: ${result.backend}${result.nativeKernels ? ' + native kernels' : ''}\n`);
  for (const s of skipped) io.stderr(`  not used: ${s}\n`);
  return result;
}
