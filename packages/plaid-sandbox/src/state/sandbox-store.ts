import { accountsFor, type AccountRecord } from '../data/accounts.js';
import { newItemId, newToken } from '../data/ids.js';
import { apiErrors } from '../http/plaid-error.js';
import { seedLedger, type Ledger } from './ledger.js';

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

/** The sandbox's whole mutable state, as persisted. */
export interface StoreData {
  items: Record<string, ItemRecord>;
  /** Live access token -> item id. A dead token is simply absent. */
  accessTokens: Record<string, string>;
  publicTokens: Record<string, ItemSpec & { expiresAt: number }>;
}

const PUBLIC_TOKEN_TTL_MS = 30 * 60_000;

/** In-memory Items and tokens with Plaid's lifetimes; `dirty` tells the server to persist. */
export class SandboxStore {
  readonly #data: StoreData;
  #dirty = false;

  constructor(data?: StoreData) {
    this.#data = data ?? { items: {}, accessTokens: {}, publicTokens: {} };
  }

  /** A single-use public token that expires in 30 minutes. */
  createPublicToken(spec: ItemSpec, now: Date): string {
    const token = newToken('public');
    this.#data.publicTokens[token] = { ...spec, expiresAt: now.getTime() + PUBLIC_TOKEN_TTL_MS };
    this.#dirty = true;
    return token;
  }

  /** Consumes a public token (even an expired one is consumed) and creates the Item. */
  exchange(publicToken: string, now: Date): { accessToken: string; item: ItemRecord } {
    // hasOwn: a token such as "__proto__" must not reach Object.prototype.
    const spec = Object.hasOwn(this.#data.publicTokens, publicToken) ? this.#data.publicTokens[publicToken] : undefined;
    if (!spec) throw apiErrors.invalidPublicToken();
    delete this.#data.publicTokens[publicToken];
    this.#dirty = true;
    if (spec.expiresAt <= now.getTime()) throw apiErrors.invalidPublicToken();
    const itemId = newItemId();
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
