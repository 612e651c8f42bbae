/**
 * Shared by the webhook-*.test.ts suites: posts to the vault's real HTTP
 * webhook route (in process, through `app.fetch`), signed webhooks and
 * forgeries built with plaid-sandbox's signer, and the sandbox's count of
 * key look-ups.
 */
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { Sandbox } from 'plaid-sandbox';
import { createHttpApp } from '../../src/http/index.js';
import type { Vault } from '../../src/types/vault.js';
import { createMemoryLogger } from './http-harness.js';

export interface RouteReply {
  status: number;
  // Fields are asserted one by one.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** `POST /webhooks/plaid` on an app around `vault`; `jwt` undefined sends no signature header. */
export function webhookRoute(vault: Vault): (body: string, jwt: string | undefined) => Promise<RouteReply> {
  const app = createHttpApp({ vault, getUserId: () => null, logger: createMemoryLogger() });
  return async (body, jwt) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (jwt !== undefined) headers['plaid-verification'] = jwt;
    const res = await app.fetch(new Request('http://vault.test/webhooks/plaid', { method: 'POST', body, headers }));
    return { status: res.status, json: await res.json() };
  };
}

/** A webhook body as Plaid sends it (2-space indented). */
export const webhookBody = (o: object): string => JSON.stringify(o, null, 2);

/** Requests the sandbox has answered on `/webhook_verification_key/get` (unknown kids included). */
export const keyLookups = (sb: Sandbox): number => sb.state.counters['/webhook_verification_key/get'] ?? 0;

/** The forger's own key (one for all forgeries: which key signs does not matter once the kid is random). */
const FORGER = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

/**
 * The strongest forgery that needs no key of Plaid's: a fresh `iat`, the true
 * hash of this very body, ES256, a random UUID kid, signed by the forger's key.
 */
export function forgedWebhook(itemId: string): { body: string; jwt: string } {
  const body = webhookBody({
    webhook_type: 'ITEM',
    webhook_code: 'USER_PERMISSION_REVOKED',
    item_id: itemId,
    error: { error_code: 'USER_PERMISSION_REVOKED' },
    environment: 'sandbox',
  });
  return { body, jwt: signWithOwnKey(FORGER, body, randomUUID()) };
}

/** A Plaid-shaped JWT for `body`, signed by a key of the test's own (whose public half the test can plant). */
export function signWithOwnKey(privateKey: KeyObject, body: string, kid: string): string {
  const b64 = (v: string | Buffer) => Buffer.from(v).toString('base64url');
  const payload = { iat: Math.floor(Date.now() / 1000), request_body_sha256: createHash('sha256').update(body).digest('hex') };
  const input = `${b64(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${b64(sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }))}`;
}
