import type { Cluster, Redis } from 'ioredis';
import type { PurgeKidsClient } from '../cache/purge-kids.js';
import { CacheUnavailableError } from '../errors.js';
import type { VaultConfig } from '../types/config.js';
import type { Logger } from '../types/logger.js';

/** The client the kid sweeps run over, opened on first use; `close()` ends what it opened. */
export interface SweepClient {
  /** A connected client, or null without L2; rejects with ERR_CACHE_UNAVAILABLE when L2 does not answer. */
  get(): Promise<PurgeKidsClient | null>;
  close(): Promise<void>;
}

/**
 * A vault's client for batch work on L2 (the kid sweeps after rekey and
 * retire): bounded commands, no reconnects, so a Redis that is down ends a
 * sweep quickly instead of holding it. Opened from the configuration on the
 * first sweep (one Redis, a Cluster, or the KV REST API); a failed open is
 * tried again by the next sweep. A client handed to createVault is used as it
 * is and left open. Once closed, a sweep gets no client (ERR_CACHE_UNAVAILABLE).
 *
 * @example
 * const sweep = createSweepClient(config, logger);
 * await sweepCacheKids({ redis: () => sweep.get(), namespace, ttlSeconds }, ['k2']);
 * await sweep.close();
 */
export function createSweepClient(config: Readonly<VaultConfig>, logger: Logger, given?: Redis | Cluster): SweepClient {
  let opening: Promise<(PurgeKidsClient & { disconnect(): void }) | null> | undefined;
  let closed = false;
  const open = async () => {
    const { connectBatchKv, connectBatchRedis } = await import('../cache/batch-redis-client.js');
    if (config.kv) return connectBatchKv(config.kv, logger);
    if (config.redis) return connectBatchRedis(config.redis.url);
    if (config.redisCluster) return (await import('../cache/redis-cluster-client.js')).connectBatchRedisCluster(config.redisCluster);
    return null;
  };
  return {
    get() {
      if (given) return Promise.resolve(given);
      // A rekey still running when the vault closed must not open a connection nobody would close: its sweep is skipped.
      if (closed) return Promise.reject(new CacheUnavailableError('The vault is closed.'));
      opening ??= open().catch((err: unknown) => {
        opening = undefined;
        throw err;
      });
      return opening;
    },
    async close() {
      closed = true;
      const client = await opening?.catch(() => null);
      opening = undefined;
      client?.disconnect();
    },
  };
}
