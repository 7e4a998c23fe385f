import { InvalidArgumentError } from '@raunet/core';
import { DEFAULT_QUEUE_NAME, parseQueueUrl, type QueueConnection } from '@raunet/queue';
import { requireFlag, stringFlag, type FlagSpec, type ParsedArgs } from './args.js';
import { CliUsageError } from './context.js';

/** `--queue` and `--queue-name`, shared by `raunet submit`, `raunet worker` and `raunet queue`. */
export const QUEUE_FLAGS = {
  queue: {
    type: 'string',
    value: 'redis://HOST:PORT',
    description: 'the Redis server holding the queue (redis://[user:password@]host[:port][/db], rediss:// for TLS)',
  },
  'queue-name': {
    type: 'string',
    value: 'NAME',
    description: `the queue's name in Redis, to keep batches apart (default ${DEFAULT_QUEUE_NAME})`,
  },
} as const satisfies Record<string, FlagSpec>;

/** The connection that `--queue` and `--queue-name` give; a {@link CliUsageError} for a malformed URL. */
export function queueFromFlags(command: string, args: ParsedArgs): QueueConnection {
  const url = requireFlag(command, args, 'queue');
  try {
    return parseQueueUrl(url, stringFlag(args, 'queue-name') ?? DEFAULT_QUEUE_NAME);
  } catch (e) {
    if (InvalidArgumentError.isInstance(e)) throw new CliUsageError(`${command}: --queue: ${e.message}`);
    throw e;
  }
}
