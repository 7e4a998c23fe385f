import { RaunetError } from '@raunet/core';

/** Redis cannot be reached, or answered something unexpected (not a Redis server, too old a version). */
export class QueueError extends RaunetError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, 'ERR_QUEUE', options);
    this.name = 'QueueError';
  }
  /** True when `error` is a {@link QueueError} from any installed copy of `@raunet/queue`. */
  static override isInstance(error: unknown): error is QueueError {
    return RaunetError.isInstance(error) && error.name === 'QueueError';
  }
}
