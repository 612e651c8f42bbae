import type { Secret } from './crypto/secret.js';
import type { CacheStats } from './cache/types.js';
import type { AuditEvent, AuditQuery, AuditVerifyResult, ItemStatus, ItemSummary } from './types.js';

export interface PutItemInput {
  userId: string;
  itemId: string;
  accessToken: string;
  institutionId?: string | null;
  institutionName?: string | null;
  products?: string[];
}

export interface TokenUse {
  userId: string;
  itemId: string;
  /** Why the token is used; recorded in the audit log (e.g. "accounts.get"). */
  purpose: string;
  requestId?: string;
  actor?: string;
}

export interface VaultStats {
  cache: CacheStats;
}

/**
 * The vault's public surface. Sections marked (issue N) are filled in by that
 * issue; until then they throw ERR_INTERNAL "not available".
 */
export interface Vault {
  items: {
    put(input: PutItemInput): Promise<ItemSummary>;
    list(userId: string): Promise<ItemSummary[]>;
    get(ref: { userId: string; itemId: string }): Promise<ItemSummary>;
    /** Local delete (row + caches). `remove` (issue 5) also calls Plaid /item/remove. */
    delete(ref: { userId: string; itemId: string }): Promise<void>;
  };
  /** Run `fn` with the item's token. The Secret must not escape `fn`. */
  withToken<T>(use: TokenUse, fn: (token: Secret) => Promise<T> | T): Promise<T>;
  audit: {
    list(query?: AuditQuery): Promise<AuditEvent[]>;
    verify(): Promise<AuditVerifyResult>;
    flush(): Promise<void>;
  };
  migrate(): Promise<void>;
  stats(): VaultStats;
  close(): Promise<void>;
}

export type { ItemStatus, ItemSummary };
