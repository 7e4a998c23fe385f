import { Queue } from 'bullmq';
import { assertQueueReachable, redisOptions, type QueueConnection } from '../queue-connection.js';
import type { PredictJobData, PredictJobResult } from '../predict-job.js';

/** The typed BullMQ queue of prediction jobs. */
export type PredictQueue = Queue<PredictJobData, PredictJobResult, string>;

/** Opens the queue after checking that Redis answers; `use` runs with it, and the queue is closed after. */
export async function withQueue<T>(connection: QueueConnection, use: (queue: PredictQueue) => Promise<T>): Promise<T> {
  await assertQueueReachable(connection);
  const queue: PredictQueue = new Queue(connection.queueName, { connection: redisOptions(connection) });
  queue.on('error', () => undefined);
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}
