import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Body } from './fields.js';
import { apiErrors } from './plaid-error.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Checks client_id and secret, taken from the body when the body carries them (the
 * SDK then sends no credential headers) and from the PLAID-CLIENT-ID / PLAID-SECRET
 * headers otherwise. Compared in constant time over digests so lengths do not leak.
 */
export function checkCredentials(headers: IncomingHttpHeaders, body: Body, expected: { clientId: string; secret: string }): void {
  const pick = (field: string, header: string): unknown => body[field] ?? headers[header];
  const clientId = pick('client_id', 'plaid-client-id');
  const secret = pick('secret', 'plaid-secret');
  const missing = [clientId ? undefined : 'client_id', secret ? undefined : 'secret'].filter((f): f is string => f !== undefined);
  if (missing.length > 0) throw apiErrors.missingFields(missing);
  if (typeof clientId !== 'string' || typeof secret !== 'string') throw apiErrors.invalidApiKeys();
  const idOk = timingSafeEqual(digest(clientId), digest(expected.clientId));
  const secretOk = timingSafeEqual(digest(secret), digest(expected.secret));
  if (!(idOk && secretOk)) throw apiErrors.invalidApiKeys();
}
