import type { Secret } from '../crypto/secret.js';
import type {
  DoctorReport,
  ImportOptions,
  ImportReport,
  ImportSourceEntry,
  KidUsage,
  RekeyOptions,
  RekeyResult,
  RetireResult,
} from './admin.js';
import type { AuditAnchor, AuditEvent, AuditQuery, AuditStats, AuditVerifyOptions, AuditVerifyResult } from './audit.js';
import type { CacheStats } from './cache.js';
import type {
  AccountView,
  HoldingsView,
  InvestmentTransactionsQuery,
  InvestmentTransactionsView,
  LiabilitiesView,
  TransactionsDelta,
} from './data.js';
import type { ItemSummary, PutItemInput, TokenUse } from './items.js';
import type { ExchangeResult, LinkTokenResult } from './link.js';
import type { RecoveryReport, RotateDueOptions, RotateDueReport, RotateResult } from './rotation.js';
import type { WebhookResult } from './webhooks.js';

export interface HealthReport {
  ok: boolean;
  database: 'ok' | 'down';
  /** TCP Redis or, with `kv`, the KV REST API. */
  redis: 'ok' | 'down' | 'disabled';
  plaid: 'ok' | 'down' | 'unknown';
}

export interface VaultStats {
  cache: CacheStats;
  audit: AuditStats;
}

/** The vault's public surface: what createVault returns. */
export interface Vault {
  items: {
    put(input: PutItemInput): Promise<ItemSummary>;
    list(userId: string): Promise<ItemSummary[]>;
    get(ref: { userId: string; itemId: string }): Promise<ItemSummary>;
    /**
     * Local delete (row + caches). `remove` also calls Plaid /item/remove.
     * Waits for a running rotation of the item (up to `rotation.removeWaitMs`), else ERR_ROTATION_IN_PROGRESS.
     */
    delete(ref: { userId: string; itemId: string }): Promise<void>;
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
  /** Key rotation at rest: which kids protect how many rows, re-wrapping onto the active kid, retiring an old one. */
  keys: {
    /** Rows per kid: every kid of the keyring (active first) and any kid the table names that the keyring lacks. */
    usage(): Promise<KidUsage[]>;
    /**
     * Re-wrap every item key (DEK) not under the active kid, online and resumable
     * (each row a compare-and-swap; a stop lands between pages and the next run
     * picks up the rest); one `key.rekey` audit event. Then sweep L2 to the
     * active kid (also after a stop), and count the rows per kid.
     *
     * @example
     * const r = await vault.keys.rekey({ onProgress: (done, total) => log(done, total), signal });
     * // r.rewrapped, r.failed (item ids with an error code), r.interrupted, r.cacheSweep.status, r.kids
     */
    rekey(opts?: RekeyOptions): Promise<RekeyResult>;
    /**
     * Check that `kid` can leave the keyring (ERR_KEY_IN_USE while a row is under
     * it or it is the active kid; ERR_CRYPTO_KEY_UNKNOWN when it is not in the
     * keyring), then sweep L2 to the kids that stay. Nothing is removed from
     * your secret store: take the kid out of VAULT_KEYS yourself.
     *
     * @example
     * const { keep } = await vault.keys.retire('k1'); // ['k2']
     */
    retire(kid: string, opts?: { signal?: AbortSignal }): Promise<RetireResult>;
  };
  /**
   * Move existing plaintext tokens in: each entry is sealed through `items.put`;
   * an item already stored is skipped (never overwritten), a bad entry is
   * reported by line number with a reason that never quotes it. With `verify`,
   * Plaid `/item/get` first: a dead token or one of another item id is invalid;
   * an outage or bad credentials stop the import (rejects).
   *
   * @example
   * import { readJsonLines } from 'plaid-vault';
   * const report = await vault.import(readJsonLines(process.stdin), { verify: true });
   */
  import(source: AsyncIterable<ImportSourceEntry> | Iterable<ImportSourceEntry>, opts?: ImportOptions): Promise<ImportReport>;
  /**
   * Check this vault's deployment: configuration (TLS, keys, products,
   * webhook), then the database (reachable, migrations applied, audit chain,
   * kids, item health), L2 and the recovery journal. Never migrates.
   *
   * @example
   * const { ok, checks } = await vault.doctor(); // checks: { id, status: 'pass' | 'warn' | 'fail', message, fix? }[]
   */
  doctor(opts?: { signal?: AbortSignal }): Promise<DoctorReport>;
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
