import { accountsFor, type AccountRecord } from '../data/accounts.js';
import { newItemId, newToken } from '../data/ids.js';
import { apiErrors } from '../http/plaid-error.js';
import { seedLedger, type Ledger } from './ledger.js';
import type { LinkTokenRecord } from './link-token-record.js';

/** Everything the sandbox knows about one Item (plain JSON, persisted as is). */
export interface ItemRecord {
  itemId: string;
  institutionId: string;
  username: string;
  products: string[];
  webhook: string | null;
  createdAt: string;
  loginRequired: boolean;
  removed: boolean;
  accounts: AccountRecord[];
  ledger: Ledger;
  syncCalled: boolean;
  lastWebhook: { sent_at: string; code_sent: string } | null;
}

/** What a public token will turn into when exchanged. */
export interface ItemSpec {
  institutionId: string;
  products: string[];
  webhook: string | null;
  username: string;
}

/**
 * A public token not yet exchanged. Its Item id is fixed when the token is made (Link
 * reports the accounts' ids in `onSuccess` before any exchange); `existing` marks one
 * made for an Item that already exists (Link update mode), whose exchange creates nothing.
 */
export type PublicTokenRecord = ItemSpec & { expiresAt: number; itemId?: string; existing?: true };

/** The sandbox's whole mutable state, as persisted. */
export interface StoreData {
  items: Record<string, ItemRecord>;
  /** Live access token -> item id. A dead token is simply absent. */
  accessTokens: Record<string, string>;
  publicTokens: Record<string, PublicTokenRecord>;
  /** Link tokens until they expire (absent in state files written before Link was emulated). */
  linkTokens?: Record<string, LinkTokenRecord>;
}

const PUBLIC_TOKEN_TTL_MS = 30 * 60_000;

/** In-memory Items and tokens with Plaid's lifetimes; `dirty` tells the server to persist. */
export class SandboxStore {
  readonly #data: StoreData;
  #dirty = false;

  constructor(data?: StoreData) {
    this.#data = data ?? { items: {}, accessTokens: {}, publicTokens: {} };
  }

  /** A single-use public token that expires in 30 minutes, and the id its Item will have. */
  createPublicToken(spec: ItemSpec, now: Date): { publicToken: string; itemId: string } {
    const publicToken = newToken('public');
    const itemId = newItemId();
    this.#data.publicTokens[publicToken] = { ...spec, itemId, expiresAt: now.getTime() + PUBLIC_TOKEN_TTL_MS };
    this.#dirty = true;
    return { publicToken, itemId };
  }

  /** A public token for an Item that exists (update mode): its exchange returns the Item's live access token. */
  publicTokenForItem(item: ItemRecord, now: Date): string {
    const publicToken = newToken('public');
    const { institutionId, products, webhook, username } = item;
    this.#data.publicTokens[publicToken] = {
      ...{ institutionId, products, webhook, username },
      itemId: item.itemId,
      existing: true,
      expiresAt: now.getTime() + PUBLIC_TOKEN_TTL_MS,
    };
    this.#dirty = true;
    return publicToken;
  }

  /** Consumes a public token (even an expired one is consumed) and creates the Item. */
  exchange(publicToken: string, now: Date): { accessToken: string; item: ItemRecord } {
    // hasOwn: a token such as "__proto__" must not reach Object.prototype.
    const spec = Object.hasOwn(this.#data.publicTokens, publicToken) ? this.#data.publicTokens[publicToken] : undefined;
    if (!spec) throw apiErrors.invalidPublicToken();
    delete this.#data.publicTokens[publicToken];
    this.#dirty = true;
    if (spec.expiresAt <= now.getTime()) throw apiErrors.invalidPublicToken();
    if (spec.existing) return this.#existing(spec.itemId!);
    const itemId = spec.itemId ?? newItemId();
    const accounts = accountsFor(itemId);
    const item: ItemRecord = {
      itemId,
      institutionId: spec.institutionId,
      username: spec.username,
      products: spec.products,
      webhook: spec.webhook,
      createdAt: now.toISOString(),
      loginRequired: false,
      removed: false,
      accounts,
      ledger: seedLedger(itemId, spec.username, accounts, now),
      syncCalled: false,
      lastWebhook: null,
    };
    this.#data.items[itemId] = item;
    const accessToken = newToken('access');
    this.#data.accessTokens[accessToken] = itemId;
    return { accessToken, item };
  }

  /** An update-mode exchange: the same Item and its current access token (Plaid does not issue a new one). */
  #existing(itemId: string): { accessToken: string; item: ItemRecord } {
    const item = this.item(itemId);
    const accessToken = Object.keys(this.#data.accessTokens).find((t) => this.#data.accessTokens[t] === itemId);
    if (!item || item.removed || !accessToken) throw apiErrors.invalidPublicToken();
    return { accessToken, item };
  }

  /** Stores a link token's settings until it expires; expired ones are dropped on the way. */
  createLinkToken(record: LinkTokenRecord, now: Date): string {
    const tokens = (this.#data.linkTokens ??= {});
    for (const [token, old] of Object.entries(tokens)) if (old.expiresAt <= now.getTime()) delete tokens[token];
    const linkToken = newToken('link');
    tokens[linkToken] = record;
    this.#dirty = true;
    return linkToken;
  }

  /** A live link token's settings, or undefined when it is unknown or expired. */
  linkToken(linkToken: string, now: Date): LinkTokenRecord | undefined {
    const tokens = this.#data.linkTokens ?? {};
    const record = Object.hasOwn(tokens, linkToken) ? tokens[linkToken] : undefined;
    return record && record.expiresAt > now.getTime() ? record : undefined;
  }

  /** The live Item behind an access token; dead or unknown tokens are INVALID_ACCESS_TOKEN. */
  itemFor(accessToken: string): ItemRecord {
    const itemId = Object.hasOwn(this.#data.accessTokens, accessToken) ? this.#data.accessTokens[accessToken] : undefined;
    const item = itemId ? this.#data.items[itemId] : undefined;
    if (!item || item.removed) throw apiErrors.invalidAccessToken();
    return item;
  }

  /** Rotates: the old token dies at once, the Item stays. */
  invalidate(accessToken: string): string {
    const item = this.itemFor(accessToken);
    delete this.#data.accessTokens[accessToken];
    const fresh = newToken('access');
    this.#data.accessTokens[fresh] = item.itemId;
    this.#dirty = true;
    return fresh;
  }

  /** Removes the Item; every token for it dies. */
  remove(accessToken: string): void {
    const item = this.itemFor(accessToken);
    item.removed = true;
    for (const [token, itemId] of Object.entries(this.#data.accessTokens)) {
      if (itemId === item.itemId) delete this.#data.accessTokens[token];
    }
    this.#dirty = true;
  }

  /** An Item by id (removed ones included), for the test-facing state helpers. */
  item(itemId: string): ItemRecord | undefined {
    return Object.hasOwn(this.#data.items, itemId) ? this.#data.items[itemId] : undefined;
  }

  /** All Items, oldest first. */
  items(): ItemRecord[] {
    return Object.values(this.#data.items);
  }

  /** How many live access tokens an Item has (0 after remove, 1 otherwise). */
  liveTokenCount(itemId: string): number {
    return Object.values(this.#data.accessTokens).filter((id) => id === itemId).length;
  }

  /** Marks state changed by a caller that mutated an ItemRecord directly. */
  touch(): void {
    this.#dirty = true;
  }

  /** True once if anything changed since the last call. */
  takeDirty(): boolean {
    const was = this.#dirty;
    this.#dirty = false;
    return was;
  }

  /** The state as plain JSON, for persistence. */
  snapshot(): StoreData {
    return this.#data;
  }
}
