import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import {
  isVaultError,
  WebhookAlgUnsupportedError,
  WebhookBodyMismatchError,
  WebhookExpiredError,
  WebhookKeyUnknownError,
  WebhookSignatureInvalidError,
  WebhookSignatureMissingError,
} from '../errors.js';
import type { Clock } from '../types.js';
import type { WebhookKeyCache } from './key-cache.js';

/** Plaid signs each webhook when sending it; older ones are rejected. */
export const MAX_WEBHOOK_AGE_SECONDS = 5 * 60;
const MAX_HEADER_LENGTH = 4096;

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** The `Plaid-Verification` header, whatever the header container and name case. */
export function verificationHeader(headers: HeaderBag): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get('plaid-verification') ?? undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'plaid-verification') return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Verify a Plaid webhook: ES256 only (checked before any key fetch, so `none`
 * and HMAC tokens never reach a verifier), key by `kid`, `iat` at most 5
 * minutes old by the injected clock, and the SHA-256 of the exact raw body
 * compared in constant time. Each failure has its own ERR_WEBHOOK_* code.
 * Returns the body's hex SHA-256 (the replay-guard key).
 */
export async function verifyWebhook(body: Buffer, header: string | undefined, keys: WebhookKeyCache, clock: Clock): Promise<string> {
  if (!header) throw new WebhookSignatureMissingError();
  if (header.length > MAX_HEADER_LENGTH) throw new WebhookSignatureInvalidError();
  let alg: unknown;
  let kid: unknown;
  try {
    ({ alg, kid } = decodeProtectedHeader(header));
  } catch {
    throw new WebhookSignatureInvalidError();
  }
  if (alg !== 'ES256')
    throw new WebhookAlgUnsupportedError(undefined, { details: { alg: typeof alg === 'string' ? alg.slice(0, 16) : null } });
  if (typeof kid !== 'string') throw new WebhookKeyUnknownError();
  const { key, expiredAt } = await keys.get(kid);

  const now = clock.now();
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(header, key, { algorithms: ['ES256'], maxTokenAge: `${MAX_WEBHOOK_AGE_SECONDS} s`, currentDate: now }));
  } catch (err) {
    throw mapJoseError(err);
  }
  const iat = payload.iat;
  const nowSec = Math.floor(now.getTime() / 1000);
  // jose checks maxTokenAge; this also pins the window to our clock and refuses a future iat.
  if (typeof iat !== 'number' || nowSec - iat > MAX_WEBHOOK_AGE_SECONDS || iat - nowSec > 60) throw new WebhookExpiredError();
  if (expiredAt !== null && iat >= expiredAt) throw new WebhookKeyUnknownError();

  const actual = createHash('sha256').update(body).digest();
  const claimed =
    typeof payload.request_body_sha256 === 'string' && /^[0-9a-f]{64}$/i.test(payload.request_body_sha256)
      ? Buffer.from(payload.request_body_sha256, 'hex')
      : Buffer.alloc(32);
  if (!timingSafeEqual(actual, claimed)) throw new WebhookBodyMismatchError();
  return actual.toString('hex');
}

function mapJoseError(err: unknown): Error {
  if (isVaultError(err)) return err;
  if (err instanceof joseErrors.JWTExpired) return new WebhookExpiredError();
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'iat') return new WebhookExpiredError();
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new WebhookAlgUnsupportedError();
  return new WebhookSignatureInvalidError();
}
