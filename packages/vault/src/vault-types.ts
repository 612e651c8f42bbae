import type { Secret } from './crypto/secret.js';
import type { CacheStats } from './cache/types.js';
import type {
  AuditAnchor,
  AuditEvent,
  AuditQuery,
  AuditStats,
  AuditVerifyOptions,
  AuditVerifyResult,
  ItemStatus,
  ItemSummary,
} from './types.js';
import type { HoldingsView, InvestmentTransactionsQuery, InvestmentTransactionsView, LiabilitiesView } from './data-view-types.js';

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
  audit: AuditStats;
}

// ---- Plaid operations (issue 5). Implemented in src/plaid, src/items, src/webhooks. ----

export interface LinkTokenResult {
  linkToken: string;
  expiration: Date;
}

export interface ExchangeResult {
  itemId: string;
  institutionName: string | null;
  /** Items of the same institution for this user that were removed (policy "replace") or kept ("keep"). */
  duplicates: { itemId: string; action: 'removed' | 'kept' }[];
}

export interface RotateResult {
  itemId: string;
  /** 'rotated' = new token stored; 'relink_required' = token lost at Plaid, item marked; 'skipped' = not due / dry run. */
  outcome: 'rotated' | 'relink_required' | 'skipped';
  tokenVersion: number;
}

export interface RotateDueOptions {
  olderThan: Date;
  concurrency?: number;
  dryRun?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Stop starting rotations: the ones in flight finish and the report so far is returned (`aborted: true`). */
  signal?: AbortSignal;
  /** Items read per page (memory is bounded by it). Default 500, max 10 000. */
  pageSize?: number;
}

export interface RotateDueReport {
  /** Items whose rotation was started (a dry run: items due). */
  considered: number;
  rotated: number;
  relinkRequired: number;
  failed: { itemId: string; code: string }[];
  /** Present when `signal` stopped the run with due items left; the next run (same cutoff) picks them up. */
  aborted?: true;
}

export interface RecoveryReport {
  replayed: number;
  relinkRequired: number;
  alreadyApplied: number;
  remaining: number;
  /**
   * Present when non-zero: records whose item was deleted while its rotation
   * was unfinished; the Item was removed at Plaid with the journaled new token
   * (the only copy) before the record was dropped.
   */
  orphansRemoved?: number;
}

export interface WebhookResult {
  accepted: boolean;
  webhookType: string;
  webhookCode: string;
  itemId: string | null;
  /** What the vault did about it (e.g. 'status:login_required', 'marked_for_sync', 'ignored'). */
  action: string;
}

export interface AccountView {
  accountId: string;
  name: string;
  officialName: string | null;
  mask: string | null;
  type: string;
  subtype: string | null;
  balances: { available: number | null; current: number | null; limit: number | null; isoCurrencyCode: string | null };
}

export interface TransactionView {
  transactionId: string;
  accountId: string;
  amount: number;
  isoCurrencyCode: string | null;
  date: string;
  name: string;
  merchantName: string | null;
  pending: boolean;
  pendingTransactionId: string | null;
  category: string | null;
}

export interface TransactionsDelta {
  added: TransactionView[];
  modified: TransactionView[];
  removed: { transactionId: string; accountId: string | null }[];
  /** The cursor after this delta (persisted on the item when the caller passed none). */
  nextCursor: string;
}

export interface HealthReport {
  ok: boolean;
  database: 'ok' | 'down';
  /** TCP Redis or, with `kv`, the KV REST API. */
  redis: 'ok' | 'down' | 'disabled';
  plaid: 'ok' | 'down' | 'unknown';
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
    /**
     * Local delete (row + caches). `remove` (issue 5) also calls Plaid /item/remove.
     * Waits for a running rotation of the item (up to `rotation.removeWaitMs`), else ERR_ROTATION_IN_PROGRESS.
     */
    delete(ref: { userId: string; itemId: string }): Promise<void>;
    // (issue 5)
    rotate(ref: { itemId: string; userId?: string }): Promise<RotateResult>;
    rotateDue(opts: RotateDueOptions): Promise<RotateDueReport>;
    /**
     * Plaid /item/remove with the current token, then delete the row, purge caches everywhere, audit. Idempotent.
     * Never overlaps a rotation of the item: waits for one (up to `rotation.removeWaitMs`), else
     * ERR_ROTATION_IN_PROGRESS (nothing changed; retry).
     */
    remove(ref: { userId: string; itemId: string }): Promise<void>;
  };
  /** Run `fn` with the item's token. The Secret must not escape `fn`. */
  withToken<T>(use: TokenUse, fn: (token: Secret) => Promise<T> | T): Promise<T>;
  audit: {
    /** The stored chain, newest first (buffered events are flushed first when the store takes them). */
    list(query?: AuditQuery): Promise<AuditEvent[]>;
    /** Walk the whole chain; with an anchor from `head()`, also prove the chain still holds it and extends it. */
    verify(opts?: AuditVerifyOptions): Promise<AuditVerifyResult>;
    /** The chain's head `{ seq, hash, at }`: keep it outside the database (see `plaid-vault audit anchor`). */
    head(): Promise<AuditAnchor>;
    /** Write what is buffered; rejects with the store's error if it cannot (the events stay buffered). */
    flush(): Promise<void>;
  };
  // (issue 5)
  link: {
    createLinkToken(input: { userId: string; itemId?: string }): Promise<LinkTokenResult>;
    exchange(input: { userId: string; publicToken: string }): Promise<ExchangeResult>;
    /** Emulator/sandbox only: /sandbox/public_token/create then exchange. ERR_INPUT_INVALID in production. */
    sandboxLink(input: { userId: string; institutionId?: string; username?: string }): Promise<ExchangeResult>;
  };
  data: {
    accounts(ref: { userId: string; itemId: string; requestId?: string }): Promise<AccountView[]>;
    balances(ref: { userId: string; itemId: string; requestId?: string }): Promise<AccountView[]>;
    /** Incremental /transactions/sync; has_more paging done inside. Without `cursor`, the item's persisted cursor is used and advanced. */
    transactions(ref: { userId: string; itemId: string; cursor?: string; requestId?: string }): Promise<TransactionsDelta>;
    identity(ref: { userId: string; itemId: string; requestId?: string }): Promise<unknown>;
    auth(ref: { userId: string; itemId: string; requestId?: string }): Promise<unknown>;
    /**
     * `/investments/holdings/get`: investment accounts, holdings, securities. Needs
     * `investments` in `PLAID_PRODUCTS` (else ERR_PRODUCT_NOT_ENABLED, before any call).
     *
     * @example
     * const { holdings, securities } = await vault.data.holdings({ userId, itemId });
     */
    holdings(ref: { userId: string; itemId: string; requestId?: string }): Promise<HoldingsView>;
    /**
     * `/investments/transactions/get`, one page (newest first) of a date range. Needs
     * `investments`. Bad dates or counts are ERR_INPUT_INVALID, before any call.
     *
     * @example
     * const page = await vault.data.investmentTransactions({ userId, itemId, startDate: '2026-01-01', count: 50 });
     * // page.total: how many in the range; read on with offset: 50
     */
    investmentTransactions(
      ref: { userId: string; itemId: string; requestId?: string } & InvestmentTransactionsQuery,
    ): Promise<InvestmentTransactionsView>;
    /**
     * `/liabilities/get`: credit cards, mortgages, student loans. Needs `liabilities`.
     *
     * @example
     * const { credit, mortgage, student } = await vault.data.liabilities({ userId, itemId });
     */
    liabilities(ref: { userId: string; itemId: string; requestId?: string }): Promise<LiabilitiesView>;
  };
  webhooks: {
    handle(rawBody: string | Uint8Array, headers: Headers | Record<string, string | string[] | undefined>): Promise<WebhookResult>;
  };
  recover(): Promise<RecoveryReport>;
  health(): Promise<HealthReport>;
  /**
   * [h13-kv] Write what waits for a timer, now: buffered audit events, and the
   * cache's queued invalidations and (serverless) fills in flight, one attempt
   * each. Call it before a serverless function may be frozen (`plaid-vault/next`
   * does it with `after()`). Rejects with the store's error when the audit events
   * cannot be written (they stay buffered); cache work that fails stays queued.
   *
   * @example
   * await vault.withToken(use, fn);
   * await vault.flush();
   */
  flush(): Promise<void>;
  migrate(): Promise<void>;
  stats(): VaultStats;
  close(): Promise<void>;
}

export type { ItemStatus, ItemSummary };
