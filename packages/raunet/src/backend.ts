import * as tf from '@tensorflow/tfjs';
import { BackendError, InvalidArgumentError } from '@raunet/core';

/**
 * The backend names {@link initBackend} accepts, `'auto'` first: it tries the others from fastest to
 * slowest.
 */
export const BACKEND_KINDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

/** Which tfjs backend to use (one of {@link BACKEND_KINDS}); `'auto'` tries them from fastest to slowest. */
export type BackendKind = (typeof BACKEND_KINDS)[number];

/**
 * What {@link InitBackendOptions.nativeKernels} resolves to: a module with `registerNativeKernels`, such as
 * `@raunet/cpu-kernels`.
 */
export interface NativeKernelsModule {
  /**
   * Registers native kernels on tfjs's `cpu` backend. It may throw, or return a report
   * `{ loaded: false, reason }` when its addon is not available; either way the JS kernels stay.
   */
  registerNativeKernels(): unknown;
}

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
   * Loads the native cpu kernels to register when the `cpu` backend is used (and, with `'auto'`, to prefer
   * cpu with native kernels over wasm), e.g. `() => import('@raunet/cpu-kernels')`: the caller that
   * depends on that package passes it, so this package names no package it does not depend on.
   * @defaultValue undefined (the cpu backend runs tfjs's own JS kernels)
   */
  nativeKernels?: () => Promise<NativeKernelsModule>;
  /**
   * Loader of the optional tfjs backend packages the user installs (`@tensorflow/tfjs-node-gpu`,
   * `@tensorflow/tfjs-node`, `@tensorflow/tfjs-backend-wasm`), given the package name; replaceable for
   * tests. @defaultValue dynamic `import()`
   */
  importModule?: (name: string) => Promise<unknown>;
}

/** Result of {@link initBackend}. */
export interface InitBackendResult {
  /** Name of the active tfjs backend (`tf.getBackend()`): `'tensorflow'`, `'wasm'` or `'cpu'`. */
  backend: string;
  /** What was tried, in order, and why each was or was not used. */
  tried: BackendAttempt[];
  /** Whether native cpu kernels (from {@link InitBackendOptions.nativeKernels}) are registered. */
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

async function tryNativeKernels(load: () => Promise<NativeKernelsModule>): Promise<BackendAttempt> {
  try {
    const mod = (await load()) as Partial<NativeKernelsModule>;
    if (typeof mod.registerNativeKernels !== 'function') {
      return { name: 'native-kernels', ok: false, reason: 'the native kernels module has no registerNativeKernels()' };
    }
    const report = (await mod.registerNativeKernels()) as { loaded?: unknown; reason?: unknown } | undefined;
    if (report?.loaded === false) {
      const why = typeof report.reason === 'string' ? report.reason : 'not loaded';
      return { name: 'native-kernels', ok: false, reason: `native kernels not used: ${why}` };
    }
    return { name: 'native-kernels', ok: true, reason: 'native kernels registered on cpu' };
  } catch (error) {
    return { name: 'native-kernels', ok: false, reason: `native kernels not used: ${message(error)}` };
  }
}

/**
 * Chooses and activates a tfjs backend. `'auto'` tries `@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node` (both through dynamic imports: they are never dependencies; install one
 * yourself), then the `cpu` backend with the native kernels that `options.nativeKernels` loads (when
 * given), then `@tensorflow/tfjs-backend-wasm`, then the pure-JS `cpu` backend. On `cpu` it registers
 * those native kernels whenever `nativeKernels` is given. Every attempt is reported with its reason.
 *
 * @throws {@link @raunet/core!BackendError | BackendError} when the requested backend (not `'auto'`) cannot be loaded; for
 * `'tensorflow-gpu'` the message says what to install.
 * @example
 * ```ts
 * const { backend, tried } = await initBackend('auto', { nativeKernels: () => import('@raunet/cpu-kernels') });
 * console.log(backend, tried.map((t) => `${t.name}: ${t.reason}`));
 * ```
 */
export async function initBackend(kind: BackendKind = 'auto', options: InitBackendOptions = {}): Promise<InitBackendResult> {
  const load = options.importModule ?? defaultImport;
  const tried: BackendAttempt[] = [];
  const loadNative = options.nativeKernels;
  if (!(BACKEND_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(`initBackend: kind must be one of ${BACKEND_KINDS.join(', ')}, received ${String(kind)}`);
  }

  const finish = async (): Promise<InitBackendResult> => {
    let nativeKernels = false;
    if (tf.getBackend() === 'cpu' && loadNative && !tried.some((t) => t.name === 'native-kernels')) {
      const attempt = await tryNativeKernels(loadNative);
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
    if (loadNative) {
      // Native kernels make the cpu backend far faster than wasm for Conv3D: prefer them when present.
      await tf.setBackend('cpu');
      const attempt = await tryNativeKernels(loadNative);
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
