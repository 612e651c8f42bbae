import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { RedisOptions } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Secret } from '../crypto/secret.js';
import { silentLogger, systemClock, type Clock, type Logger } from '../types.js';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.js';
import { createInvalidationBus, type InvalidationBus, type SubscriberClient } from './invalidation-bus.js';
import { createMemoryTier, type MemoryTier } from './memory-tier.js';
import { CLEAR_ALL_MESSAGE, createRedisTier, SKIPPED, type RedisCacheClient, type RedisTier, type Skipped } from './redis-tier.js';
import { subscriberOptions } from './redis-client.js';
import type { CacheStats, ItemRef, TokenCache, TokenSource } from './types.js';

/** A real ioredis `Redis` satisfies this; it is spelled out so tests can pass a small fake. */
export interface CacheRedisClient extends RedisCacheClient {
  duplicate(override?: Partial<RedisOptions>): SubscriberClient;
}

export interface TokenCacheOptions {
  source: TokenSource;
  /** L1, in process. `max: 0` or `ttlMs: 0` disables it. Defaults: 5 min, 10,000 entries. */
  l1?: { ttlMs?: number; max?: number };
  /** L2 + invalidation bus. Omit or null for L1 only (a single instance). */
  redis?: {
    /** Created and closed by the caller; the cache only opens (and closes) a duplicate for pub/sub. */
    client: CacheRedisClient;
    namespace: string;
    /** 32 bytes; keys in Redis are HMAC-SHA256(hmacKey, itemId), never the id itself. */
    hmacKey: Buffer;
    ttlSeconds?: number;
    commandTimeoutMs?: number;
    breaker?: { threshold?: number; cooldownMs?: number };
  } | null;
  logger?: Logger;
  clock?: Clock;
}

interface Loaded {
  userId: string;
  secret: Secret;
}

/** One miss in progress. `stale` is set when the item is invalidated meanwhile: its result is then not cached. */
interface Flight {
  promise: Promise<Loaded | undefined>;
  stale: boolean;
}

const NOT_FOUND: Promise<undefined> = Promise.resolve(undefined);

/**
 * The tiered token cache: L1 (plaintext Secrets in process) over optional L2
 * (envelope bytes in Redis), single-flight per item, invalidated everywhere.
 *
 * @example
 * const cache = createTokenCache({ source, redis: { client, namespace: 'app', hmacKey } });
 * const token = await cache.resolve({ itemId, userId }); // Secret | undefined
 * await cache.invalidate(itemId); // after the DB write
 */
export function createTokenCache(opts: TokenCacheOptions): TokenCache {
  return new TieredTokenCache(opts);
}

class TieredTokenCache implements TokenCache {
  readonly #source: TokenSource;
  readonly #l1: MemoryTier | undefined;
  readonly #l2: RedisTier | undefined;
  readonly #breaker: CircuitBreaker | undefined;
  readonly #bus: InvalidationBus | undefined;
  readonly #hmacKey: KeyObject | undefined;
  /** Keyed by the hashed key when L2 is on (so a bus message finds it), else by item id. */
  readonly #flights = new Map<string, Flight>();
  readonly #hashes = new LRUCache<string, string>({ max: 10_000 });
  #l1Hits = 0;
  #l1Misses = 0;
  #loads = 0;
  #decrypts = 0;
  #received = 0;
  #localClears = 0;

  constructor(opts: TokenCacheOptions) {
    const logger = opts.logger ?? silentLogger;
    this.#source = opts.source;
    const max = opts.l1?.max ?? 10_000;
    const ttlMs = opts.l1?.ttlMs ?? 300_000;
    // lru-cache reads ttl 0 as "never expires"; for a plaintext cache that must mean "off".
    if (max > 0 && ttlMs > 0) {
      this.#l1 = createMemoryTier({ ttlMs, max, ...(opts.clock ? { clock: opts.clock } : {}) });
    }
    const redis = opts.redis;
    if (!redis) return;
    if (redis.hmacKey.length !== 32) throw new RangeError('cache hmacKey must be 32 bytes');
    this.#hmacKey = createSecretKey(redis.hmacKey);
    this.#breaker = createCircuitBreaker({ ...redis.breaker, clock: opts.clock ?? systemClock, logger, name: 'redis' });
    this.#l2 = createRedisTier({
      client: redis.client,
      namespace: redis.namespace,
      ttlSeconds: redis.ttlSeconds ?? 3600,
      commandTimeoutMs: redis.commandTimeoutMs ?? 50,
      breaker: this.#breaker,
      logger,
    });
    this.#bus = createInvalidationBus({
      subscriber: redis.client.duplicate(subscriberOptions()),
      channel: this.#l2.channel,
      logger,
      onMessage: (message) => {
        this.#received += 1;
        if (message === CLEAR_ALL_MESSAGE) this.clearLocal();
        else this.#dropLocal(message, undefined);
      },
      onSubscribed: () => this.clearLocal(),
    });
  }

  resolve(ref: ItemRef): Promise<Secret | undefined> {
    const l1 = this.#l1;
    if (l1 !== undefined) {
      const entry = l1.get(ref.itemId);
      if (entry !== undefined) {
        this.#l1Hits += 1;
        // Another user's item answers exactly like a missing one: no existence oracle.
        return entry.userId === ref.userId ? entry.hit : NOT_FOUND;
      }
      this.#l1Misses += 1;
    }
    return this.#miss(ref);
  }

  async invalidate(itemId: string): Promise<void> {
    const key = this.#l2 ? this.#hash(itemId) : itemId;
    this.#dropLocal(key, itemId);
    await this.#l2?.invalidate(key);
  }

  clearLocal(): void {
    this.#localClears += 1;
    this.#l1?.clear();
    for (const flight of this.#flights.values()) flight.stale = true;
    this.#flights.clear();
  }

  stats(): CacheStats {
    const l2 = this.#l2;
    return {
      l1: { hits: this.#l1Hits, misses: this.#l1Misses, size: this.#l1?.size ?? 0 },
      l2: { hits: l2?.hits ?? 0, misses: l2?.misses ?? 0, errors: l2?.errors ?? 0, enabled: l2 !== undefined },
      loads: this.#loads,
      decrypts: this.#decrypts,
      breaker: this.#breaker?.state ?? 'disabled',
      invalidations: { published: l2?.published ?? 0, received: this.#received, localClears: this.#localClears },
    };
  }

  async close(): Promise<void> {
    this.#l2?.close();
    await this.#bus?.close();
    this.#l1?.clear();
    this.#flights.clear();
  }

  async #miss(ref: ItemRef): Promise<Secret | undefined> {
    const key = this.#l2 ? this.#hash(ref.itemId) : ref.itemId;
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      // In the map before the load starts, so the load's own clean-up always finds it.
      flight = { stale: false, promise: NOT_FOUND };
      this.#flights.set(key, flight);
      flight.promise = this.#load(ref, key, flight);
    }
    const loaded = await flight.promise;
    return loaded !== undefined && loaded.userId === ref.userId ? loaded.secret : undefined;
  }

  async #load(ref: ItemRef, key: string, flight: Flight): Promise<Loaded | undefined> {
    try {
      return await this.#loadThrough(ref, key, flight);
    } finally {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    }
  }

  async #loadThrough(ref: ItemRef, key: string, flight: Flight): Promise<Loaded | undefined> {
    const l2 = this.#l2;
    let generation: string | Skipped = SKIPPED;
    if (l2 !== undefined) {
      const envelope = await l2.get(key);
      if (envelope !== SKIPPED && envelope !== null) {
        // The envelope's AAD binds it to the owner: a wrong user or a damaged value fails to open
        // and falls through to the store, which decides.
        const secret = this.#tryOpen(envelope, ref);
        if (secret !== undefined) return this.#remember(ref.itemId, key, { userId: ref.userId, secret }, flight);
      }
      if (envelope !== SKIPPED) generation = await l2.generation(key);
    }
    this.#loads += 1;
    const row = await this.#source.load(ref.itemId);
    if (row === undefined) return undefined;
    this.#decrypts += 1;
    const loaded = { userId: row.userId, secret: this.#source.open(row.envelope, { itemId: ref.itemId, userId: row.userId }) };
    // Best effort and off the response path; failures are absorbed by the tier.
    if (l2 !== undefined && generation !== SKIPPED && !flight.stale) void l2.fill(key, row.envelope, generation);
    return this.#remember(ref.itemId, key, loaded, flight);
  }

  #remember(itemId: string, key: string, loaded: Loaded, flight: Flight): Loaded {
    if (this.#l1 !== undefined && !flight.stale) {
      this.#l1.set(itemId, { userId: loaded.userId, secret: loaded.secret, hash: key, hit: Promise.resolve(loaded.secret) });
    }
    return loaded;
  }

  #tryOpen(envelope: Buffer, ref: ItemRef): Secret | undefined {
    this.#decrypts += 1;
    try {
      return this.#source.open(envelope, ref);
    } catch {
      return undefined;
    }
  }

  #dropLocal(key: string, itemId: string | undefined): void {
    const flight = this.#flights.get(key);
    if (flight !== undefined) {
      flight.stale = true;
      this.#flights.delete(key);
    }
    if (itemId !== undefined) this.#l1?.delete(itemId);
    else this.#l1?.deleteByHash(key);
  }

  #hash(itemId: string): string {
    // An HMAC costs a few µs, as much as the rest of an L2 hit's overhead: remember recent ones.
    let hash = this.#hashes.get(itemId);
    if (hash === undefined) {
      hash = createHmac('sha256', this.#hmacKey!).update(itemId).digest('base64url');
      this.#hashes.set(itemId, hash);
    }
    return hash;
  }
}
