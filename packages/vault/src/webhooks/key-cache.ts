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

/**
 * Plaid's webhook verification keys, fetched by `kid` and cached. Concurrent
 * look-ups of one kid share one request (single-flight, as jose's remote JWKS
 * does), so a burst of webhooks signed by a new key costs one call. Failures
 * are not cached: an outage must not pin a "key unknown" answer.
 */
export function createWebhookKeyCache(plaid: PlaidGateway): WebhookKeyCache {
  const keys = new Map<string, Promise<CachedWebhookKey>>();

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
      let pending = keys.get(kid);
      if (!pending) {
        if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
        pending = load(kid);
        keys.set(kid, pending);
        pending.catch(() => keys.delete(kid));
      }
      return pending;
    },
  };
}
