import type { Faults } from './faults/faults.js';
import type { WebhookDelivery } from './webhooks/deliverer.js';
import type { SignWebhookOptions, WebhookVerificationKey } from './webhooks/signer.js';

/** Options for {@link startSandbox}. */
export interface SandboxOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Accepted client id; default `test_client_id`. */
  clientId?: string;
  /** Accepted secret; default `test_secret`. */
  secret?: string;
  /** Deliver webhooks here instead of the URL's origin (path and query are kept). */
  webhookBaseOverride?: string;
  /** JSON file to load state from at start and save it to after every change. */
  persistPath?: string;
  /** Serve the `/__admin/*` routes (fault injection and inspection over HTTP). */
  admin?: boolean;
  /** Time source for token lifetimes, dates, JWT `iat` and the pull delays below. */
  clock?: { now(): Date };
  /**
   * Plaid's timing, opt-in: an Item's Transactions data arrives this many ms after
   * Transactions is initialized (at creation, or on first call). Until then
   * `/transactions/get` is PRODUCT_NOT_READY and `/transactions/sync` answers the empty
   * `NOT_READY` page; then the last 30 days arrive (INITIAL_UPDATE webhook, and
   * SYNC_UPDATES_AVAILABLE if sync was called). Default 0: instant, no such webhooks.
   */
  initialPullDelayMs?: number;
  /** When the rest of the history arrives (HISTORICAL_UPDATE); default twice `initialPullDelayMs`. */
  historicalPullDelayMs?: number;
  /** Called with unexpected handler errors (default: printed to stderr). */
  onInternalError?: (err: unknown) => void;
}

/** An Item as tests may inspect it (never its tokens). */
export interface SandboxItemInfo {
  itemId: string;
  institutionId: string;
  username: string;
  /** Initialized (billed) products. */
  products: string[];
  /** Consented, initialized by the first call to their endpoint (e.g. `additional_consented_products`). */
  consentedProducts: string[];
  /** Where the first Transactions pull is; null while Transactions is not initialized. */
  transactionsStatus: 'NOT_READY' | 'INITIAL_UPDATE_COMPLETE' | 'HISTORICAL_UPDATE_COMPLETE' | null;
  status: 'active' | 'login_required' | 'removed';
  webhook: string | null;
  /** Number of live access tokens: 1 while the Item exists, 0 after `/item/remove`. */
  liveAccessTokens: number;
  createdAt: string;
}

/** Inspection and control helpers for tests (production code never needs these). */
export interface SandboxState {
  /** Calls per endpoint path since start (or the last `resetCounters`), a snapshot. */
  readonly counters: Readonly<Record<string, number>>;
  resetCounters(): void;
  /** Every Item, removed ones included. */
  items(): SandboxItemInfo[];
  item(itemId: string): SandboxItemInfo | undefined;
  /** Same as `/sandbox/item/reset_login`: ITEM_LOGIN_REQUIRED plus the ITEM ERROR webhook. */
  resetLogin(itemId: string): Promise<WebhookDelivery | undefined>;
  /** Ends ITEM_LOGIN_REQUIRED as a repair made outside the app would, and sends LOGIN_REPAIRED (update-mode Link does not). */
  repairLogin(itemId: string): Promise<WebhookDelivery | undefined>;
  /** Same as `/transactions/refresh` (changes data only for user_transactions_dynamic). */
  refreshTransactions(itemId: string): void;
  /**
   * Completes every initial/historical Transactions pull that is due by the clock, sending
   * its webhooks (only matters with `initialPullDelayMs`). Timers do this on their own
   * with the system clock, and every API request does it first; a test with a fake clock
   * moves the clock, then calls this.
   */
  tick(): void;
  /** POSTs an arbitrary signed body to the Item's webhook URL, or to `opts.url`. */
  fireWebhook(itemId: string, body: Record<string, unknown>, opts?: { url?: string }): Promise<WebhookDelivery>;
  /** Webhooks delivered so far (the last 1000), oldest first. */
  webhookDeliveries(): WebhookDelivery[];
  /** Waits until webhooks in flight are delivered (or failed). */
  flushWebhooks(): Promise<void>;
  /** Starts signing with a new key; the old key stays served with `expired_at` set. Returns the new kid. */
  rotateWebhookKey(): string;
}

/** A running sandbox. */
export interface Sandbox {
  /** Base URL for the SDK's `basePath`, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  clientId: string;
  secret: string;
  close(): Promise<void>;
  faults: Faults;
  state: SandboxState;
  /** Signs any body the way webhooks are signed; options forge stale, foreign or mislabeled JWTs. */
  signWebhook(body: string, opts?: SignWebhookOptions): string;
  /** The public key webhooks are currently signed with (as the API serves it). */
  webhookKey(): WebhookVerificationKey;
}
