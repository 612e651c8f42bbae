import { once } from 'node:events';
import type { Cluster, Redis } from 'ioredis';
import type { VaultConfig } from '../types/config.js';
import type { Clock } from '../types/clock.js';
import type { Logger } from '../types/logger.js';
import { eachMaster, isClusterClient } from './cluster-topology.js';
import { createTokenCache } from './tiered-token-cache.js';
import { createKvRestClient, type KvRestClient } from './kv-rest-client.js';
import { createServerlessTokenCache } from './serverless-cache.js';
import type { TokenCache, TokenSource } from './types.js';

export interface OpenTokenCacheOptions {
  config: Readonly<VaultConfig>;
  source: TokenSource;
  /** A ready ioredis client (VAULT_REDIS_URL, a `Cluster` for VAULT_REDIS_CLUSTER_NODES, or the caller's), or null. */
  redis: Redis | Cluster | null;
  /** 32 bytes, derived from the keyring. */
  hmacKey: Buffer;
  logger: Logger;
  clock: Clock;
}

export interface OpenedTokenCache {
  cache: TokenCache;
  /**
   * Whether L2 answers: the ioredis connection's state (on a Cluster, the bus's, or every master's
   * connection in serverless mode), or a PING over REST (bounded by the read deadline).
   */
  l2Health(): Promise<'ok' | 'down' | 'disabled'>;
}

/**
 * [h13-kv] The cache the configuration asks for:
 *
 * - a KV REST API (`config.kv`): L2 over HTTPS, generation-checked L1;
 * - TCP Redis in serverless mode (`VAULT_SERVERLESS`): the same, over ioredis, no subscriber;
 * - TCP Redis otherwise: L1 kept coherent by the invalidation bus;
 * - each TCP case on one Redis or on a Redis Cluster (`VAULT_REDIS_CLUSTER_NODES`; each command
 *   names the keys of one item, which share a hash tag and so a slot);
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
  if (config.serverless) {
    const l2Health = async () => (!redis ? ('disabled' as const) : connected(redis) ? ('ok' as const) : ('down' as const));
    // A cold function uses the cache at once; a client still connecting would fail those first
    // commands (no offline queue) and queue the first invalidations behind a timer. Wait, bounded.
    if (redis) await ready(redis, Math.max(timeoutMs * 10, 250));
    const cache = redis
      ? createServerlessTokenCache({ source, l1, l2: { ...l2, client: redis, name: 'redis' }, logger, clock })
      : createTokenCache({ source, l1: { max: 0 }, redis: null, logger, clock });
    return { cache, l2Health };
  }
  const cache = createTokenCache({ source, l1, redis: redis ? { ...l2, client: redis } : null, logger, clock });
  // A Cluster client stays 'ready' while one master is down; the cache's subscribers (one per master) see each of them.
  const up = (r: Redis | Cluster) => r.status === 'ready' && (!isClusterClient(r) || cache.stats().bus === 'up');
  const l2Health = async () => (!redis ? ('disabled' as const) : up(redis) ? ('ok' as const) : ('down' as const));
  return { cache, l2Health };
}

/** The client is ready and, on a Cluster, so is its connection to every master of the slot table. */
function connected(redis: Redis | Cluster): boolean {
  if (redis.status !== 'ready') return false;
  try {
    return eachMaster<Redis | Cluster>(redis).every((node) => node.status === 'ready');
  } catch {
    return false; // a master with no connection, or no slot table yet
  }
}

/**
 * Resolves when `redis` is ready (a Cluster: and its connection to every master) or after `ms`,
 * whichever is first (the cache copes with a Redis that is not there).
 */
async function ready(redis: Redis | Cluster, ms: number): Promise<void> {
  if (connected(redis)) return;
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ms);
  try {
    if (redis.status !== 'ready') await once(redis, 'ready', { signal: stop.signal });
    // A Cluster is ready before its node connections are, and a command for a node still connecting fails at once.
    while (!connected(redis) && !stop.signal.aborted) await sleep(5);
  } catch {
    // timed out: carry on without it
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
