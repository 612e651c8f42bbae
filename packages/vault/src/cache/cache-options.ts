import type { RedisOptions } from 'ioredis';
import type { Clock } from '../types/clock.js';
import type { Logger } from '../types/logger.js';
import type { ClusterNodeConnection, ClusterTopology } from './cluster-topology.js';
import type { SubscriberClient } from './invalidation-bus.js';
import type { RedisCacheClient } from './redis-tier.js';
import type { TokenSource } from './types.js';

/** A real ioredis `Redis` satisfies this; it is spelled out so tests can pass a small fake. */
export interface CacheRedisClient extends RedisCacheClient {
  duplicate(override?: Partial<RedisOptions>): SubscriberClient;
}

/** A node connection of a Cluster, which the bus duplicates into a subscriber (an ioredis `Redis`). */
export type DuplicableNode = ClusterNodeConnection & { duplicate(override?: Partial<RedisOptions>): SubscriberClient };

/** A real ioredis `Cluster` satisfies this: the same commands, and the slot table to find every master (cluster-topology.ts). */
export type ClusterCacheClient = RedisCacheClient & ClusterTopology<DuplicableNode>;

export interface TokenCacheOptions {
  source: TokenSource;
  /** L1, in process. `max: 0` or `ttlMs: 0` disables it. Defaults: 5 min, 10,000 entries. */
  l1?: { ttlMs?: number; max?: number };
  /** L2 + invalidation bus. Omit or null for L1 only (a single instance). */
  redis?: {
    /** Created and closed by the caller; the cache only opens (and closes) its pub/sub connections (one per master on a Cluster). */
    client: CacheRedisClient | ClusterCacheClient;
    namespace: string;
    /** 32 bytes; keys in Redis are HMAC-SHA256(hmacKey, itemId), never the id itself; values are MACed under a key derived from it. */
    hmacKey: Buffer;
    ttlSeconds?: number;
    commandTimeoutMs?: number;
    breaker?: { threshold?: number; cooldownMs?: number };
    /** PING on the subscriber connection; L1 is bypassed within intervalMs + timeoutMs of a silent one. Defaults 250 / 500. */
    heartbeat?: { intervalMs?: number; timeoutMs?: number };
  } | null;
  logger?: Logger;
  clock?: Clock;
}
