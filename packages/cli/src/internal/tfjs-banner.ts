/** The start of the advice tfjs's cpu backend prints on first use in Node (once per process). */
const BANNER = 'Hi, looks like you are running TensorFlow.js in Node.js';

/**
 * Drops tfjs's "install our node backend" banner from `console.warn` (every other warning passes):
 * the CLI already says which backend it uses and why (`backend: cpu + native kernels`), and
 * `@tensorflow/tfjs-node` is optional here (docs/gpu.md). Only the `raunet` process calls this.
 */
export function silenceTfjsBanner(): void {
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes(BANNER)) return;
    warn(...args);
  };
}
