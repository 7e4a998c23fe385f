import { InvalidArgumentError } from '@raunet/core';
import { Redis } from 'ioredis';
import { QueueError } from './errors.js';

/** Where the queue lives: a Redis server and the queue's name in it. Plain data, as {@link parseQueueUrl} returns it. */
export interface QueueConnection {
  /** Redis host name or address. */
  host: string;
  /** Redis TCP port. @defaultValue 6379 */
  port: number;
  /** Redis database number (the URL's path, `redis://host:6379/2`). @defaultValue 0 */
  db: number;
  /** User name (Redis 6 ACL), from the URL. */
  username?: string;
  /** Password, from the URL. */
  password?: string;
  /** TLS, for a `rediss://` URL. @defaultValue false */
  tls: boolean;
  /** Name of the BullMQ queue. @defaultValue {@link DEFAULT_QUEUE_NAME} */
  queueName: string;
}

/** The queue's name when none is given: every `raunet submit` and `raunet worker` on one Redis share it. */
export const DEFAULT_QUEUE_NAME = 'raunet-predict';

/**
 * Reads a Redis URL, `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS), into a
 * {@link QueueConnection}.
 *
 * @param url - The URL, e.g. `redis://127.0.0.1:6379`.
 * @param queueName - The BullMQ queue's name. @defaultValue {@link DEFAULT_QUEUE_NAME}
 * @throws {@link @raunet/core!InvalidArgumentError | InvalidArgumentError} naming the URL when it is not one.
 * @example
 * ```ts
 * parseQueueUrl('redis://10.0.0.5:6380/1'); // { host: '10.0.0.5', port: 6380, db: 1, tls: false, queueName: 'raunet-predict' }
 * ```
 */
export function parseQueueUrl(url: string, queueName: string = DEFAULT_QUEUE_NAME): QueueConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw new InvalidArgumentError(`queue URL '${url}' is not a URL; expected redis://HOST:PORT`, { cause: e });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new InvalidArgumentError(`queue URL '${url}' must start with redis:// or rediss://, received ${parsed.protocol}//`);
  if (!parsed.hostname) throw new InvalidArgumentError(`queue URL '${url}' has no host; expected redis://HOST:PORT`);
  const port = parsed.port ? Number(parsed.port) : 6379;
  const path = parsed.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0)
    throw new InvalidArgumentError(`queue URL '${url}': the database number after the port must be an integer >= 0, received '${path}'`);
  if (!/^[A-Za-z0-9_.-]+$/.test(queueName))
    throw new InvalidArgumentError(`queue name '${queueName}' may hold only letters, digits, '_', '.' and '-'`);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    tls: parsed.protocol === 'rediss:',
    queueName,
  };
}

/** `redis://host:port/db` of a connection, without the password: for messages. */
export function queueLabel(connection: QueueConnection): string {
  const host = connection.host.includes(':') ? `[${connection.host}]` : connection.host;
  return `${connection.tls ? 'rediss' : 'redis'}://${host}:${connection.port}/${connection.db} (queue ${connection.queueName})`;
}

/** ioredis options of a connection; `maxRetriesPerRequest: null` as BullMQ workers require. */
export function redisOptions(connection: QueueConnection) {
  return {
    host: connection.host,
    port: connection.port,
    db: connection.db,
    ...(connection.username ? { username: connection.username } : {}),
    ...(connection.password ? { password: connection.password } : {}),
    ...(connection.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/**
 * Checks that Redis answers, within `timeoutMs`, so that a wrong address fails at once with a clear
 * message instead of hanging while the client retries (BullMQ's own connections retry for ever, which is
 * what a long-running worker wants once it has started).
 *
 * @throws {@link QueueError} naming the address when Redis does not answer.
 */
export async function assertQueueReachable(connection: QueueConnection, timeoutMs = 5000): Promise<void> {
  const client = new Redis({
    ...redisOptions(connection),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new QueueError(`cannot reach Redis at ${queueLabel(connection)}: ${(e as Error).message}`, { cause: e });
  } finally {
    client.disconnect();
  }
}
