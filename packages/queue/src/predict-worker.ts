import { hostname } from 'node:os';
import { InvalidArgumentError, RaunetError, FileAccessError } from '@raunet/core';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { QueueError } from './errors.js';
import { removeStaleTemporaries } from './internal/stale-temporaries.js';
import type { PredictQueue } from './internal/open-queue.js';
import type { PredictJobData, PredictJobResult } from './predict-job.js';
import { assertQueueReachable, redisOptions, type QueueConnection } from './queue-connection.js';

/** What a {@link PredictJobProcessor} is told about its job. */
export interface PredictJobContext {
  /** Job id. */
  id: string;
  /** 1 for the first attempt, 2 for the first retry, … (a take-over after a worker died does not count). */
  attempt: number;
  /** Reports progress in [0, 1] (shown by the queue's tools). */
  progress: (fraction: number) => void;
}

/**
 * Runs one job: reads `data.input`, writes the mask to `data.output` atomically (a temporary name renamed
 * over it, as `writeNifti` of `@raunet/io` does), nothing else into the output folder. Throws a typed
 * `RaunetError` for a bad input.
 */
export type PredictJobProcessor = (
  data: PredictJobData,
  context: PredictJobContext,
) => Promise<Pick<PredictJobResult, 'voxels' | 'volumeMl'>>;

/** What a worker reports as it goes (for logs). */
export type PredictWorkerEvent =
  | { type: 'start'; id: string; caseName: string; attempt: number }
  | { type: 'done'; id: string; caseName: string; result: PredictJobResult }
  | { type: 'error'; id: string; caseName: string; attempt: number; message: string; retry: boolean }
  | { type: 'stalled'; id: string }
  | { type: 'worker-error'; message: string };

/** Options of {@link startPredictWorker}. */
export interface StartPredictWorkerOptions {
  /** Runs each job. */
  process: PredictJobProcessor;
  /** Jobs this worker runs at once. @defaultValue 1 */
  concurrency?: number;
  /**
   * How long a job stays locked to this worker without a renewal, in ms. The lock is renewed every
   * half of it while the job runs, so a worker that dies loses its jobs after at most this long; the
   * processor must give the event loop a turn more often than every half of it (`predictVolume` does,
   * after each batch of patches).
   * @defaultValue 120000
   */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died (expired locks) and puts them back, in ms. @defaultValue 30000 */
  stalledIntervalMs?: number;
  /**
   * How many times a job may be taken back from a dead worker before it fails (a job that kills
   * every worker that runs it, e.g. out of memory, must not kill the whole fleet).
   * @defaultValue 2
   */
  maxStalledCount?: number;
  /** This worker's name, stored with the jobs it runs. @defaultValue `host:pid` */
  name?: string;
  /** Stop once no job is waiting, delayed or active anywhere (a batch is done). @defaultValue false */
  exitWhenEmpty?: boolean;
  /**
   * Whether an error is the input's fault, so that retrying cannot help: the job then fails at once with
   * the error's message. @defaultValue every `RaunetError` but `FileAccessError` (a damaged or invalid
   * NIfTI, a shape or model mismatch); other errors are retried up to the job's attempts
   */
  isPermanentFailure?: (error: unknown) => boolean;
  /** Called for each event. */
  onEvent?: (event: PredictWorkerEvent) => void;
  /** Closes the worker (after its running jobs) when aborted. */
  signal?: AbortSignal;
}

/** A running worker: see {@link startPredictWorker}. */
export interface PredictWorker {
  /** Its name (`host:pid` unless given). */
  readonly name: string;
  /** Resolves when the worker has stopped (closed, or the queue was empty with `exitWhenEmpty`). */
  readonly closed: Promise<void>;
  /** Stops taking jobs, waits for the running ones, disconnects. */
  close(): Promise<void>;
}

const defaultPermanent = (error: unknown) =>
  RaunetError.isInstance(error) && !FileAccessError.isInstance(error) && !QueueError.isInstance(error);

function positiveInteger(name: string, value: number) {
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`startPredictWorker: ${name} must be an integer >= 1, received ${value}`);
}

/**
 * Starts a BullMQ worker on the prediction queue. Each job first removes temporary files a dead worker
 * left beside its output, then runs `process`. A worker killed mid-job leaves no output (outputs are
 * renamed into place only when complete); its lock expires and another worker's stalled check puts the
 * job back, so it runs again elsewhere. A permanent failure (see `isPermanentFailure`) fails the job at
 * once with its message; other errors are retried with the job's attempts and back-off.
 *
 * @throws {@link QueueError} when Redis cannot be reached at start.
 * @example
 * ```ts
 * const worker = await startPredictWorker(parseQueueUrl('redis://127.0.0.1:6379'), {
 *   process: async (data) => {
 *     const { mask } = await predictVolume(model, await readNifti(data.input));
 *     await writeNifti(data.output, mask, { datatype: 'uint8' });
 *     return { voxels: mask.data.reduce((n, v) => n + v, 0), volumeMl: 0 };
 *   },
 *   exitWhenEmpty: true,
 * });
 * await worker.closed;
 * ```
 */
export async function startPredictWorker(connection: QueueConnection, options: StartPredictWorkerOptions): Promise<PredictWorker> {
  const {
    concurrency = 1,
    lockDurationMs = 120_000,
    stalledIntervalMs = 30_000,
    maxStalledCount = 2,
    name = `${hostname()}:${process.pid}`,
    exitWhenEmpty = false,
    isPermanentFailure = defaultPermanent,
    onEvent = () => undefined,
  } = options;
  positiveInteger('concurrency', concurrency);
  positiveInteger('lockDurationMs', lockDurationMs);
  positiveInteger('stalledIntervalMs', stalledIntervalMs);
  if (!Number.isInteger(maxStalledCount) || maxStalledCount < 0)
    throw new InvalidArgumentError(`startPredictWorker: maxStalledCount must be an integer >= 0, received ${maxStalledCount}`);
  await assertQueueReachable(connection);

  let running = 0;
  const run = async (job: Job<PredictJobData, PredictJobResult>): Promise<PredictJobResult> => {
    const id = job.id ?? '';
    const attempt = job.attemptsMade + 1;
    const t0 = performance.now();
    running++;
    onEvent({ type: 'start', id, caseName: job.data.caseName, attempt });
    try {
      await removeStaleTemporaries(job.data.output);
      const counts = await options.process(job.data, {
        id,
        attempt,
        progress: (fraction) => void job.updateProgress(Math.round(fraction * 100)).catch(() => undefined),
      });
      const result: PredictJobResult = {
        output: job.data.output,
        ...counts,
        seconds: Math.round(performance.now() - t0) / 1000,
        worker: name,
      };
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const permanent = isPermanentFailure(error);
      const retry = !permanent && attempt < (job.opts.attempts ?? 1);
      onEvent({ type: 'error', id, caseName: job.data.caseName, attempt, message, retry });
      if (permanent) throw new UnrecoverableError(message);
      throw error;
    } finally {
      running--;
    }
  };

  const worker = new Worker<PredictJobData, PredictJobResult, string>(connection.queueName, run, {
    connection: redisOptions(connection),
    concurrency,
    lockDuration: lockDurationMs,
    stalledInterval: stalledIntervalMs,
    maxStalledCount,
    name,
    autorun: false,
  });
  // Reported once BullMQ has recorded the completion: a worker that lost its job's lock (it was taken
  // for dead) does not get to complete it, and is not reported as having done so.
  worker.on('completed', (job, result) => onEvent({ type: 'done', id: job.id ?? '', caseName: job.data.caseName, result }));
  worker.on('stalled', (id) => onEvent({ type: 'stalled', id }));
  worker.on('error', (error) => onEvent({ type: 'worker-error', message: error.message }));

  const watcher: PredictQueue | undefined = exitWhenEmpty
    ? new Queue(connection.queueName, { connection: redisOptions(connection) })
    : undefined;
  watcher?.on('error', () => undefined);
  let closing: Promise<void> | undefined;
  let poll: NodeJS.Timeout | undefined;
  const close = () => {
    closing ??= (async () => {
      if (poll) clearInterval(poll);
      options.signal?.removeEventListener('abort', onAbort);
      await worker.close();
      await watcher?.close();
    })();
    return closing;
  };
  const onAbort = () => void close();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const runner = worker.run();
  if (options.signal?.aborted) void close();
  if (exitWhenEmpty) {
    // A job of a dead worker stays active until a stalled check puts it back: the batch is not done then.
    let checking = false;
    poll = setInterval(() => {
      if (checking || running > 0) return;
      checking = true;
      void watcher!
        .getJobCounts('waiting', 'prioritized', 'active', 'delayed')
        .then(async (c) => {
          if (running === 0 && Object.values(c).every((n) => n === 0)) await close();
        })
        .catch(() => undefined)
        .finally(() => (checking = false));
    }, 1000);
  }
  const closed = (async () => {
    try {
      await runner;
    } finally {
      await close();
    }
  })();
  return { name, closed, close };
}
