import type { Job } from 'bullmq';
import { withQueue } from './internal/open-queue.js';
import type { PredictJobData, PredictJobResult } from './predict-job.js';
import type { QueueConnection } from './queue-connection.js';

/** Jobs per state. */
export interface QueueCounts {
  /** Waiting for a worker (retries waiting for their back-off included under `delayed`). */
  waiting: number;
  /** Held by a worker now (a job of a worker that died stays here until another worker takes it over). */
  active: number;
  /** Failed attempts waiting for their retry delay. */
  delayed: number;
  /** Done; kept until cleaned. */
  completed: number;
  /** Failed for good (a damaged input, or out of attempts); kept with the error until cleaned. */
  failed: number;
}

/** One job as {@link getQueueStatus} lists it. */
export interface QueueJobSummary {
  /** Job id. */
  id: string;
  /** The case's name. */
  caseName: string;
  /** The CT. */
  input: string;
  /** The mask. */
  output: string;
  /** Attempts that ended (failed or completed). */
  attemptsMade: number;
  /** The worker (`host:pid`) that holds or held it. */
  worker?: string;
  /** The error of the last failed attempt. */
  error?: string;
  /** When it finished (ms since 1970), for completed and failed jobs. */
  finishedOn?: number;
  /** What the worker stored, for completed jobs. */
  result?: PredictJobResult;
}

/** Options of {@link getQueueStatus}. */
export interface GetQueueStatusOptions {
  /** How many jobs to list per state (active, failed, completed), newest first. @defaultValue 100 */
  limit?: number;
}

/** Result of {@link getQueueStatus}. */
export interface QueueStatus {
  /** Jobs per state. */
  counts: QueueCounts;
  /** Workers connected now. */
  workers: number;
  /** Jobs held by a worker. */
  active: QueueJobSummary[];
  /** Failed jobs with their error. */
  failed: QueueJobSummary[];
  /** Completed jobs with their result. */
  completed: QueueJobSummary[];
}

function summary(job: Job<PredictJobData, PredictJobResult>): QueueJobSummary {
  return {
    id: job.id ?? '',
    caseName: job.data.caseName,
    input: job.data.input,
    output: job.data.output,
    attemptsMade: job.attemptsMade,
    ...(job.processedBy ? { worker: job.processedBy } : {}),
    ...(job.failedReason ? { error: job.failedReason } : {}),
    ...(job.finishedOn ? { finishedOn: job.finishedOn } : {}),
    ...(job.returnvalue ? { result: job.returnvalue } : {}),
  };
}

/**
 * Counts the jobs per state and lists the active, failed and completed ones.
 *
 * @throws {@link QueueError} when Redis cannot be reached.
 * @example
 * ```ts
 * const { counts, failed } = await getQueueStatus(parseQueueUrl('redis://127.0.0.1:6379'));
 * for (const job of failed) console.log(job.caseName, job.error);
 * ```
 */
export async function getQueueStatus(connection: QueueConnection, options: GetQueueStatusOptions = {}): Promise<QueueStatus> {
  const limit = options.limit ?? 100;
  return withQueue(connection, async (queue) => {
    const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
    const list = async (state: 'active' | 'failed' | 'completed') =>
      limit > 0 ? (await queue.getJobs(state, 0, limit - 1, false)).filter(Boolean).map((j) => summary(j)) : [];
    return {
      counts: {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
      },
      workers: await queue.getWorkersCount(),
      active: await list('active'),
      failed: await list('failed'),
      completed: await list('completed'),
    };
  });
}

/** Options of {@link cleanQueue}. */
export interface CleanQueueOptions {
  /** Remove completed jobs. @defaultValue true */
  completed?: boolean;
  /** Remove failed jobs. @defaultValue true */
  failed?: boolean;
}

/**
 * Removes finished jobs (their results and errors) from the queue; waiting and active jobs stay. A CT
 * whose job was removed can be submitted again.
 *
 * @returns How many jobs were removed per state.
 * @throws {@link QueueError} when Redis cannot be reached.
 * @example
 * ```ts
 * await cleanQueue(parseQueueUrl('redis://127.0.0.1:6379'), { failed: false }); // completed jobs only
 * ```
 */
export async function cleanQueue(
  connection: QueueConnection,
  options: CleanQueueOptions = {},
): Promise<{ completed: number; failed: number }> {
  const { completed = true, failed = true } = options;
  return withQueue(connection, async (queue) => ({
    completed: completed ? (await queue.clean(0, 0, 'completed')).length : 0,
    failed: failed ? (await queue.clean(0, 0, 'failed')).length : 0,
  }));
}

/**
 * Puts every failed job back in the waiting list with fresh attempts (after fixing its input, say).
 *
 * @returns How many jobs were failed before the call.
 * @throws {@link QueueError} when Redis cannot be reached.
 */
export async function retryFailedJobs(connection: QueueConnection): Promise<number> {
  return withQueue(connection, async (queue) => {
    const n = await queue.getFailedCount();
    if (n > 0) await queue.retryJobs({ state: 'failed' });
    return n;
  });
}
