import { once } from 'node:events';
import type { Redis } from 'ioredis';
import type { VaultConfig } from '../types/config.js';
import type { Clock } from '../types/clock.js';
import type { Logger } from '../types/logger.js';
import { createTokenCache } from './tiered-token-cache.js';
import { createKvRestClient, type KvRestClient } from './kv-rest-client.js';
import { createServerlessTokenCache } from './serverless-cache.js';
import type { TokenCache, TokenSource } from './types.js';

export interface OpenTokenCacheOptions {
  config: Readonly<VaultConfig>;
  source: TokenSource;
  /** A ready ioredis client (VAULT_REDIS_URL, or the caller's), or null. */
  redis: Redis | null;
  /** 32 bytes, derived from the keyring. */
  hmacKey: Buffer;
  logger: Logger;
  clock: Clock;
}

export interface OpenedTokenCache {
  cache: TokenCache;
  /** Whether L2 answers: the ioredis connection's state, or a PING over REST (bounded by the read deadline). */
  l2Health(): Promise<'ok' | 'down' | 'disabled'>;
}

/**
 * [h13-kv] The cache the configuration asks for:
 *
 * - a KV REST API (`config.kv`): L2 over HTTPS, generation-checked L1;
 * - TCP Redis in serverless mode (`VAULT_SERVERLESS`): the same, over ioredis, no subscriber;
 * - TCP Redis otherwise: L1 kept coherent by the invalidation bus;
 * - no L2: L1 alone, or, in serverless mode, nothing in process (instances
 *   could not tell each other about a change), so every use reads the store.
 *
 * `@upstash/redis` is imported here, and only when a KV is configured.
 *
 * @throws ConfigInvalidError when a KV is configured and `@upstash/redis` is not installed.
 * @example
 * const { cache, l2Health } = await openTokenCache({ config, source, redis, hmacKey, logger, clock });
 */
export async function openTokenCache(opts: OpenTokenCacheOptions): Promise<OpenedTokenCache> {
  const { config, source, redis, hmacKey, logger, clock } = opts;
  const l1 = { ttlMs: config.cache.l1TtlMs, max: config.cache.l1Max };
  const timeoutMs = config.cache.redisTimeoutMs;
  const l2 = { namespace: config.namespace, hmacKey, ttlSeconds: config.cache.l2TtlSeconds, commandTimeoutMs: timeoutMs };

  if (config.kv) {
    // Writes get the tier's write deadline (redis-tier.ts): a lost invalidation is worse than a slow one.
    const kv: KvRestClient = await createKvRestClient({
      url: config.kv.url,
      token: config.kv.token,
      timeoutMs,
      writeTimeoutMs: Math.max(timeoutMs * 10, 250),
      logger,
    });
    const cache = createServerlessTokenCache({ source, l1, l2: { ...l2, client: kv, name: 'kv' }, logger, clock });
    return {
      cache,
      l2Health: () =>
        kv.ping().then(
          () => 'ok' as const,
          () => 'down' as const,
        ),
    };
  }
  const l2Health = async () => (!redis ? ('disabled' as const) : redis.status === 'ready' ? ('ok' as const) : ('down' as const));
  if (config.serverless) {
    // A cold function uses the cache at once; a client still connecting would fail those first
    // commands (no offline queue) and queue the first invalidations behind a timer. Wait, bounded.
    if (redis) await ready(redis, Math.max(timeoutMs * 10, 250));
    const cache = redis
      ? createServerlessTokenCache({ source, l1, l2: { ...l2, client: redis, name: 'redis' }, logger, clock })
      : createTokenCache({ source, l1: { max: 0 }, redis: null, logger, clock });
    return { cache, l2Health };
  }
  const cache = createTokenCache({ source, l1, redis: redis ? { ...l2, client: redis } : null, logger, clock });
  return { cache, l2Health };
}

/** Resolves when `redis` is ready or after `ms`, whichever is first (the cache copes with a Redis that is not there). */
async function ready(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    await once(redis, 'ready', { signal: stop.signal });
  } catch {
    // timed out: carry on without it
  } finally {
    clearTimeout(timer);
  }
}
