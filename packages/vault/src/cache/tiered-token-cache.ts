import type { Secret } from '../crypto/secret.js';
import { silentLogger } from '../types/logger.js';
import { systemClock } from '../types/clock.js';
import { createCacheBus } from './cache-bus.js';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.js';
import type { TokenCacheOptions } from './cache-options.js';
import type { InvalidationBus } from './invalidation-bus.js';
import { createItemHasher } from './item-hasher.js';
import { createL2Guard, type L2Guard } from './l2-guard.js';
import { createMemoryTier, type MemoryTier } from './memory-tier.js';
import { CLEAR_ALL_MESSAGE, createRedisTier, SKIPPED, type RedisTier, type Skipped } from './redis-tier.js';
import type { CacheStats } from '../types/cache.js';
import type { ItemRef, TokenCache, TokenSource } from './types.js';

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
 * With Redis, L1 is only filled and kept while the invalidation bus is up: an
 * instance that may be missing invalidations reads L2 or the store instead.
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
  readonly #guard: L2Guard | undefined;
  readonly #hash: (itemId: string) => string;
  /** Keyed by the hashed key when L2 is on (so a bus message finds it), else by item id. */
  readonly #flights = new Map<string, Flight>();
  /** May L1 be filled? Always without Redis; with it, only while the bus is up (it is cleared on each change). */
  #l1Trusted: boolean;
  #l1Hits = 0;
  #l1Misses = 0;
  #l2Hits = 0;
  #l2Misses = 0;
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
    this.#l1Trusted = !redis;
    this.#hash = (itemId) => itemId;
    if (!redis) return;
    if (redis.hmacKey.length !== 32) throw new RangeError('cache hmacKey must be 32 bytes');
    this.#hash = createItemHasher(redis.hmacKey);
    this.#breaker = createCircuitBreaker({ ...redis.breaker, clock: opts.clock ?? systemClock, logger, name: 'redis' });
    this.#l2 = createRedisTier({
      client: redis.client,
      namespace: redis.namespace,
      ttlSeconds: redis.ttlSeconds ?? 3600,
      commandTimeoutMs: redis.commandTimeoutMs ?? 50,
      breaker: this.#breaker,
      logger,
    });
    const tier = this.#l2;
    this.#guard = createL2Guard(redis.hmacKey, (hash) => tier.key(hash));
    this.#bus = createCacheBus(redis.client, {
      channel: this.#l2.channel,
      logger,
      ...(redis.heartbeat && { heartbeat: redis.heartbeat }),
      onMessage: (message) => {
        this.#received += 1;
        if (message === CLEAR_ALL_MESSAGE) this.clearLocal();
        else this.#dropLocal(message, undefined);
      },
      // Down: what L1 holds may already be stale, and nothing may be added. Up: messages sent
      // meanwhile are lost, so start empty; loads begun before are marked stale by the clear.
      onDown: () => {
        this.#l1Trusted = false;
        this.clearLocal();
      },
      onUp: () => {
        this.clearLocal();
        this.#l1Trusted = true;
      },
    });
  }

  resolve(ref: ItemRef): Promise<Secret | undefined> {
    // L1 is empty while it is not trusted, so the hit path needs no check of its own.
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
    const key = this.#hash(itemId);
    this.#dropLocal(key, itemId);
    await this.#l2?.invalidate(key);
  }

  clearLocal(): void {
    this.#localClears += 1;
    this.#l1?.clear();
    for (const flight of this.#flights.values()) flight.stale = true;
    this.#flights.clear();
  }

  // [h13-kv] vault.flush(): queued invalidations now, not at the next replay.
  async flush(): Promise<void> {
    await this.#l2?.flushPending();
  }

  stats(): CacheStats {
    const l2 = this.#l2;
    return {
      l1: { hits: this.#l1Hits, misses: this.#l1Misses, size: this.#l1?.size ?? 0 },
      l2: {
        hits: this.#l2Hits,
        misses: this.#l2Misses,
        errors: l2?.errors ?? 0,
        rejected: this.#guard?.rejected ?? 0,
        enabled: l2 !== undefined,
      },
      loads: this.#loads,
      decrypts: this.#decrypts,
      breaker: this.#breaker?.state ?? 'disabled',
      bus: this.#bus === undefined ? 'disabled' : this.#bus.up ? 'up' : 'down',
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
    const key = this.#hash(ref.itemId);
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
      const value = await l2.get(key);
      if (value !== SKIPPED) {
        const secret = value === null ? undefined : this.#fromL2(value, ref, key);
        if (secret !== undefined) {
          this.#l2Hits += 1;
          return this.#remember(ref.itemId, key, { userId: ref.userId, secret }, flight);
        }
        this.#l2Misses += 1;
        generation = await l2.generation(key);
      }
    }
    this.#loads += 1;
    const row = await this.#source.load(ref.itemId);
    // A load overtaken by an invalidation may have read the row before the write: it teaches nothing.
    if (!flight.stale) this.#guard?.loaded(key, row?.version);
    if (row === undefined) return undefined;
    this.#decrypts += 1;
    const loaded = { userId: row.userId, secret: this.#source.open(row.envelope, { itemId: ref.itemId, userId: row.userId }) };
    // Best effort and off the response path; failures are absorbed by the tier.
    if (l2 !== undefined && generation !== SKIPPED && !flight.stale) {
      const value = this.#guard!.encode(key, row.version, row.envelope);
      if (value !== undefined) void l2.fill(key, value, generation);
    }
    return this.#remember(ref.itemId, key, loaded, flight);
  }

  /**
   * The token in an L2 value, or undefined to read the store: a value in an older format, one
   * that fails its MAC (written by someone without the key), one older than the version this
   * instance knows (put back from an earlier copy), or one that does not open for this user.
   */
  #fromL2(value: Buffer, ref: ItemRef, key: string): Secret | undefined {
    const entry = this.#guard!.check(key, value);
    if (entry === undefined) return undefined;
    this.#decrypts += 1;
    try {
      // The envelope's AAD binds it to the owner: for another user it fails to open and the store decides.
      const secret = this.#source.open(entry.envelope, ref);
      this.#guard!.served(key, entry);
      return secret;
    } catch {
      return undefined;
    }
  }

  #remember(itemId: string, key: string, loaded: Loaded, flight: Flight): Loaded {
    if (this.#l1 !== undefined && this.#l1Trusted && !flight.stale) {
      this.#l1.set(itemId, { userId: loaded.userId, secret: loaded.secret, hash: key, hit: Promise.resolve(loaded.secret) });
    }
    return loaded;
  }

  #dropLocal(key: string, itemId: string | undefined): void {
    const flight = this.#flights.get(key);
    if (flight !== undefined) {
      flight.stale = true;
      this.#flights.delete(key);
    }
    this.#guard?.invalidated(key);
    if (itemId !== undefined) this.#l1?.delete(itemId);
    else this.#l1?.deleteByHash(key);
  }
}
