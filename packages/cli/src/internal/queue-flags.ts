import { InvalidArgumentError } from '@raunet/core';
import { DEFAULT_QUEUE_NAME, parseQueueUrl, type QueueConnection } from '@raunet/queue';
import type { FlagSpecs, FlagValues } from './args.js';
import { CliUsageError } from './context.js';

/** `--queue` and `--queue-name`, shared by `raunet submit`, `raunet worker` and `raunet queue`. */
export const QUEUE_FLAGS = {
  queue: {
    type: 'string',
    required: true,
    value: 'redis://HOST:PORT',
    description: 'the Redis server holding the queue (redis://[user:password@]host[:port][/db], rediss:// for TLS)',
  },
  'queue-name': {
    type: 'string',
    value: 'NAME',
    default: DEFAULT_QUEUE_NAME,
    description: "the queue's name in Redis, to keep batches apart",
  },
} as const satisfies FlagSpecs;

/** The connection that `--queue` and `--queue-name` give; a {@link CliUsageError} for a malformed URL. */
export function queueFromFlags(command: string, flags: FlagValues<typeof QUEUE_FLAGS>): QueueConnection {
  try {
    return parseQueueUrl(flags.queue, flags['queue-name']);
  } catch (e) {
    if (InvalidArgumentError.isInstance(e)) throw new CliUsageError(`${command}: --queue: ${e.message}`);
    throw e;
  }
}
