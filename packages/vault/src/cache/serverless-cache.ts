import { LRUCache } from 'lru-cache';
import type { Secret } from '../crypto/secret.js';
import { systemClock, type Clock } from '../types/clock.js';
import { silentLogger, type Logger } from '../types/logger.js';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.js';
import { createItemHasher } from './item-hasher.js';
import { createL2Guard, type L2Guard } from './l2-guard.js';
import { createRedisTier, SKIPPED, type RedisCacheClient, type RedisTier } from './redis-tier.js';
import type { CacheStats } from '../types/cache.js';
import type { ItemRef, TokenCache, TokenSource } from './types.js';

export interface ServerlessTokenCacheOptions {
  source: TokenSource;
  /** L1, in process; every hit is checked against the item's generation in L2. `max: 0` or `ttlMs: 0` turns it off. */
  l1?: { ttlMs?: number; max?: number };
  l2: {
    /** A KV REST client (kv-rest-client.ts) or an ioredis client; the caller creates and closes it. No subscriber is opened. */
    client: RedisCacheClient;
    namespace: string;
    /** 32 bytes, as for the TCP tier: keys are HMACs, values are MACed. */
    hmacKey: Buffer;
    ttlSeconds?: number;
    commandTimeoutMs?: number;
    breaker?: { threshold?: number; cooldownMs?: number };
    /** Names the dependency in the breaker's log lines (default 'kv'). */
    name?: string;
  };
  logger?: Logger;
  clock?: Clock;
}

/** An L1 entry, with the generation the item had in L2 before the token was read. */
interface Entry {
  readonly userId: string;
  readonly secret: Secret;
  readonly hash: string;
  readonly generation: string;
}

interface Loaded {
  userId: string;
  secret: Secret;
}

interface Flight {
  promise: Promise<Loaded | undefined>;
  stale: boolean;
}

const NOT_FOUND: Promise<undefined> = Promise.resolve(undefined);

/**
 * The token cache for serverless functions: no pub/sub subscriber (a frozen
 * function cannot hold one) and no timer that correctness depends on. Instances
 * stay coherent through the item's generation in L2, which every invalidation
 * bumps in the same script that deletes the value:
 *
 * - an L1 entry remembers the generation read before its token was read, and
 *   each use reads the generation again (one small GET) and serves the entry
 *   only when it is unchanged;
 * - a miss reads the generation and the value in one round trip, then L2 or
 *   the store, as the TCP tier does (generation-guarded fill, MAC and version
 *   floor).
 *
 * So a token deleted or replaced on any instance is not served by another one
 * from the moment the invalidation script has run (before `delete` returns).
 * When L2 does not answer (timeout, breaker open), nothing is served from L1:
 * the store is read instead.
 *
 * @example
 * const kv = await createKvRestClient({ url, token, timeoutMs: 200, writeTimeoutMs: 2000 });
 * const cache = createServerlessTokenCache({ source, l2: { client: kv, namespace: 'app', hmacKey } });
 * const token = await cache.resolve({ itemId, userId });
 */
export function createServerlessTokenCache(opts: ServerlessTokenCacheOptions): TokenCache {
  return new GenerationCheckedCache(opts);
}

class GenerationCheckedCache implements TokenCache {
  readonly #source: TokenSource;
  readonly #l1: LRUCache<string, Entry> | undefined;
  readonly #l2: RedisTier;
  readonly #breaker: CircuitBreaker;
  readonly #guard: L2Guard;
  readonly #hash: (itemId: string) => string;
  readonly #flights = new Map<string, Flight>();
  /** Fills sent and not yet answered: `flush()` waits for them, so the next invocation finds the value. */
  readonly #fills = new Set<Promise<void>>();
  #l1Hits = 0;
  #l1Misses = 0;
  #l2Hits = 0;
  #l2Misses = 0;
  #loads = 0;
  #decrypts = 0;
  /** Changes seen by a generation check: invalidations made by another instance. */
  #received = 0;
  #localClears = 0;

  constructor(opts: ServerlessTokenCacheOptions) {
    const logger = opts.logger ?? silentLogger;
    const { l2 } = opts;
    if (l2.hmacKey.length !== 32) throw new RangeError('cache hmacKey must be 32 bytes');
    this.#source = opts.source;
    const max = opts.l1?.max ?? 10_000;
    const ttl = opts.l1?.ttlMs ?? 300_000;
    // Checked on every use, so the TTL only bounds how long a plaintext token stays in memory.
    if (max > 0 && ttl > 0) {
      const clock = opts.clock;
      this.#l1 = new LRUCache<string, Entry>({
        max,
        ttl,
        updateAgeOnGet: false,
        // Only for tests, as in memory-tier.ts: time from the injected clock, not cached.
        ...(clock ? { perf: { now: () => clock.now().getTime() }, ttlResolution: 0 } : {}),
      });
    }
    this.#hash = createItemHasher(l2.hmacKey);
    const name = l2.name ?? 'kv';
    this.#breaker = createCircuitBreaker({ ...l2.breaker, clock: opts.clock ?? systemClock, logger, name });
    this.#l2 = createRedisTier({
      client: l2.client,
      namespace: l2.namespace,
      ttlSeconds: l2.ttlSeconds ?? 3600,
      commandTimeoutMs: l2.commandTimeoutMs ?? 200,
      breaker: this.#breaker,
      logger,
    });
    const tier = this.#l2;
    this.#guard = createL2Guard(l2.hmacKey, (hash) => tier.key(hash));
  }

  resolve(ref: ItemRef): Promise<Secret | undefined> {
    const entry = this.#l1?.get(ref.itemId);
    if (entry === undefined) {
      if (this.#l1 !== undefined) this.#l1Misses += 1;
      return this.#miss(ref);
    }
    return this.#checked(ref, entry);
  }

  async invalidate(itemId: string): Promise<void> {
    const key = this.#hash(itemId);
    this.#dropLocal(key, itemId);
    await this.#l2.invalidate(key);
  }

  clearLocal(): void {
    this.#localClears += 1;
    this.#l1?.clear();
    for (const flight of this.#flights.values()) flight.stale = true;
    this.#flights.clear();
  }

  /** Wait for fills in flight, then send queued invalidations (one attempt each). */
  async flush(): Promise<void> {
    await Promise.all(this.#fills);
    await this.#l2.flushPending();
  }

  stats(): CacheStats {
    return {
      l1: { hits: this.#l1Hits, misses: this.#l1Misses, size: this.#l1?.size ?? 0 },
      l2: { hits: this.#l2Hits, misses: this.#l2Misses, errors: this.#l2.errors, rejected: this.#guard.rejected, enabled: true },
      loads: this.#loads,
      decrypts: this.#decrypts,
      breaker: this.#breaker.state,
      bus: 'disabled',
      invalidations: { published: this.#l2.published, received: this.#received, localClears: this.#localClears },
    };
  }

  async close(): Promise<void> {
    this.#l2.close();
    this.#l1?.clear();
    this.#flights.clear();
  }

  async #checked(ref: ItemRef, entry: Entry): Promise<Secret | undefined> {
    const generation = await this.#l2.generation(entry.hash);
    if (generation === entry.generation) {
      this.#l1Hits += 1;
      // Another user's item answers exactly like a missing one: no existence oracle.
      return entry.userId === ref.userId ? entry.secret : undefined;
    }
    this.#l1Misses += 1;
    if (generation !== SKIPPED) {
      // Another instance invalidated the item: as a bus message would, drop it and read the store next.
      this.#received += 1;
      this.#dropLocal(entry.hash, ref.itemId);
    }
    // Unverifiable (L2 down): the entry stays for when L2 answers again, but is not served meanwhile.
    // L2 just failed this call: the store answers, so a slow KV costs one deadline per call, not two.
    return this.#miss(ref, generation !== SKIPPED);
  }

  async #miss(ref: ItemRef, useL2 = true): Promise<Secret | undefined> {
    const key = this.#hash(ref.itemId);
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      flight = { stale: false, promise: NOT_FOUND };
      this.#flights.set(key, flight);
      flight.promise = this.#load(ref, key, flight, useL2);
    }
    const loaded = await flight.promise;
    return loaded !== undefined && loaded.userId === ref.userId ? loaded.secret : undefined;
  }

  async #load(ref: ItemRef, key: string, flight: Flight, useL2: boolean): Promise<Loaded | undefined> {
    try {
      return await this.#loadThrough(ref, key, flight, useL2);
    } finally {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    }
  }

  async #loadThrough(ref: ItemRef, key: string, flight: Flight, useL2: boolean): Promise<Loaded | undefined> {
    const read = useL2 ? await this.#l2.read(key) : SKIPPED;
    // Without a generation (L2 down) nothing read now may enter L1 or L2.
    const generation = read === SKIPPED ? undefined : read.generation;
    if (read !== SKIPPED) {
      const secret = read.value === null ? undefined : this.#fromL2(read.value, ref, key);
      if (secret !== undefined) {
        this.#l2Hits += 1;
        return this.#remember(ref.itemId, key, { userId: ref.userId, secret }, flight, generation);
      }
      this.#l2Misses += 1;
    }
    this.#loads += 1;
    const row = await this.#source.load(ref.itemId);
    if (!flight.stale) this.#guard.loaded(key, row?.version);
    if (row === undefined) return undefined;
    this.#decrypts += 1;
    const loaded = { userId: row.userId, secret: this.#source.open(row.envelope, { itemId: ref.itemId, userId: row.userId }) };
    if (generation !== undefined && !flight.stale) {
      const value = this.#guard.encode(key, row.version, row.envelope);
      if (value !== undefined) this.#track(this.#l2.fill(key, value, generation));
    }
    return this.#remember(ref.itemId, key, loaded, flight, generation);
  }

  /** As in the TCP cache: a value that fails its MAC, is older than the known version or does not open is a miss. */
  #fromL2(value: Buffer, ref: ItemRef, key: string): Secret | undefined {
    const entry = this.#guard.check(key, value);
    if (entry === undefined) return undefined;
    this.#decrypts += 1;
    try {
      const secret = this.#source.open(entry.envelope, ref);
      this.#guard.served(key, entry);
      return secret;
    } catch {
      return undefined;
    }
  }

  #remember(itemId: string, key: string, loaded: Loaded, flight: Flight, generation: string | undefined): Loaded {
    if (this.#l1 !== undefined && generation !== undefined && !flight.stale) {
      this.#l1.set(itemId, { userId: loaded.userId, secret: loaded.secret, hash: key, generation });
    }
    return loaded;
  }

  #track(fill: Promise<void>): void {
    this.#fills.add(fill);
    void fill.finally(() => this.#fills.delete(fill));
  }

  #dropLocal(key: string, itemId: string): void {
    const flight = this.#flights.get(key);
    if (flight !== undefined) {
      flight.stale = true;
      this.#flights.delete(key);
    }
    this.#guard.invalidated(key);
    this.#l1?.delete(itemId);
  }
}
