import type { Cluster, ClusterOptions } from 'ioredis';
import { loadIoredis } from '../drivers/optional-package.js';
import { CacheUnavailableError } from '../errors.js';
import { silentLogger, type Logger } from '../types/logger.js';
import { logTransitions, reconnectDelay } from './redis-client.js';
import type { RedisClusterSpec } from '../types/config.js';

/**
 * What both cluster clients share. Reads and writes go to masters only: a
 * replica is behind its master (replication is asynchronous), so it could
 * serve an envelope the master has already deleted. No command is retried
 * by ioredis after a closed connection or CLUSTERDOWN: a cache command that
 * fails is a miss, and a retry 100 ms later could never land inside the
 * cache's deadline anyway (it would only run after the caller moved on).
 * MOVED and ASK redirections are still followed (at once).
 */
function sharedOptions(spec: RedisClusterSpec, connectTimeoutMs: number): ClusterOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    scaleReads: 'master',
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    slotsRefreshTimeout: connectTimeoutMs,
    // With TLS, keep the seeds' host names as given: certificates name hosts, not the addresses they resolve to.
    ...(spec.tls && { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) }),
    redisOptions: {
      connectTimeout: connectTimeoutMs,
      maxRetriesPerRequest: 0,
      ...(spec.username !== undefined && { username: spec.username }),
      ...(spec.password !== undefined && { password: spec.password }),
      ...(spec.tls && { tls: {} }),
    },
  };
}

/**
 * ioredis opens a node's connection on the first command for it, and with no
 * offline queue it refuses every other command for that node until the
 * connection is ready: a burst of requests just after start-up (or after a
 * node joined) would fail and could open the breaker. Once the cluster is
 * ready, connect every node it knows, and each node it learns of later. Not
 * before: the start-up check (CLUSTER INFO) goes to a node that must still be
 * idle (a node already connecting refuses it, and ioredis starts over).
 */
function connectNodesEagerly(client: Cluster): void {
  const connectIdle = (): void => {
    for (const node of client.nodes('all')) if (node.status === 'wait') node.connect().catch(() => {});
  };
  client.on('ready', connectIdle);
  client.on('+node', () => {
    if (client.status === 'ready') connectIdle();
  });
}

/**
 * An ioredis `Cluster` tuned like `createRedisClient`'s single client: no
 * offline queue, no per-command retries, a 1 s connect timeout, and
 * reconnection forever with capped back-off. The cache gives every master a
 * subscriber connection of its own (cluster-invalidation-bus.ts) and the
 * sweeps visit every master (cluster-topology.ts). Connection failures are
 * logged once per transition, without addresses. The caller closes it.
 *
 * @example
 * const client = await createRedisClusterClient(config.redisCluster, logger);
 * const cache = createTokenCache({ source, redis: { client, namespace, hmacKey } });
 */
export async function createRedisClusterClient(spec: RedisClusterSpec, logger: Logger = silentLogger): Promise<Cluster> {
  const { Cluster } = await loadIoredis();
  const client = new Cluster(
    spec.nodes.map((n) => ({ host: n.host, port: n.port })),
    // A node's connection reconnects by itself (ioredis' default drops it and makes a new one on the next
    // command for its slots, a connection attempt per command while the node is down); meanwhile commands
    // for its slots fail at once.
    // The slot table is read again every 5 s (ioredis' documented default, which 5.11 does not apply): with
    // no retry on a closed connection, nothing else would notice a failover, and the bus needs every master.
    {
      ...sharedOptions(spec, 1000),
      clusterRetryStrategy: reconnectDelay,
      clusterNodeRetryStrategy: reconnectDelay,
      slotsRefreshInterval: 5000,
    },
  );
  connectNodesEagerly(client);
  logTransitions(client, logger, 'redis cluster');
  client.connect().catch(() => {});
  return client;
}

/**
 * The cluster counterpart of `connectBatchRedis` (the CLI's cache sweep):
 * connects once, never reconnects, bounds every command, and resolves only
 * once the cluster reports itself able to serve (`CLUSTER INFO` state ok).
 *
 * @throws CacheUnavailableError when no seed answers or the cluster is not ready in time.
 * @example
 * const client = await connectBatchRedisCluster(config.redisCluster);
 * try { await purgeKids({ client, namespace, keep, ttlSeconds }); } finally { client.disconnect(); }
 */
export async function connectBatchRedisCluster(spec: RedisClusterSpec, opts: { timeoutMs?: number } = {}): Promise<Cluster> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const base = sharedOptions(spec, timeoutMs);
  const { Cluster } = await loadIoredis();
  const client = new Cluster(
    spec.nodes.map((n) => ({ host: n.host, port: n.port })),
    { ...base, clusterRetryStrategy: () => null, redisOptions: { ...base.redisOptions, commandTimeout: timeoutMs } },
  );
  // Errors surface through the commands; the event's text can carry hosts and ports.
  client.on('error', () => {});
  connectNodesEagerly(client);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('cluster not ready'), { code: 'ETIMEDOUT' })), 2 * timeoutMs);
  });
  try {
    await Promise.race([client.connect(), late]);
    return client;
  } catch (err) {
    client.disconnect();
    const code = (err as { code?: unknown }).code;
    throw new CacheUnavailableError(undefined, { details: { reason: typeof code === 'string' ? code : 'unknown' } });
  } finally {
    clearTimeout(timer);
  }
}
