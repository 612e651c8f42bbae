import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Body } from './fields.js';
import { apiErrors } from './plaid-error.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

// The expected side never changes for a sandbox: hash it once per credentials object.
const cache = new WeakMap<object, { clientId: Buffer; secret: Buffer }>();
function expectedDigests(expected: { clientId: string; secret: string }): { clientId: Buffer; secret: Buffer } {
  let found = cache.get(expected);
  if (!found) cache.set(expected, (found = { clientId: digest(expected.clientId), secret: digest(expected.secret) }));
  return found;
}

/**
 * Checks client_id and secret, taken from the body when the body carries them (the
 * SDK then sends no credential headers) and from the PLAID-CLIENT-ID / PLAID-SECRET
 * headers otherwise. Compared in constant time over digests so lengths do not leak.
 */
export function checkCredentials(headers: IncomingHttpHeaders, body: Body, expected: { clientId: string; secret: string }): void {
  const want = expectedDigests(expected);
  const pick = (field: string, header: string): unknown => body[field] ?? headers[header];
  const clientId = pick('client_id', 'plaid-client-id');
  const secret = pick('secret', 'plaid-secret');
  const missing = [clientId ? undefined : 'client_id', secret ? undefined : 'secret'].filter((f): f is string => f !== undefined);
  if (missing.length > 0) throw apiErrors.missingFields(missing);
  if (typeof clientId !== 'string' || typeof secret !== 'string') throw apiErrors.invalidApiKeys();
  const idOk = timingSafeEqual(digest(clientId), want.clientId);
  const secretOk = timingSafeEqual(digest(secret), want.secret);
  if (!(idOk && secretOk)) throw apiErrors.invalidApiKeys();
}
