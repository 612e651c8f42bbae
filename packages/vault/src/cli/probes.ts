import { loadIoredis } from '../config/optional-package.js';
import { eachMaster } from '../cache/cluster-topology.js';
import type { RedisClusterSpec } from '../types/config.js';
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
