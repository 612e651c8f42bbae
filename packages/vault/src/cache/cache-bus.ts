import type { CacheRedisClient, ClusterCacheClient } from './cache-options.js';
import { createClusterInvalidationBus } from './cluster-invalidation-bus.js';
import { isClusterClient } from './cluster-topology.js';
import { createInvalidationBus, type InvalidationBus, type InvalidationBusOptions } from './invalidation-bus.js';
import { subscriberOptions } from './redis-client.js';

/**
 * The invalidation bus for the cache's client: on one Redis, a duplicate of
 * the client that subscribes; on a Cluster, a subscriber on every master
 * (cluster-invalidation-bus.ts).
 *
 * @example
 * const bus = createCacheBus(client, { channel, logger, onMessage, onUp, onDown });
 */
export function createCacheBus(
  client: CacheRedisClient | ClusterCacheClient,
  opts: Omit<InvalidationBusOptions, 'subscriber'>,
): InvalidationBus {
  if (isClusterClient(client)) return createClusterInvalidationBus({ ...opts, cluster: client as ClusterCacheClient });
  return createInvalidationBus({ ...opts, subscriber: (client as CacheRedisClient).duplicate(subscriberOptions()) });
}
