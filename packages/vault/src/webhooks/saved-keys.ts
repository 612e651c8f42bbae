import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MarkerStore } from '../store/types.js';

/** A Plaid webhook verification key as the vault keeps it (public: x and y of a P-256 point). */
export interface SavedWebhookKey {
  x: string;
  y: string;
  /** Unix seconds after which the key signs nothing new (null: active). */
  expiredAt: number | null;
  /** Epoch ms of the read from Plaid this copy comes from (the hourly refresh counts from it). */
  fetchedAt: number;
}

export interface SavedWebhookKeys {
  /** The saved key for `kid`, or undefined (none, or a record this vault did not write). */
  load(kid: string): Promise<SavedWebhookKey | undefined>;
  save(kid: string, key: SavedWebhookKey): Promise<void>;
  forget(kid: string): Promise<void>;
}

const B64URL_COORD = /^[A-Za-z0-9_-]{43}$/;

/**
 * Plaid's webhook verification keys, saved in the store's markers table under
 * `webhook-key:<plaid env>:<kid>` so that every instance, and this one after a
 * restart, verifies with no call to Plaid. The keys are public, but a row in
 * the database must not be able to make the vault trust a key Plaid never
 * served (whoever can write a row could then sign webhooks that remove
 * Items): each record carries an HMAC under `macKey` (a subkey of the
 * keyring) over its marker name and content, and a record that fails it is
 * ignored. The environment is in the name so that keys saved against the
 * emulator (whose private keys sit in a local file) never verify production
 * webhooks read from the same database.
 *
 * @example
 * const saved = createSavedWebhookKeys(store, 'production', deriveSubkey(keyring, 'plaid-vault/webhook-key-mac/v1'));
 */
export function createSavedWebhookKeys(store: MarkerStore, plaidEnv: string, macKey: Buffer): SavedWebhookKeys {
  const name = (kid: string) => `webhook-key:${plaidEnv}:${kid}`;
  const mac = (marker: string, content: string) => createHmac('sha256', macKey).update(marker).update('\n').update(content).digest();

  return {
    async load(kid) {
      const marker = name(kid);
      const value = await store.getMarker(marker);
      if (value === undefined) return undefined;
      const cut = value.lastIndexOf('.');
      if (cut < 0) return undefined;
      const content = value.slice(0, cut);
      const tag = Buffer.from(value.slice(cut + 1), 'base64url');
      const expected = mac(marker, content);
      if (tag.length !== expected.length || !timingSafeEqual(tag, expected)) return undefined;
      return parseKey(content);
    },

    async save(kid, key) {
      const marker = name(kid);
      const content = JSON.stringify({ x: key.x, y: key.y, expiredAt: key.expiredAt, fetchedAt: key.fetchedAt });
      // Markers are insert-only unless expired: replace by delete + insert. Two instances saving at once
      // both hold keys Plaid served; whichever row stays is good.
      await store.deleteMarker(marker);
      await store.putMarker(marker, `${content}.${mac(marker, content).toString('base64url')}`, null);
    },

    async forget(kid) {
      await store.deleteMarker(name(kid));
    },
  };
}

function parseKey(content: string): SavedWebhookKey | undefined {
  try {
    const o = JSON.parse(content) as Record<string, unknown>;
    const { x, y, expiredAt, fetchedAt } = o;
    if (typeof x !== 'string' || typeof y !== 'string' || !B64URL_COORD.test(x) || !B64URL_COORD.test(y)) return undefined;
    if (expiredAt !== null && typeof expiredAt !== 'number') return undefined;
    if (typeof fetchedAt !== 'number') return undefined;
    return { x, y, expiredAt, fetchedAt };
  } catch {
    return undefined;
  }
}
