import * as tf from '@tensorflow/tfjs';
import { BackendError, InvalidArgumentError } from '@raunet/core';

/** Which tfjs backend to use; `'auto'` tries them from fastest to slowest. */
export type BackendKind = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** One backend {@link initBackend} considered. */
export interface BackendAttempt {
  /** `'tensorflow-gpu'`, `'tensorflow'`, `'wasm'`, `'cpu'` or `'native-kernels'`. */
  name: string;
  /** Whether it loaded (and, for the backend finally chosen, is active). */
  ok: boolean;
  /** Why it was or was not used. */
  reason: string;
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * On the `cpu` backend, try `registerNativeKernels()` of the optional package `@raunet/cpu-kernels`
   * (fast native Conv3D). @defaultValue true
   */
  nativeKernels?: boolean;
  /** Module loader, replaceable for tests. @defaultValue dynamic `import()` */
  importModule?: (name: string) => Promise<unknown>;
}

/** Result of {@link initBackend}. */
export interface InitBackendResult {
  /** Name of the active tfjs backend (`tf.getBackend()`): `'tensorflow'`, `'wasm'` or `'cpu'`. */
  backend: string;
  /** What was tried, in order, and why each was or was not used. */
  tried: BackendAttempt[];
  /** Whether native cpu kernels from `@raunet/cpu-kernels` are registered. */
  nativeKernels: boolean;
}

/** Install hint for the GPU backend. */
export const GPU_INSTALL_HINT =
  'install @tensorflow/tfjs-node-gpu@4.22 (it links libtensorflow 2.9.1 and needs CUDA 11.2 and cuDNN 8.1 on the library path); ' +
  'set TF_FORCE_GPU_ALLOW_GROWTH=true so it does not take all GPU memory';

const MODULES: Record<string, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  nativeKernels: '@raunet/cpu-kernels',
};

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

// The module name is a variable so that neither tsc nor bundlers try to resolve these optional packages.
const defaultImport = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

async function tryNode(kind: 'tensorflow-gpu' | 'tensorflow', load: (n: string) => Promise<unknown>): Promise<BackendAttempt> {
  const pkg = MODULES[kind];
  try {
    await load(pkg);
  } catch (error) {
    return { name: kind, ok: false, reason: `${pkg} could not be loaded: ${message(error)}` };
  }
  if (!tf.findBackend('tensorflow')) {
    return {
      name: kind,
      ok: false,
      reason: `${pkg} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs (two tfjs versions installed?)`,
    };
  }
  const ok = await tf.setBackend('tensorflow');
  return ok
    ? { name: kind, ok: true, reason: `${pkg} loaded; backend 'tensorflow' active` }
    : { name: kind, ok: false, reason: `${pkg} loaded but the 'tensorflow' backend failed to initialize` };
}

async function tryWasm(load: (n: string) => Promise<unknown>): Promise<BackendAttempt> {
  try {
    await load(MODULES.wasm);
  } catch (error) {
    return { name: 'wasm', ok: false, reason: `${MODULES.wasm} could not be loaded: ${message(error)}` };
  }
  try {
    const ok = await tf.setBackend('wasm');
    return ok ? { name: 'wasm', ok: true, reason: 'backend wasm active (single thread in Node)' } : { name: 'wasm', ok: false, reason: 'wasm backend failed to initialize' };
  } catch (error) {
    return { name: 'wasm', ok: false, reason: `wasm backend failed to initialize: ${message(error)}` };
  }
}

async function tryNativeKernels(load: (n: string) => Promise<unknown>): Promise<BackendAttempt> {
  try {
    const mod = (await load(MODULES.nativeKernels)) as { registerNativeKernels?: () => unknown };
    if (typeof mod.registerNativeKernels !== 'function') {
      return { name: 'native-kernels', ok: false, reason: `${MODULES.nativeKernels} has no registerNativeKernels()` };
    }
    await mod.registerNativeKernels();
    return { name: 'native-kernels', ok: true, reason: `${MODULES.nativeKernels}: native Conv3D kernels registered on cpu` };
  } catch (error) {
    return { name: 'native-kernels', ok: false, reason: `${MODULES.nativeKernels} not used: ${message(error)}` };
  }
}

/**
 * Chooses and activates a tfjs backend. `'auto'` tries `@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node` (both through dynamic imports: they are never dependencies; install one
 * yourself), then the `cpu` backend with the optional `@raunet/cpu-kernels` native Conv3D, then
 * `@tensorflow/tfjs-backend-wasm`, then the pure-JS `cpu` backend. On `cpu` it always tries
 * `@raunet/cpu-kernels` unless `nativeKernels` is false. Every attempt is reported with its reason.
 *
 * @throws {@link @raunet/core!BackendError | BackendError} when the requested backend (not `'auto'`) cannot be loaded; for
 * `'tensorflow-gpu'` the message says what to install.
 * @example
 * ```ts
 * const { backend, tried } = await initBackend('auto');
 * console.log(backend, tried.map((t) => `${t.name}: ${t.reason}`));
 * ```
 */
export async function initBackend(kind: BackendKind = 'auto', options: InitBackendOptions = {}): Promise<InitBackendResult> {
  const load = options.importModule ?? defaultImport;
  const tried: BackendAttempt[] = [];
  const valid: BackendKind[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
  if (!valid.includes(kind)) throw new InvalidArgumentError(`initBackend: kind must be one of ${valid.join(', ')}, received ${String(kind)}`);

  const finish = async (): Promise<InitBackendResult> => {
    let nativeKernels = false;
    if (tf.getBackend() === 'cpu' && (options.nativeKernels ?? true) && !tried.some((t) => t.name === 'native-kernels')) {
      const attempt = await tryNativeKernels(load);
      tried.push(attempt);
      nativeKernels = attempt.ok;
    }
    return { backend: tf.getBackend(), tried, nativeKernels };
  };

  if (kind === 'tensorflow-gpu' || kind === 'tensorflow') {
    const attempt = await tryNode(kind, load);
    tried.push(attempt);
    if (!attempt.ok) {
      const hint = kind === 'tensorflow-gpu' ? GPU_INSTALL_HINT : 'install @tensorflow/tfjs-node@4.22 (prebuilt libtensorflow for CPU)';
      throw new BackendError(`initBackend('${kind}'): ${attempt.reason}. To use it, ${hint}.`);
    }
    return finish();
  }
  if (kind === 'auto') {
    for (const k of ['tensorflow-gpu', 'tensorflow'] as const) {
      const attempt = await tryNode(k, load);
      tried.push(attempt);
      if (attempt.ok) return finish();
    }
    if (options.nativeKernels ?? true) {
      // Native kernels make the cpu backend far faster than wasm for Conv3D: prefer them when present.
      await tf.setBackend('cpu');
      const attempt = await tryNativeKernels(load);
      tried.push(attempt);
      if (attempt.ok) {
        tried.push({ name: 'cpu', ok: true, reason: 'cpu backend with native kernels' });
        return { backend: tf.getBackend(), tried, nativeKernels: true };
      }
    }
  }
  if (kind === 'wasm' || kind === 'auto') {
    const attempt = await tryWasm(load);
    tried.push(attempt);
    if (attempt.ok) return finish();
    if (kind === 'wasm') throw new BackendError(`initBackend('wasm'): ${attempt.reason}. Install @tensorflow/tfjs-backend-wasm@4.22.`);
  }
  await tf.setBackend('cpu');
  tried.push({ name: 'cpu', ok: true, reason: kind === 'cpu' ? 'requested' : 'fallback: pure-JS cpu backend (slow for conv3d)' });
  return finish();
}
