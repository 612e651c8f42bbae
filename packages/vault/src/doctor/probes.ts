import { loadIoredis } from '../drivers/optional-package.js';
import { eachMaster } from '../cache/cluster-topology.js';
import type { RedisClusterSpec, VaultConfig } from '../types/config.js';
import type { Logger } from '../types/logger.js';
import type { Keyring } from '../crypto/keyring.js';
import { createRecoveryJournal } from '../rotation/journal.js';

/** Resolves when Redis answers PING within 2 s; rejects otherwise. Never retries. */
export async function pingRedis(url: string): Promise<void> {
  const { Redis } = await loadIoredis();
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** Resolves when the cluster is ready (CLUSTER INFO state ok) and every master answers PING within 2 s; rejects otherwise. */
export async function pingRedisCluster(spec: RedisClusterSpec): Promise<void> {
  const { connectBatchRedisCluster } = await import('../cache/redis-cluster-client.js');
  const cluster = await connectBatchRedisCluster(spec);
  try {
    await Promise.all(eachMaster(cluster).map((node) => node.ping()));
  } finally {
    cluster.disconnect();
  }
}

/** Rotation journal entries waiting in `dir`, unreadable ones included (a missing directory means none). */
export async function pendingRecoveryEntries(dir: string, keyring: Keyring): Promise<number> {
  return (await createRecoveryJournal(dir, keyring).list()).length;
}

/**
 * The L2 the configuration names, as a ping over a fresh bounded connection
 * (the vault's own client may still be connecting): one Redis, every master
 * of a cluster, or a PING over the KV REST API. Undefined without L2.
 */
export function l2Ping(config: Readonly<VaultConfig>, logger: Logger): (() => Promise<void>) | undefined {
  const { redis, redisCluster, kv } = config;
  if (redis) return () => pingRedis(redis.url);
  if (redisCluster) return () => pingRedisCluster(redisCluster);
  // [h13-kv] The KV REST API answers a PING too (bounded, 2 s).
  if (kv)
    return async () => (await import('../cache/batch-redis-client.js')).connectBatchKv(kv, logger).then((client) => client.disconnect());
  return undefined;
}
