import { LRUCache } from 'lru-cache';

/** "Only the store can say": after an invalidation, and for an item the store says is gone. */
const STORE_ONLY = Number.POSITIVE_INFINITY;

/**
 * Per item (by hashed key), the lowest `token_version` this instance may still
 * accept from L2. Redis is not trusted to be current: someone who can write to
 * it can put back an older (authentic) value, so a value older than what the
 * instance has seen is refused and the store is read instead.
 *
 * What the instance learns, and from where:
 * - a store read (not overtaken by an invalidation) gives the version exactly;
 * - an L2 value that passed its MAC raises it (that version existed);
 * - an invalidation, heard on the bus or made here, means "a newer version may
 *   exist that Redis cannot prove": the next read goes to the store.
 *
 * An item it has never seen (a new instance, or one evicted from this bounded
 * map) has no floor: its first L2 value is accepted. That is the residual
 * documented in docs/SECURITY.md.
 */
export interface TokenVersions {
  /** True when an L2 value of `version` may be served for this item. */
  accepts(hash: string, version: number): boolean;
  /** An L2 value of `version` passed its MAC and was served. */
  saw(hash: string, version: number): void;
  /** A store read: `undefined` when the row does not exist (then no L2 value is acceptable). */
  loaded(hash: string, version: number | undefined): void;
  /** The item was invalidated: accept nothing from L2 until the store has been read. */
  invalidated(hash: string): void;
  readonly size: number;
}

export function createTokenVersions(max: number): TokenVersions {
  const known = new LRUCache<string, number>({ max });
  return {
    accepts(hash, version) {
      const floor = known.get(hash);
      return floor === undefined || version >= floor;
    },
    saw(hash, version) {
      const floor = known.get(hash);
      if (floor === undefined || version > floor) known.set(hash, version);
    },
    loaded(hash, version) {
      // The store is the truth, also when it is lower (a row deleted and put again starts at 1).
      known.set(hash, version ?? STORE_ONLY);
    },
    invalidated(hash) {
      known.set(hash, STORE_ONLY);
    },
    get size() {
      return known.size;
    },
  };
}
