import { InvalidArgumentError } from '@raunet/core';
import { withQueue } from './internal/open-queue.js';
import { predictJobId, type PredictJobData } from './predict-job.js';
import type { QueueConnection } from './queue-connection.js';

/** Options of {@link submitPredictJobs}. */
export interface SubmitPredictJobsOptions {
  /**
   * Attempts of a job that fails with an unexpected error (a crash, a file system hiccup). An input that
   * fails validation (a damaged NIfTI, a wrong shape) fails at the first attempt whatever this says, and a
   * worker that dies does not use up an attempt (the job is taken over, see `startPredictWorker`).
   * @defaultValue 3
   */
  attempts?: number;
  /** Delay before the first retry, in ms, doubled at each retry. @defaultValue 10000 */
  backoffMs?: number;
}

/** A job as {@link submitPredictJobs} found or added it. */
export interface SubmittedJob {
  /** Job id ({@link predictJobId} of the input). */
  id: string;
  /** The case's name. */
  caseName: string;
  /** Its state in the queue: `waiting` for a new job, else the state of the job already there. */
  state: string;
}

/** Result of {@link submitPredictJobs}. */
export interface SubmitPredictJobsResult {
  /** Jobs added now. */
  added: SubmittedJob[];
  /** Jobs whose input was already in the queue (in any state, completed and failed included): not added again. */
  existing: SubmittedJob[];
}

/**
 * Adds one job per CT to the queue, with the input's {@link predictJobId} as job id so that a CT already
 * in the queue is not added twice. Completed and failed jobs are kept (with their result or error)
 * until `cleanQueue` removes them.
 *
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} when two jobs would write the same output;
 * {@link QueueError} when Redis cannot be reached.
 * @example
 * ```ts
 * const connection = parseQueueUrl('redis://127.0.0.1:6379');
 * await submitPredictJobs(connection, [{ caseName: 'case_01', input: '/data/ct/case_01.nii.gz', output: '/data/masks/case_01.nii.gz', model: 'lidc-nodules' }]);
 * ```
 */
export async function submitPredictJobs(
  connection: QueueConnection,
  jobs: readonly PredictJobData[],
  options: SubmitPredictJobsOptions = {},
): Promise<SubmitPredictJobsResult> {
  const { attempts = 3, backoffMs = 10_000 } = options;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new InvalidArgumentError(`submitPredictJobs: attempts must be an integer >= 1, received ${attempts}`);
  const outputs = new Map<string, string>();
  for (const job of jobs) {
    const other = outputs.get(job.output);
    if (other !== undefined)
      throw new InvalidArgumentError(`submitPredictJobs: ${other} and ${job.input} would both write ${job.output}`);
    outputs.set(job.output, job.input);
  }
  return withQueue(connection, async (queue) => {
    const added: SubmittedJob[] = [];
    const existing: SubmittedJob[] = [];
    const fresh: PredictJobData[] = [];
    for (const job of jobs) {
      const id = predictJobId(job.input);
      const state = await queue.getJobState(id);
      if (state === 'unknown') fresh.push(job);
      else existing.push({ id, caseName: job.caseName, state });
    }
    // A job added meanwhile by another submitter keeps its id: BullMQ ignores the second add.
    const created = await queue.addBulk(
      fresh.map((data) => ({
        name: data.caseName,
        data,
        opts: {
          jobId: predictJobId(data.input),
          attempts,
          backoff: { type: 'exponential', delay: backoffMs },
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
    for (const job of created) added.push({ id: job.id!, caseName: job.data.caseName, state: 'waiting' });
    return { added, existing };
  });
}
