import { accountsFor } from '../data/accounts.js';
import { newItemId, newToken } from '../data/ids.js';
import { apiErrors } from '../http/plaid-error.js';
import { emptyLedger } from './ledger.js';
import { normalize, type ItemRecord, type ItemSpec, type LinkTokenRecord, type StoreData } from './store-data.js';

export type { ItemRecord, ItemSpec, StoreData, TransactionsState, TransactionsUpdateStatus } from './store-data.js';

const PUBLIC_TOKEN_TTL_MS = 30 * 60_000;
const LINK_TOKEN_KEPT_MS = 24 * 3600_000;

const own = <T>(record: Record<string, T>, key: string): T | undefined =>
  // hasOwn: a token such as "__proto__" must not reach Object.prototype.
  Object.hasOwn(record, key) ? record[key] : undefined;

/** In-memory Items and tokens with Plaid's lifetimes; `dirty` tells the server to persist. */
export class SandboxStore {
  readonly #data: StoreData;
  #dirty = false;

  constructor(data?: Partial<StoreData>) {
    this.#data = normalize(data ?? {});
  }

  /** A single-use public token that expires in 30 minutes. */
  createPublicToken(spec: ItemSpec, now: Date): string {
    const token = newToken('public');
    this.#data.publicTokens[token] = { ...spec, expiresAt: now.getTime() + PUBLIC_TOKEN_TTL_MS };
    this.#dirty = true;
    return token;
  }

  /** A single-use public token for an existing Item (exchanging it gives back that Item). */
  createUpdatePublicToken(itemId: string, now: Date): { publicToken: string; expiresAt: number } {
    const publicToken = newToken('public');
    const expiresAt = now.getTime() + PUBLIC_TOKEN_TTL_MS;
    this.#data.updatePublicTokens[publicToken] = { itemId, expiresAt };
    this.#dirty = true;
    return { publicToken, expiresAt };
  }

  /**
   * Consumes a public token (even an expired one is consumed). A Link token's public token
   * creates the Item; an update-mode one answers with the existing Item and its live token.
   */
  exchange(publicToken: string, now: Date): { accessToken: string; item: ItemRecord; created: boolean } {
    const update = own(this.#data.updatePublicTokens, publicToken);
    if (update) {
      delete this.#data.updatePublicTokens[publicToken];
      this.#dirty = true;
      const item = this.item(update.itemId);
      const accessToken = item && !item.removed ? this.#liveToken(item.itemId) : undefined;
      if (update.expiresAt <= now.getTime() || !item || !accessToken) throw apiErrors.invalidPublicToken();
      return { accessToken, item, created: false };
    }
    const spec = own(this.#data.publicTokens, publicToken);
    if (!spec) throw apiErrors.invalidPublicToken();
    delete this.#data.publicTokens[publicToken];
    this.#dirty = true;
    if (spec.expiresAt <= now.getTime()) throw apiErrors.invalidPublicToken();
    const itemId = spec.itemId ?? newItemId();
    const item: ItemRecord = {
      itemId,
      institutionId: spec.institutionId,
      username: spec.username,
      products: [...spec.products],
      consentedProducts: [...(spec.consentedProducts ?? [])],
      webhook: spec.webhook,
      createdAt: now.toISOString(),
      loginRequired: false,
      removed: false,
      accounts: accountsFor(itemId),
      ledger: emptyLedger(),
      transactions: null,
      investmentsUpdatedAt: spec.products.includes('investments') ? now.toISOString() : null,
      syncCalled: false,
      lastWebhook: null,
    };
    this.#data.items[itemId] = item;
    const accessToken = newToken('access');
    this.#data.accessTokens[accessToken] = itemId;
    return { accessToken, item, created: true };
  }

  /** The live Item behind an access token; dead or unknown tokens are INVALID_ACCESS_TOKEN. */
  itemFor(accessToken: string): ItemRecord {
    const itemId = own(this.#data.accessTokens, accessToken);
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

  /** Removes the Item; every access and processor token for it dies. */
  remove(accessToken: string): void {
    const item = this.itemFor(accessToken);
    item.removed = true;
    for (const [token, itemId] of Object.entries(this.#data.accessTokens)) {
      if (itemId === item.itemId) delete this.#data.accessTokens[token];
    }
    for (const [token, record] of Object.entries(this.#data.processorTokens)) {
      if (record.itemId === item.itemId) delete this.#data.processorTokens[token];
    }
    this.#dirty = true;
  }

  /**
   * Stores a link token's state (see {@link LinkTokenRecord}). Tokens expired more than
   * a day before this one was made are dropped on the way: an app makes one per page
   * that shows Link, and the whole state is rewritten on every change. (Plaid keeps
   * `/link/token/get` session data for six hours after a session ends.)
   */
  saveLinkToken(record: LinkTokenRecord): void {
    const horizon = Date.parse(record.createdAt) - LINK_TOKEN_KEPT_MS;
    for (const [token, old] of Object.entries(this.#data.linkTokens)) {
      if (Date.parse(old.expiresAt) < horizon) delete this.#data.linkTokens[token];
    }
    this.#data.linkTokens[record.linkToken] = record;
    this.#dirty = true;
  }

  /** A link token's state, expired ones included (callers check `expiresAt`), or undefined. */
  linkToken(linkToken: string): LinkTokenRecord | undefined {
    return own(this.#data.linkTokens, linkToken);
  }

  /** A `processor-sandbox-…` token for one account of an Item. */
  createProcessorToken(itemId: string, accountId: string, processor: string): string {
    const token = newToken('processor');
    this.#data.processorTokens[token] = { itemId, accountId, processor };
    this.#dirty = true;
    return token;
  }

  /** The `/user/create` user for a `client_user_id`, or undefined. */
  user(clientUserId: string): { userId: string; userToken: string } | undefined {
    return own(this.#data.users, clientUserId);
  }

  saveUser(clientUserId: string, user: { userId: string; userToken: string }): void {
    this.#data.users[clientUserId] = user;
    this.#dirty = true;
  }

  /** An Item by id (removed ones included), for the test-facing state helpers. */
  item(itemId: string): ItemRecord | undefined {
    return own(this.#data.items, itemId);
  }

  /** All Items, oldest first. */
  items(): ItemRecord[] {
    return Object.values(this.#data.items);
  }

  /** How many live access tokens an Item has (0 after remove, 1 otherwise). */
  liveTokenCount(itemId: string): number {
    return Object.values(this.#data.accessTokens).filter((id) => id === itemId).length;
  }

  /** Marks state changed by a caller that mutated a record directly. */
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

  #liveToken(itemId: string): string | undefined {
    return Object.entries(this.#data.accessTokens).find(([, id]) => id === itemId)?.[0];
  }
}
