/** The token cache's state, read at every metrics scrape (`vault.stats().cache`). */

export type BreakerState = 'closed' | 'open' | 'half_open' | 'disabled';

export interface CacheStats {
  l1: { hits: number; misses: number; size: number };
  /** `rejected`: values refused as tampered (a MAC that fails) or rolled back (older than a version this instance knows). */
  l2: { hits: number; misses: number; errors: number; rejected: number; enabled: boolean };
  /** Store reads made by the miss path (single-flight leaders). */
  loads: number;
  /** Envelopes opened (L2 hits + store loads). */
  decrypts: number;
  breaker: BreakerState;
  /** The invalidation bus: while `down`, L1 is empty and not filled (reads go to L2 or the store). */
  bus: 'up' | 'down' | 'disabled';
  invalidations: { published: number; received: number; localClears: number };
}
