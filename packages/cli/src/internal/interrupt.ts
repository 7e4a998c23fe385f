/**
 * Work that must not be cut by a second Ctrl-C: a checkpoint being written, the outputs of a case.
 * Commands wrap such work in {@link finishBeforeExit}; `bin.ts` on the second SIGINT waits for
 * {@link nothingToFinish} before it exits. (Commands never exit the process themselves.)
 *
 * The state lives on `globalThis` under a registered symbol, so the bin and lazily loaded command
 * chunks share it even if a bundler duplicates this module.
 */
interface InterruptState {
  running: number;
  waiters: (() => void)[];
}

const KEY = Symbol.for('@raunet/cli/finish-before-exit');

function state(): InterruptState {
  const g = globalThis as unknown as Record<symbol, InterruptState | undefined>;
  return (g[KEY] ??= { running: 0, waiters: [] });
}

/** Runs `work`; a second Ctrl-C meanwhile exits only once it has settled. */
export async function finishBeforeExit<T>(work: () => Promise<T>): Promise<T> {
  const s = state();
  s.running++;
  try {
    return await work();
  } finally {
    s.running--;
    if (s.running === 0) for (const w of s.waiters.splice(0)) w();
  }
}

/** Whether some {@link finishBeforeExit} work is running. */
export function somethingToFinish(): boolean {
  return state().running > 0;
}

/** Resolves once no {@link finishBeforeExit} work is running (at once when none is). */
export function nothingToFinish(): Promise<void> {
  const s = state();
  if (s.running === 0) return Promise.resolve();
  return new Promise((resolve) => s.waiters.push(resolve));
}
