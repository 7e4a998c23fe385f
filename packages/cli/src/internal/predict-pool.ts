import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fork, type ChildProcess } from 'node:child_process';
import { RaunetError } from '@raunet/core';
import { readNiftiHeader } from '@raunet/io';
import type { PredictVolumeOptions } from '@raunet/raunet';
import type { CaseBurden } from './burden-outputs.js';
import type { CliIO } from './context.js';
import { finishBeforeExit } from './interrupt.js';
import type { CaseFiles } from './predict-case.js';
import type { PredictBackend } from './predictor.js';

/** What each worker of {@link predictInWorkers} is started with. */
export interface PoolSetup {
  /** The model folder. */
  modelDir: string;
  /** `--backend`. */
  backend: PredictBackend;
  /** The prediction options (plain data: they cross the process boundary). */
  options: PredictVolumeOptions;
  /** OpenMP threads of the worker's native kernels (its share of the cores); undefined keeps the default. */
  threads?: number;
}

/** A message from `raunet predict` to a worker: its setup, a case to predict, or finish. */
export type PoolRequest =
  { type: 'setup'; setup: PoolSetup } | { type: 'job'; index: number; job: CaseFiles } | { type: 'stop' };

/** An error as it crosses the process boundary. */
export interface SerializedError {
  /** Whether it was a `RaunetError` (an expected failure: one line, exit code 1). */
  raunet: boolean;
  name: string;
  message: string;
  code?: string;
  stack?: string;
}

/** A message from a worker: started, a line for stderr, a case's outputs being written, a case done, or an error. */
export type PoolReply =
  | { type: 'ready' }
  | { type: 'log'; text: string }
  | { type: 'writing'; index: number }
  | {
      type: 'done';
      index: number;
      seconds: number;
      voxels: number;
      /** The mask's foreground as text (`describeVoxelSize`). */
      size: string;
      meshNote: string;
      burden: CaseBurden['burden'];
      /** Whether a lung mask (the case's or the automatic one) was used. */
      lungs: boolean;
    }
  | { type: 'error'; index: number; error: SerializedError };

/** The fields of an error that survive the IPC channel. */
export function serializeError(e: unknown): SerializedError {
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    raunet: RaunetError.isInstance(e),
    name: err.name,
    message: err.message,
    ...(RaunetError.isInstance(e) ? { code: e.code } : {}),
    ...(err.stack ? { stack: err.stack } : {}),
  };
}

/** The error of {@link serializeError} again: a `RaunetError` (name and code kept) or a plain `Error`. */
export function deserializeError(s: SerializedError): Error {
  const e = s.raunet ? new RaunetError(s.message, s.code) : new Error(s.message);
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}

/**
 * Cases at most this many voxels are "small" for {@link choosePredictWorkers}: one worker per core then costs
 * little memory (a 512x512x300 CT has 79 M voxels and predicts in one process with all cores).
 */
export const SMALL_CASE_VOXELS = 16 * 1024 * 1024;

/** How `raunet predict` runs: `workers` processes of `threads` OpenMP threads each (1 worker: one case at a time in the main process). */
export interface WorkerPlan {
  workers: number;
  threads: number;
}

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The workers of `raunet predict`: `requested` (at most one per case), or when it is undefined one worker per
 * core for a folder of small cases ({@link SMALL_CASE_VOXELS}, from the headers) on the tfjs cpu backend.
 * A worker on one core runs the whole model call on that core, so the layers' memory-bound passes and the
 * JS between calls of one worker overlap with the other's convolutions, and no core waits at the end of each
 * parallel step (200 LIDC VOIs: see docs/benchmarks.md). GPU and ONNX Runtime backends, large volumes and a
 * single case keep one worker with all cores.
 */
export async function choosePredictWorkers(
  requested: number | undefined,
  jobs: readonly CaseFiles[],
  backend: PredictBackend,
): Promise<WorkerPlan> {
  const cores = availableParallelism();
  if (requested !== undefined) {
    const workers = Math.max(1, Math.min(requested, jobs.length));
    return { workers, threads: Math.max(1, Math.floor(cores / workers)) };
  }
  const one = { workers: 1, threads: cores };
  if (jobs.length < 2 || cores < 2) return one;
  if (backend !== 'auto' && backend !== 'cpu' && backend !== 'cpu-js') return one;
  // 'auto' takes tfjs-node(-gpu) when the user installed it: one process then owns the device.
  if (backend === 'auto' && (installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node')))
    return one;
  for (const j of jobs) {
    const { dims } = await readNiftiHeader(j.input);
    if (dims.reduce((a, b) => a * b, 1) > SMALL_CASE_VOXELS) return one;
  }
  const workers = Math.min(cores, jobs.length);
  return { workers, threads: Math.max(1, Math.floor(cores / workers)) };
}

/**
 * Starts a worker process: the built `predict-worker.js` beside this chunk, or from source (tests,
 * `node --import tsx`) `predict-worker.ts` under tsx with the source condition. Its OpenMP threads are set
 * before the native kernels load. It ignores SIGINT (a Ctrl-C reaches the whole process group: the main
 * process decides what stops) and quits when the main process goes away.
 */
function startWorker(threads: number): ChildProcess {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const options = {
    env,
    serialization: 'advanced' as const,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[],
  };
  if (!import.meta.url.endsWith('.ts'))
    return fork(fileURLToPath(new URL('./predict-worker.js', import.meta.url)), [], {
      ...options,
      execArgv: [],
    });
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return fork(fileURLToPath(new URL('../predict-worker.ts', import.meta.url)), [], {
    ...options,
    execArgv: ['--conditions=@raunet/source', '--import', tsx],
  });
}

/**
 * Predicts `jobs` in `workers` worker processes, each with the model loaded once: cases are handed out one at
 * a time to whichever worker is free, and `onDone` receives each finished case (in the order they finish).
 * Each case's outputs are written by its worker, atomically; a second Ctrl-C waits for outputs being written.
 * After `io.signal` aborts, no new case starts and the running ones finish. The first failing case stops the
 * hand-out; the running cases finish, then its error is thrown (a `RaunetError` stays one, naming the file).
 * Resolves to the number of cases done.
 */
export async function predictInWorkers(
  setup: PoolSetup,
  workers: number,
  jobs: readonly CaseFiles[],
  io: CliIO,
  onDone: (reply: Extract<PoolReply, { type: 'done' }>) => void,
): Promise<number> {
  let next = 0;
  let done = 0;
  let failure: Error | undefined;
  const logged = new Set<string>();
  const writing = new Map<number, () => void>();
  const release = (index: number): void => {
    writing.get(index)?.();
    writing.delete(index);
  };
  const runOne = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const w = startWorker(setup.threads ?? 1);
      const send = (m: PoolRequest): void => {
        if (w.connected) w.send(m);
      };
      let current = -1;
      let started = false;
      const dispatch = (): void => {
        if (failure || io.signal?.aborted || next >= jobs.length) {
          current = -1;
          send({ type: 'stop' } satisfies PoolRequest);
          return;
        }
        current = next++;
        send({ type: 'job', index: current, job: jobs[current] } satisfies PoolRequest);
      };
      w.on('message', (m: PoolReply) => {
        if (m.type === 'log') {
          // every worker reports the same backend: print each line once
          if (!logged.has(m.text)) io.stderr(m.text);
          logged.add(m.text);
        } else if (m.type === 'ready') {
          started = true;
          dispatch();
        } else if (m.type === 'writing') {
          void finishBeforeExit(() => new Promise<void>((r) => writing.set(m.index, r)));
        } else if (m.type === 'done') {
          release(m.index);
          done++;
          onDone(m);
          dispatch();
        } else {
          release(m.index);
          failure ??= deserializeError(m.error);
          current = -1;
          send({ type: 'stop' } satisfies PoolRequest);
        }
      });
      w.on('error', (e) => {
        failure ??= e;
      });
      send({ type: 'setup', setup });
      w.on('exit', (code, signal) => {
        if (current >= 0) {
          release(current);
          failure ??= new Error(
            `a predict worker stopped (${signal ?? `exit code ${code}`}) during ${jobs[current].input}`,
          );
        } else if (!started) {
          failure ??= new Error(`a predict worker stopped (${signal ?? `exit code ${code}`}) before it loaded the model`);
        }
        resolve();
      });
    });
  await Promise.all(Array.from({ length: workers }, runOne));
  if (failure) throw failure;
  return done;
}
