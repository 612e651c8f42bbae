import type { Secret } from '../crypto/secret.js';
import type { CacheStats } from '../types/cache.js';

export interface ItemRef {
  itemId: string;
  userId: string;
}

/**
 * Where the cache gets what it does not hold. Given once at construction so the
 * hot path allocates no closures.
 */
export interface TokenSource {
  /** One store read. `undefined` when the row does not exist. `version` is the row's token_version. */
  load(itemId: string): Promise<{ userId: string; envelope: Buffer; version: number } | undefined>;
  /** Open an envelope (AAD binds item and user); throws ERR_CRYPTO_* on failure. */
  open(envelope: Buffer, ref: ItemRef): Secret;
}

/**
 * L1 (in-process, plaintext Secrets) over optional L2 (Redis, envelope bytes
 * only), single-flight per item, invalidated across instances.
 */
export interface TokenCache {
  /**
   * The token for `ref`, or `undefined` when the item does not exist or belongs
   * to another user (no existence oracle). An L1 hit does no I/O and no crypto.
   */
  resolve(ref: ItemRef): Promise<Secret | undefined>;
  /** After a DB write: drop L1 here, delete L2, publish the (hashed) key to every instance. */
  invalidate(itemId: string): Promise<void>;
  /** Drop every L1 entry in this process. */
  clearLocal(): void;
  /** [h13-kv] Send what is waiting for a timer now (queued invalidations; serverless: fills in flight). Never rejects. */
  flush(): Promise<void>;
  stats(): CacheStats;
  close(): Promise<void>;
}
