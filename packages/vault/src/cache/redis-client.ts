import type { Redis, RedisOptions } from 'ioredis';
import { loadIoredis } from '../drivers/optional-package.js';
import { silentLogger, type Logger } from '../types/logger.js';

/** Reconnect forever, backing off from 50 ms to at most 1 s: a cache must come back by itself. */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 5), 1000);
}

/**
 * Options for the cache's own pub/sub connection (a duplicate of the caller's
 * client). It subscribes itself on every `ready`, so ioredis must not; nor may
 * it resend a PING of a dead connection on the next one (the heartbeat would
 * take its answer for the new connection's). When the heartbeat drops a silent
 * connection, the socket is destroyed after 100 ms instead of ioredis' 2 s
 * (its FIN will never be answered). TCP keep-alive after 10 s idle is a second
 * line only: the PINGs keep the connection from ever being idle that long.
 */
export function subscriberOptions(): Partial<RedisOptions> {
  return {
    lazyConnect: true,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    disconnectTimeout: 100,
    keepAlive: 10_000,
    retryStrategy: reconnectDelay,
  };
}

/**
 * An ioredis client tuned for a cache that must never fail a request: no offline
 * queue (a command while disconnected fails at once instead of waiting), no
 * per-command retries, a short connect timeout, and reconnection forever with
 * capped back-off. Connection failures are logged once per transition, without
 * the URL (it may hold a password). The caller closes it (`quit()`). ioredis is
 * imported here, on first use (ConfigInvalidError when it is not installed).
 *
 * @example
 * const client = await createRedisClient(process.env.VAULT_REDIS_URL, logger);
 * const cache = createTokenCache({ source, redis: { client, namespace, hmacKey } });
 */
export async function createRedisClient(url: string, logger: Logger = silentLogger): Promise<Redis> {
  const { Redis } = await loadIoredis();
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: reconnectDelay,
  });
  logTransitions(client, logger, 'redis');
  client.connect().catch(() => {});
  return client;
}

/** Logs a client's connection lost and restored, once per transition (shared with the Cluster client). */
export function logTransitions(
  client: {
    on(event: 'ready', listener: () => void): unknown;
    on(event: 'error', listener: (error: Error & { code?: string }) => void): unknown;
  },
  logger: Logger,
  what: 'redis' | 'redis cluster',
): void {
  let up: boolean | undefined;
  client.on('ready', () => {
    if (up === false) logger.info({ dependency: 'redis' }, `${what} connection restored`);
    up = true;
  });
  client.on('error', (error) => {
    if (up === false) return;
    up = false;
    // Only the error code: messages can carry the host and port, commands can carry arguments.
    logger.warn({ dependency: 'redis', code: error.code ?? 'unknown' }, `${what} connection lost; the cache bypasses it until it returns`);
  });
}
