import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, PRECISIONS, PRECISION_FLAGS, type Precision } from '@raunet/core';

/** `value` as a {@link Precision}, or an {@link InvalidArgumentError} naming `where`. */
export function checkPrecision(value: unknown, where: string): Precision {
  if ((PRECISIONS as readonly unknown[]).includes(value)) return value as Precision;
  throw new InvalidArgumentError(`${where} must be one of ${PRECISIONS.join(', ')}, received ${JSON.stringify(value)}`);
}

/** The value of a boolean tfjs flag, or undefined when no package registered it. */
function flag(name: string): boolean | undefined {
  try {
    return tf.env().getBool(name);
  } catch {
    return undefined;
  }
}

/**
 * Whether a model call on the active backend can run in bf16 now: the backend is `cpu` and
 * `@raunet/cpu-kernels` has its native kernels registered on a CPU with native bf16 arithmetic (it
 * publishes that as the `RAUNET_NATIVE_BF16` flag).
 */
export function nativeBf16Available(): boolean {
  return tf.getBackend() === 'cpu' && flag(PRECISION_FLAGS.nativeBf16) === true && flag(PRECISION_FLAGS.inferenceBf16) !== undefined;
}

/**
 * Runs the synchronous `f` (a model call on the cpu backend, whose kernels run synchronously) with the bf16
 * request flag on, then restores the flag's previous value, also when `f` throws: nothing outside `f` sees
 * it. Runs `f` unchanged when the flag is not registered.
 */
export function runInBf16<T>(f: () => T): T {
  const before = flag(PRECISION_FLAGS.inferenceBf16);
  if (before === undefined) return f();
  const env = tf.env();
  env.set(PRECISION_FLAGS.inferenceBf16, true);
  try {
    return f();
  } finally {
    env.set(PRECISION_FLAGS.inferenceBf16, before);
  }
}

const warned = new Set<string>();

/**
 * Reports `message` through `onWarning`, or once per process through `console.warn` when no callback is
 * given (so a folder of 200 CTs says it once).
 */
export function warnOnce(message: string, onWarning: ((message: string) => void) | undefined): void {
  if (onWarning) {
    onWarning(message);
    return;
  }
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}

/** The message of a bf16 request that runs float32, naming why. */
export function bf16FallbackMessage(why: string): string {
  return `bf16 precision was asked for but ${why}: running float32 (same results, no speed-up)`;
}
