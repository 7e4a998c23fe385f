/**
 * Batch inference on a job queue: BullMQ on Redis. `submitPredictJobs` adds one job per CT,
 * `startPredictWorker` runs them on as many machines as share the storage, `getQueueStatus`,
 * `cleanQueue` and `retryFailedJobs` look after the queue. Node only. The `raunet submit`, `raunet worker`
 * and `raunet queue` commands of `@raunet/cli` are built on it.
 *
 * @packageDocumentation
 */
export { QueueError } from './errors.js';
export {
  parseQueueUrl,
  queueLabel,
  assertQueueReachable,
  DEFAULT_QUEUE_NAME,
  type QueueConnection,
} from './queue-connection.js';
export { predictJobId, type PredictJobData, type PredictJobResult, type PredictJobSettings } from './predict-job.js';
export {
  submitPredictJobs,
  type SubmitPredictJobsOptions,
  type SubmitPredictJobsResult,
  type SubmittedJob,
} from './submit.js';
export {
  getQueueStatus,
  cleanQueue,
  retryFailedJobs,
  type QueueCounts,
  type QueueJobSummary,
  type QueueStatus,
  type GetQueueStatusOptions,
  type CleanQueueOptions,
} from './queue-status.js';
export {
  startPredictWorker,
  type StartPredictWorkerOptions,
  type PredictWorker,
  type PredictWorkerEvent,
  type PredictJobProcessor,
  type PredictJobContext,
} from './predict-worker.js';
