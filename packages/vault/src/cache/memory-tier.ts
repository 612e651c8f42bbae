import { LRUCache } from 'lru-cache';
import type { Secret } from '../crypto/secret.js';
import type { Clock } from '../types/clock.js';

/** One L1 entry. `hit` is created once at fill so that a hit allocates nothing. */
export interface MemoryEntry {
  readonly userId: string;
  readonly secret: Secret;
  readonly hash: string;
  readonly hit: Promise<Secret>;
}

export interface MemoryTierOptions {
  ttlMs: number;
  max: number;
  /** Only for tests: lru-cache then reads time from it, with no time caching. */
  clock?: Clock;
}

/**
 * L1: plaintext Secrets in process, keyed by item id (so a hit costs one Map
 * look-up, no HMAC), with a side index from the hashed key so that invalidation
 * messages, which carry only the hash, can find the entry.
 */
export interface MemoryTier {
  get(itemId: string): MemoryEntry | undefined;
  set(itemId: string, entry: MemoryEntry): void;
  delete(itemId: string): void;
  deleteByHash(hash: string): void;
  clear(): void;
  readonly size: number;
}

export function createMemoryTier(opts: MemoryTierOptions): MemoryTier {
  return new LruMemoryTier(opts);
}

class LruMemoryTier implements MemoryTier {
  readonly #lru: LRUCache<string, MemoryEntry>;
  readonly #byHash = new Map<string, string>();

  constructor(opts: MemoryTierOptions) {
    const clock = opts.clock;
    this.#lru = new LRUCache<string, MemoryEntry>({
      max: opts.max,
      ttl: opts.ttlMs,
      // TTL bounds staleness when an invalidation is missed, so reads must not extend it.
      updateAgeOnGet: false,
      ...(clock ? { perf: { now: () => clock.now().getTime() }, ttlResolution: 0 } : {}),
      dispose: (entry, itemId, reason) => {
        // An overwrite keeps the same item id and hash; every other reason removes it.
        if (reason !== 'set' && this.#byHash.get(entry.hash) === itemId) this.#byHash.delete(entry.hash);
      },
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  get(itemId: string): MemoryEntry | undefined {
    return this.#lru.get(itemId);
  }

  set(itemId: string, entry: MemoryEntry): void {
    this.#byHash.set(entry.hash, itemId);
    this.#lru.set(itemId, entry);
  }

  delete(itemId: string): void {
    this.#lru.delete(itemId);
  }

  deleteByHash(hash: string): void {
    const itemId = this.#byHash.get(hash);
    if (itemId !== undefined) this.#lru.delete(itemId);
  }

  clear(): void {
    this.#lru.clear();
    this.#byHash.clear();
  }
}
