/**
 * The webhook key cache with a counting in-memory gateway (no network):
 * single-flight per kid, failures not cached, hourly refresh, and a budget
 * for look-ups of unknown kids.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isVaultError, PlaidError } from '../../src/errors.js';
import type { PlaidGateway, WebhookKey } from '../../src/plaid/types.js';
import { createWebhookKeyCache } from '../../src/webhooks/key-cache.js';

const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });

function gateway(known: string[]): PlaidGateway & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async getWebhookKey(kid: string): Promise<WebhookKey> {
      calls.push(kid);
      await new Promise((r) => setImmediate(r));
      if (!known.includes(kid)) {
        throw new PlaidError('ERR_PLAID_INVALID_INPUT', 'x', {
          errorType: 'INVALID_INPUT',
          errorCode: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID',
          requestId: null,
          displayMessage: null,
          httpStatus: 400,
        });
      }
      return { kid, alg: 'ES256', kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, use: 'sig', createdAt: 0, expiredAt: null };
    },
  } as unknown as PlaidGateway & { calls: string[] };
}
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => (isVaultError(e) ? e.code : e),
  );

describe('webhook key cache', () => {
  it('shares one look-up between concurrent callers and caches the key', async () => {
    const plaid = gateway(['k1']);
    const cache = createWebhookKeyCache(plaid);
    await Promise.all(Array.from({ length: 25 }, () => cache.get('k1')));
    await cache.get('k1');
    expect(plaid.calls).toEqual(['k1']);
  });

  it('does not cache an unknown kid, and refreshes a known key after an hour', async () => {
    let t = 1_000_000;
    const plaid = gateway(['k1']);
    const cache = createWebhookKeyCache(plaid, () => t);
    expect(await codeOf(cache.get('nope'))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    expect(await codeOf(cache.get('nope'))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    await cache.get('k1');
    t += 59 * 60_000;
    await cache.get('k1');
    t += 2 * 60_000;
    await cache.get('k1');
    expect(plaid.calls).toEqual(['nope', 'nope', 'k1', 'k1']);
  });

  it('limits look-ups of new kids to 10 a minute; known keys keep working', async () => {
    let t = 5_000_000;
    const plaid = gateway(['good']);
    const cache = createWebhookKeyCache(plaid, () => t);
    await cache.get('good');
    for (let i = 0; i < 30; i++) expect(await codeOf(cache.get(`forged-${i}`))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    expect(plaid.calls.length).toBe(10);
    await expect(cache.get('good')).resolves.toMatchObject({ expiredAt: null });
    t += 60_000;
    await codeOf(cache.get('forged-next'));
    expect(plaid.calls.at(-1)).toBe('forged-next');
  });

  it('refuses malformed kids without a look-up', async () => {
    const plaid = gateway([]);
    expect(await codeOf(createWebhookKeyCache(plaid).get('../../etc'))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    expect(plaid.calls).toEqual([]);
  });
});
