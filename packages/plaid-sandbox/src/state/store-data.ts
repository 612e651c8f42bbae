import type { AccountRecord } from '../data/accounts.js';
import type { Ledger } from './ledger.js';

/** Where an Item's Transactions product is in its first pull (Plaid's `transactions_update_status`). */
export type TransactionsUpdateStatus = 'NOT_READY' | 'INITIAL_UPDATE_COMPLETE' | 'HISTORICAL_UPDATE_COMPLETE';

/** The Transactions product of an Item, once initialized. */
export interface TransactionsState {
  status: TransactionsUpdateStatus;
  startedAt: string;
  /** When the first 30 days became available (null until then). */
  initialAt: string | null;
  /** When the whole history became available (null until then). */
  historicalAt: string | null;
}

/** Everything the sandbox knows about one Item (plain JSON, persisted as is). */
export interface ItemRecord {
  itemId: string;
  institutionId: string;
  username: string;
  /** Initialized (billed) products. */
  products: string[];
  /** Consented but not yet initialized: the first call to the product's endpoint initializes it. */
  consentedProducts: string[];
  webhook: string | null;
  createdAt: string;
  loginRequired: boolean;
  removed: boolean;
  accounts: AccountRecord[];
  ledger: Ledger;
  /** Null until Transactions is initialized. */
  transactions: TransactionsState | null;
  /** Last time investments data was (re)extracted: creation, first call, or `/investments/refresh`. */
  investmentsUpdatedAt: string | null;
  syncCalled: boolean;
  lastWebhook: { sent_at: string; code_sent: string } | null;
}

/** What a public token will turn into when exchanged. */
export interface ItemSpec {
  institutionId: string;
  products: string[];
  /** Products consented to (e.g. `additional_consented_products`) but initialized only on first use. */
  consentedProducts: string[];
  webhook: string | null;
  username: string;
  /**
   * The Item's id, when fixed before the exchange: Link reports the accounts' ids in
   * `onSuccess`, and they are derived from it. Otherwise the exchange draws one.
   */
  itemId?: string;
}

/**
 * One session of Link on a link token, in the shape `/link/token/get` returns in
 * `link_sessions` (Plaid's `LinkTokenGetSessionsResponse`). Link records these.
 */
export type LinkSessionRecord = { link_session_id: string } & Record<string, unknown>;

/**
 * Everything `/link/token/create` was told, kept so that Link (served by this emulator)
 * and `/link/token/get` can use it. Plain JSON, persisted with the store.
 */
export interface LinkTokenRecord {
  linkToken: string;
  createdAt: string;
  expiresAt: string;
  clientName: string;
  language: string;
  countryCodes: string[];
  /** `user.client_user_id`, when the token was made with `user`. */
  clientUserId: string | null;
  /** `user_id` from `/user/create`, when the token was made with one. */
  userId: string | null;
  products: string[];
  requiredIfSupportedProducts: string[];
  optionalProducts: string[];
  additionalConsentedProducts: string[];
  webhook: string | null;
  redirectUri: string | null;
  /** Update mode: the access token the link token was made with (null otherwise). */
  accessToken: string | null;
  /** Update mode: the Item behind `accessToken` when the link token was made. */
  itemId: string | null;
  /** `account_filters` as given (Plaid echoes them in `/link/token/get` metadata). */
  accountFilters: Record<string, unknown> | null;
  /** Sessions Link has recorded on this token, oldest first. */
  sessions: LinkSessionRecord[];
}

/** The sandbox's whole mutable state, as persisted. */
export interface StoreData {
  items: Record<string, ItemRecord>;
  /** Live access token -> item id. A dead token is simply absent. */
  accessTokens: Record<string, string>;
  publicTokens: Record<string, ItemSpec & { expiresAt: number }>;
  /** Public tokens for an existing Item (`/item/public_token/create`, update mode). */
  updatePublicTokens: Record<string, { itemId: string; expiresAt: number }>;
  linkTokens: Record<string, LinkTokenRecord>;
  processorTokens: Record<string, { itemId: string; accountId: string; processor: string }>;
  /** `/user/create` users by `client_user_id`. */
  users: Record<string, { userId: string; userToken: string }>;
}

/** Fills what a state file from an older sandbox lacks, so it loads instead of failing. */
export function normalize(data: Partial<StoreData>): StoreData {
  const items = data.items ?? {};
  for (const item of Object.values(items)) {
    item.consentedProducts ??= [];
    item.investmentsUpdatedAt ??= item.products.includes('investments') ? item.createdAt : null;
    // Older sandboxes seeded every Item's history at creation.
    item.transactions ??= item.products.includes('transactions')
      ? { status: 'HISTORICAL_UPDATE_COMPLETE', startedAt: item.createdAt, initialAt: item.createdAt, historicalAt: item.createdAt }
      : null;
  }
  return {
    items,
    accessTokens: data.accessTokens ?? {},
    publicTokens: data.publicTokens ?? {},
    updatePublicTokens: data.updatePublicTokens ?? {},
    linkTokens: data.linkTokens ?? {},
    processorTokens: data.processorTokens ?? {},
    users: data.users ?? {},
  };
}
