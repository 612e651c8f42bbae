import { importJWK, type CryptoKey } from 'jose';
import { PlaidError, WebhookKeyUnknownError } from '../errors.js';
import type { PlaidGateway, WebhookKey } from '../plaid/types.js';

export interface CachedWebhookKey {
  key: CryptoKey;
  /** Unix seconds after which the key signs nothing new (null: active). */
  expiredAt: number | null;
}

export interface WebhookKeyCache {
  /** The verification key for `kid`; ERR_WEBHOOK_KEY_UNKNOWN when Plaid does not know it. */
  get(kid: string): Promise<CachedWebhookKey>;
}

const KID = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_KEYS = 64;
/** Look-ups of kids not seen before, per minute: forged webhooks with random kids must not turn into a flood of calls to Plaid. */
const NEW_KID_FETCHES_PER_MINUTE = 10;
/** Known keys are re-read after this, so a key Plaid has since expired stops verifying new webhooks. */
const KEY_TTL_MS = 60 * 60_000;

/**
 * Plaid's webhook verification keys, fetched by `kid` and cached. Concurrent
 * look-ups of one kid share one request (single-flight, as jose's remote JWKS
 * does), so a burst of webhooks signed by a new key costs one call. Failures
 * are not cached (an outage must not pin a "key unknown" answer), keys are
 * re-read hourly, and look-ups of new kids are rate-limited.
 */
export function createWebhookKeyCache(plaid: PlaidGateway, now: () => number = Date.now): WebhookKeyCache {
  const keys = new Map<string, { pending: Promise<CachedWebhookKey>; at: number }>();
  let windowStart = 0;
  let fetchesInWindow = 0;
  // A refused look-up answers "key unknown": Plaid retries a genuine webhook later, by which time the window has moved.
  const mayFetch = (): boolean => {
    const t = now();
    if (t - windowStart >= 60_000) {
      windowStart = t;
      fetchesInWindow = 0;
    }
    return ++fetchesInWindow <= NEW_KID_FETCHES_PER_MINUTE;
  };

  async function load(kid: string): Promise<CachedWebhookKey> {
    let jwk: WebhookKey;
    try {
      jwk = await plaid.getWebhookKey(kid);
    } catch (err) {
      // Plaid answers an unknown kid with INVALID_INPUT / INVALID_WEBHOOK_VERIFICATION_KEY_ID.
      if (err instanceof PlaidError && err.plaid.errorCode === 'INVALID_WEBHOOK_VERIFICATION_KEY_ID') throw new WebhookKeyUnknownError();
      throw err;
    }
    if (jwk.alg !== 'ES256' || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.kid !== kid) throw new WebhookKeyUnknownError();
    const key = (await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'ES256')) as CryptoKey;
    return { key, expiredAt: jwk.expiredAt };
  }

  return {
    get(kid) {
      if (!KID.test(kid)) return Promise.reject(new WebhookKeyUnknownError());
      const cached = keys.get(kid);
      if (cached && now() - cached.at < KEY_TTL_MS) return cached.pending;
      if (!cached && !mayFetch()) return Promise.reject(new WebhookKeyUnknownError());
      if (!cached && keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
      const entry = { pending: load(kid), at: now() };
      keys.set(kid, entry);
      entry.pending.catch(() => {
        if (keys.get(kid) === entry) keys.delete(kid);
      });
      return entry.pending;
    },
  };
}
