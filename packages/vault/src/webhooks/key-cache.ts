import type { CryptoKey } from 'jose';
import { PlaidError, WebhookKeyUnknownError } from '../errors.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { Logger } from '../types/logger.js';
import { loadJose } from './load-jose.js';
import { createKidLookupBudget, type KidLookupBudget } from './lookup-budget.js';
import type { SavedWebhookKey, SavedWebhookKeys } from './saved-keys.js';

export interface CachedWebhookKey {
  key: CryptoKey;
  /** Unix seconds after which the key signs nothing new (null: active). */
  expiredAt: number | null;
}

export interface WebhookKeyCache {
  /**
   * The verification key for `kid`; ERR_WEBHOOK_KEY_UNKNOWN when Plaid does
   * not know it or no look-up may run now. `itemIdOf` names the item the
   * (not yet verified) webhook is about, for the look-up budget's item lane.
   */
  get(kid: string, itemIdOf?: () => string | null): Promise<CachedWebhookKey>;
}

export interface WebhookKeyCacheOptions {
  plaid: Pick<PlaidGateway, 'getWebhookKey'>;
  /** Where keys Plaid served are kept across restarts and instances; default none (memory only). */
  saved?: SavedWebhookKeys;
  /** Who may trigger a look-up of a kid never seen; default the open lane alone. */
  budget?: KidLookupBudget;
  /** Epoch ms. */
  now?: () => number;
  logger?: Pick<Logger, 'warn'>;
}

const KID = /^[A-Za-z0-9._-]{1,128}$/;
const COORD = /^[A-Za-z0-9_-]{43}$/;
const MAX_KEYS = 64;
/** Known keys are re-read after this, so a key Plaid has since expired stops verifying new webhooks. */
export const KEY_TTL_MS = 60 * 60_000;
/** A kid Plaid said it does not know is refused without asking again for this long (Plaid's kids are random UUIDs). */
export const UNKNOWN_KID_TTL_MS = 60 * 60_000;

interface Entry {
  pending: Promise<CachedWebhookKey>;
  /** When the key was read from Plaid; undefined while the look-up runs. */
  fetchedAt: number | undefined;
}

/**
 * Plaid's webhook verification keys by `kid`: memory first, then the keys
 * saved in the store (so a restart, or another instance, needs no look-up),
 * then Plaid. Concurrent look-ups of one kid share one request
 * (single-flight, as jose's remote JWKS does); a kid Plaid does not know is
 * remembered for an hour; a kid never seen needs a ticket from the look-up
 * budget, while a kid Plaid has served before (saved or in memory) is
 * re-read hourly without one. Outages are not cached.
 *
 * @example
 * const keys = createWebhookKeyCache({ plaid: gateway, saved, budget, now: () => clock.now().getTime() });
 * const { key } = await keys.get(kid, () => itemId);
 */
export function createWebhookKeyCache(opts: WebhookKeyCacheOptions): WebhookKeyCache {
  const { plaid, saved, logger } = opts;
  const now = opts.now ?? Date.now;
  const budget = opts.budget ?? createKidLookupBudget({ now, isHeldItem: async () => false });
  const entries = new Map<string, Entry>();
  const unknownUntil = new Map<string, number>();
  let refusedSinceWarning = 0;
  let lastWarning = -Infinity;

  function noteRefused(): void {
    refusedSinceWarning++;
    if (now() - lastWarning < 60_000) return;
    logger?.warn({ refused: refusedSinceWarning }, 'webhook key look-ups refused: budget spent (webhooks with unknown kids)');
    lastWarning = now();
    refusedSinceWarning = 0;
  }

  async function fetchKey(kid: string, wasKnown: boolean): Promise<SavedWebhookKey> {
    let jwk;
    try {
      jwk = await plaid.getWebhookKey(kid);
    } catch (err) {
      // Plaid answers an unknown kid with INVALID_INPUT / INVALID_WEBHOOK_VERIFICATION_KEY_ID.
      if (err instanceof PlaidError && err.plaid.errorCode === 'INVALID_WEBHOOK_VERIFICATION_KEY_ID') {
        unknownUntil.set(kid, now() + UNKNOWN_KID_TTL_MS);
        pruneUnknown();
        if (wasKnown) await saved?.forget(kid).catch(() => {});
        throw new WebhookKeyUnknownError();
      }
      throw err;
    }
    const ok = jwk.alg === 'ES256' && jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.kid === kid && COORD.test(jwk.x) && COORD.test(jwk.y);
    if (!ok) throw new WebhookKeyUnknownError();
    const key: SavedWebhookKey = { x: jwk.x, y: jwk.y, expiredAt: jwk.expiredAt, fetchedAt: now() };
    // The key is good without its saved copy; a store hiccup here must not fail the webhook.
    await saved?.save(kid, key).catch(() => logger?.warn({}, 'webhook key could not be saved; kept in memory'));
    return key;
  }

  /** `known`: this instance held the key (now stale), so Plaid has served the kid before. */
  async function resolve(kid: string, itemIdOf: () => string | null, known: boolean): Promise<SavedWebhookKey> {
    // Another instance may have refreshed or fetched it already.
    const found = await saved?.load(kid);
    if (found && now() - found.fetchedAt < KEY_TTL_MS) return found;
    if (found || known) return fetchKey(kid, true);
    const ticket = await budget.take(itemIdOf);
    if (!ticket) {
      noteRefused();
      throw new WebhookKeyUnknownError();
    }
    try {
      const key = await fetchKey(kid, false);
      ticket.release();
      return key;
    } catch (err) {
      if (err instanceof WebhookKeyUnknownError) ticket.forged();
      else ticket.release();
      throw err;
    }
  }

  function pruneUnknown(): void {
    if (unknownUntil.size < 4096) return;
    const t = now();
    for (const [kid, until] of unknownUntil) if (until <= t) unknownUntil.delete(kid);
  }

  return {
    get(kid, itemIdOf = () => null) {
      if (!KID.test(kid)) return Promise.reject(new WebhookKeyUnknownError());
      const t = now();
      const cached = entries.get(kid);
      if (cached && (cached.fetchedAt === undefined || t - cached.fetchedAt < KEY_TTL_MS)) return cached.pending;
      if ((unknownUntil.get(kid) ?? 0) > t) return Promise.reject(new WebhookKeyUnknownError());
      if (!cached && entries.size >= MAX_KEYS) entries.delete(entries.keys().next().value!);
      const entry: Entry = { pending: undefined!, fetchedAt: undefined };
      entry.pending = resolve(kid, itemIdOf, cached !== undefined).then(async (k) => {
        const { importJWK } = await loadJose();
        const key = (await importJWK({ kty: 'EC', crv: 'P-256', x: k.x, y: k.y }, 'ES256')) as CryptoKey;
        entry.fetchedAt = k.fetchedAt;
        return { key, expiredAt: k.expiredAt };
      });
      entries.set(kid, entry);
      entry.pending.catch(() => {
        if (entries.get(kid) === entry) entries.delete(kid);
      });
      return entry.pending;
    },
  };
}
