import type {
  AccountBase,
  AuthGetNumbers,
  AccountIdentity,
  Holding,
  InvestmentAccount,
  InvestmentTransaction,
  LiabilitiesObject,
  RemovedTransaction,
  Security,
  Transaction,
} from 'plaid';
import type { Secret } from '../crypto/secret.js';

/** What the vault needs to know about an item, read from /item/get. */
export interface PlaidItemInfo {
  itemId: string;
  institutionId: string | null;
  institutionName: string | null;
  products: string[];
  /** Plaid's error code on the item (e.g. ITEM_LOGIN_REQUIRED), or null. */
  errorCode: string | null;
}

export interface LinkTokenRequest {
  clientUserId: string;
  clientName: string;
  products: string[];
  countryCodes: string[];
  webhookUrl: string | null;
  /** Update mode: the item's token; `products` are then left out. */
  accessToken?: Secret;
}

export interface SyncPage {
  added: Transaction[];
  modified: Transaction[];
  removed: RemovedTransaction[];
  nextCursor: string;
  hasMore: boolean;
}

/** One `/investments/transactions/get` request (dates `YYYY-MM-DD`). */
export interface InvestmentTransactionsRequest {
  startDate: string;
  endDate: string;
  count: number;
  offset: number;
}

export interface InvestmentTransactionsPage {
  accounts: InvestmentAccount[];
  securities: Security[];
  transactions: InvestmentTransaction[];
  total: number;
}

/** A JWK from /webhook_verification_key/get (public key only). */
export interface WebhookKey {
  kid: string;
  alg: string;
  kty: string;
  crv: string;
  x: string;
  y: string;
  use: string;
  createdAt: number;
  expiredAt: number | null;
}

export type PlaidHealth = 'ok' | 'down' | 'unknown';

/**
 * The vault's only door to Plaid. Tokens go in and come out as `Secret`s;
 * every failure is a PlaidError (plaid/errors.ts). Reads are retried with
 * back-off; invalidate, remove and exchange are never retried.
 */
export interface PlaidGateway {
  createLinkToken(req: LinkTokenRequest): Promise<{ linkToken: string; expiration: Date }>;
  exchangePublicToken(publicToken: string): Promise<{ accessToken: Secret; itemId: string }>;
  sandboxPublicToken(req: { institutionId: string; products: string[]; username?: string; webhookUrl: string | null }): Promise<string>;
  getItem(token: Secret): Promise<PlaidItemInfo>;
  getInstitutionName(institutionId: string, countryCodes: string[]): Promise<string | null>;
  /** /item/access_token/invalidate: the old token dies at once. Not retried. */
  invalidateToken(token: Secret): Promise<Secret>;
  /** /item/remove. Not retried. */
  removeItem(token: Secret): Promise<void>;
  getAccounts(token: Secret): Promise<AccountBase[]>;
  getBalances(token: Secret): Promise<AccountBase[]>;
  syncTransactions(token: Secret, cursor: string | null, count: number): Promise<SyncPage>;
  getIdentity(token: Secret): Promise<AccountIdentity[]>;
  getAuth(token: Secret): Promise<{ accounts: AccountBase[]; numbers: AuthGetNumbers }>;
  getHoldings(token: Secret): Promise<{ accounts: InvestmentAccount[]; holdings: Holding[]; securities: Security[] }>;
  getInvestmentTransactions(token: Secret, query: InvestmentTransactionsRequest): Promise<InvestmentTransactionsPage>;
  getLiabilities(token: Secret): Promise<{ accounts: AccountBase[]; liabilities: LiabilitiesObject }>;
  getWebhookKey(kid: string): Promise<WebhookKey>;
  /** Outcome of the latest call: 'unknown' before any. */
  health(): PlaidHealth;
}
