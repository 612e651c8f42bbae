import type { Redis } from 'ioredis';
import { loadIoredis } from '../drivers/optional-package.js';
import { CacheUnavailableError } from '../errors.js';
import type { Logger } from '../types/logger.js';
import { createKvRestClient } from './kv-rest-client.js';
import type { PurgeKidsClient } from './purge-kids.js';

/** [h13-kv] What batch work (the kid sweep) gets: ioredis, or the KV REST client. The caller calls `disconnect()`. */
export type BatchCacheClient = PurgeKidsClient & { disconnect(): void };

export interface BatchRedisOptions {
  /** Connect timeout, and the longest any one command may take. Default 2000 ms. */
  timeoutMs?: number;
}

/**
 * An ioredis client for one-off batch work (the CLI's cache sweep), unlike the
 * cache's own client: it connects once, never reconnects and bounds every
 * command, so a Redis that is down or hangs ends the batch quickly instead of
 * holding the command. The caller closes it (`disconnect()`).
 *
 * @throws CacheUnavailableError when Redis does not answer.
 * @example
 * const client = await connectBatchRedis(config.redis.url);
 * try { await purgeKids({ client, namespace, keep, ttlSeconds }); } finally { client.disconnect(); }
 */
export async function connectBatchRedis(url: string, opts: BatchRedisOptions = {}): Promise<Redis> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const { Redis } = await loadIoredis();
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // Errors surface through the commands; the event's text can carry the host and port.
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (err) {
    client.disconnect();
    const code = (err as { code?: unknown }).code;
    throw new CacheUnavailableError(undefined, { details: { reason: typeof code === 'string' ? code : 'unknown' } });
  }
}

/**
 * [h13-kv] The KV REST API for batch work: every request bounded by `timeoutMs`
 * (default 2000), checked with a PING first.
 *
 * @throws CacheUnavailableError when the KV does not answer; ConfigInvalidError without `@upstash/redis`.
 * @example
 * const client = await connectBatchKv(config.kv, logger);
 */
export async function connectBatchKv(
  kv: { url: string; token: string },
  logger: Logger,
  opts: BatchRedisOptions = {},
): Promise<BatchCacheClient> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const client = await createKvRestClient({ url: kv.url, token: kv.token, timeoutMs, writeTimeoutMs: timeoutMs, logger });
  try {
    await client.ping();
    return client;
  } catch (err) {
    throw new CacheUnavailableError(undefined, { details: { reason: (err as { code?: string }).code ?? 'unknown' } });
  }
}
