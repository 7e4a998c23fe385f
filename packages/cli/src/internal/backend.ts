import { initBackend, type BackendKind, type InitBackendResult } from '@raunet/raunet';
import type { CliIO } from './context.js';

/** Backend names accepted by `--backend`. */
export const BACKENDS: readonly BackendKind[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Starts the requested tfjs backend and prints which one is active and why the others were not. */
export async function startBackend(kind: BackendKind, io: CliIO): Promise<InitBackendResult> {
  process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  const result = await initBackend(kind);
  const skipped = result.tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.reason}`);
  io.stderr(`backend: ${result.backend}${result.nativeKernels ? ' + native kernels' : ''}\n`);
  for (const s of skipped) io.stderr(`  not used: ${s}\n`);
  return result;
}
