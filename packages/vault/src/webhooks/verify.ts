import { createHash, timingSafeEqual } from 'node:crypto';
import type { JWTPayload } from 'jose';
import {
  isVaultError,
  WebhookAlgUnsupportedError,
  WebhookBodyMismatchError,
  WebhookExpiredError,
  WebhookKeyUnknownError,
  WebhookSignatureInvalidError,
  WebhookSignatureMissingError,
} from '../errors.js';
import type { Clock } from '../types/clock.js';
import type { WebhookKeyCache } from './key-cache.js';
import { loadJose } from './load-jose.js';
import { replayIdOf } from './replay-id.js';

/** Plaid signs each webhook when sending it; older ones are rejected. */
export const MAX_WEBHOOK_AGE_SECONDS = 5 * 60;
/** How far ahead of ours Plaid's clock may be. */
export const MAX_WEBHOOK_SKEW_SECONDS = 60;
const MAX_HEADER_LENGTH = 4096;

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** What a verified webhook is known by. */
export interface VerifiedWebhook {
  /** Hex SHA-256 of the raw body. */
  bodySha256: string;
  /** The signed JWT's identity (replay-id.ts): the replay-guard key. */
  replayId: string;
}

/** The `Plaid-Verification` header, whatever the header container and name case. */
export function verificationHeader(headers: HeaderBag): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get('plaid-verification') ?? undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'plaid-verification') return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Verify a Plaid webhook: ES256 only, then `iat` (at most 5 minutes old, at
 * most 1 minute ahead, by the injected clock) and the SHA-256 of the exact
 * raw body (constant time), then the key by `kid` and the signature. The
 * claims are read before the signature is checked: they are the bytes the
 * signature covers, so a webhook that passes both is the same either way, and
 * a forgery that is stale, aimed at another body or not ES256 is refused
 * without a key look-up (a look-up costs a forger a JWT made for this body,
 * this minute). Each failure has its own ERR_WEBHOOK_* code. `itemIdOf` is
 * handed to the key cache for its look-up budget.
 */
export async function verifyWebhook(
  body: Buffer,
  header: string | undefined,
  keys: WebhookKeyCache,
  clock: Clock,
  itemIdOf?: () => string | null,
): Promise<VerifiedWebhook> {
  if (!header) throw new WebhookSignatureMissingError();
  if (header.length > MAX_HEADER_LENGTH) throw new WebhookSignatureInvalidError();
  const jose = await loadJose();
  let alg: unknown;
  let kid: unknown;
  let claims: JWTPayload;
  try {
    ({ alg, kid } = jose.decodeProtectedHeader(header));
  } catch {
    throw new WebhookSignatureInvalidError();
  }
  if (alg !== 'ES256')
    throw new WebhookAlgUnsupportedError(undefined, { details: { alg: typeof alg === 'string' ? alg.slice(0, 16) : null } });
  try {
    claims = jose.decodeJwt(header);
  } catch {
    throw new WebhookSignatureInvalidError();
  }
  const now = clock.now();
  const iat = checkIssuedAt(claims.iat, now);
  const bodySha256 = checkBody(body, claims.request_body_sha256);
  if (typeof kid !== 'string') throw new WebhookKeyUnknownError();

  const { key, expiredAt } = await keys.get(kid, itemIdOf);
  try {
    await jose.jwtVerify(header, key, { algorithms: ['ES256'], currentDate: now });
  } catch (err) {
    throw mapJoseError(err, jose.errors);
  }
  if (expiredAt !== null && iat >= expiredAt) throw new WebhookKeyUnknownError();
  return { bodySha256, replayId: replayIdOf(header) };
}

function checkIssuedAt(iat: unknown, now: Date): number {
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw new WebhookExpiredError('The webhook has no valid signing time.', { details: { reason: 'missing' } });
  }
  const age = Math.floor(now.getTime() / 1000) - iat;
  if (age > MAX_WEBHOOK_AGE_SECONDS) {
    throw new WebhookExpiredError('The webhook was signed more than 5 minutes ago.', { details: { reason: 'too_old' } });
  }
  if (-age > MAX_WEBHOOK_SKEW_SECONDS) {
    throw new WebhookExpiredError('The webhook is signed with a time in the future; check the server clock.', {
      details: { reason: 'future' },
    });
  }
  return iat;
}

function checkBody(body: Buffer, claimed: unknown): string {
  const actual = createHash('sha256').update(body).digest();
  const expected = typeof claimed === 'string' && /^[0-9a-f]{64}$/i.test(claimed) ? Buffer.from(claimed, 'hex') : Buffer.alloc(32);
  if (!timingSafeEqual(actual, expected)) throw new WebhookBodyMismatchError();
  return actual.toString('hex');
}

function mapJoseError(err: unknown, joseErrors: typeof import('jose').errors): Error {
  if (isVaultError(err)) return err;
  if (err instanceof joseErrors.JWTExpired) return new WebhookExpiredError();
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new WebhookAlgUnsupportedError();
  return new WebhookSignatureInvalidError();
}
