/**
 * The webhook key cache with a counting in-memory gateway (no network) and a
 * real in-memory SQLite store for saved keys: single-flight per kid, unknown
 * kids remembered, hourly refresh, saved keys across instances, and the
 * look-up budget's two lanes.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isVaultError, PlaidError } from '../../src/errors.js';
import type { PlaidGateway, WebhookKey } from '../../src/plaid/types.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { createWebhookKeyCache, KEY_TTL_MS, UNKNOWN_KID_TTL_MS } from '../../src/webhooks/key-cache.js';
import { createKidLookupBudget, ITEM_BAR_MS, ITEM_LOOKUPS_PER_MINUTE, OPEN_LOOKUPS_PER_MINUTE } from '../../src/webhooks/lookup-budget.js';
import { createSavedWebhookKeys } from '../../src/webhooks/saved-keys.js';

const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
const MAC_KEY = Buffer.alloc(32, 9);

type CountingGateway = Pick<PlaidGateway, 'getWebhookKey'> & { calls: string[]; down: boolean };

function gateway(known: string[]): CountingGateway {
  const g: CountingGateway = {
    calls: [],
    down: false,
    async getWebhookKey(kid: string): Promise<WebhookKey> {
      g.calls.push(kid);
      await new Promise((r) => setImmediate(r));
      if (g.down) {
        const fields = { errorType: null, errorCode: null, requestId: null, displayMessage: null, httpStatus: null };
        throw new PlaidError('ERR_PLAID_UNREACHABLE', 'down', fields);
      }
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
  };
  return g;
}
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => (isVaultError(e) ? e.code : e),
  );

describe('webhook key cache', () => {
  it('shares one look-up between concurrent callers and caches the key', async () => {
    const plaid = gateway(['k1']);
    const cache = createWebhookKeyCache({ plaid });
    await Promise.all(Array.from({ length: 25 }, () => cache.get('k1')));
    await cache.get('k1');
    expect(plaid.calls).toEqual(['k1']);
  });

  it('remembers a kid Plaid does not know for an hour; does not remember an outage; refreshes a known key hourly', async () => {
    let t = 1_000_000;
    const plaid = gateway(['k1']);
    const cache = createWebhookKeyCache({ plaid, now: () => t });
    for (let i = 0; i < 5; i++) expect(await codeOf(cache.get('nope'))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    plaid.down = true;
    expect(await codeOf(cache.get('k1'))).toBe('ERR_PLAID_UNREACHABLE');
    plaid.down = false;
    await cache.get('k1');
    t += KEY_TTL_MS - 60_000;
    await cache.get('k1');
    t += 2 * 60_000;
    await cache.get('k1');
    t += UNKNOWN_KID_TTL_MS;
    expect(await codeOf(cache.get('nope'))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    expect(plaid.calls).toEqual(['nope', 'k1', 'k1', 'k1', 'nope']);
  });

  it('refuses malformed kids without a look-up', async () => {
    const plaid = gateway([]);
    expect(await codeOf(createWebhookKeyCache({ plaid }).get('../../etc'))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    expect(plaid.calls).toEqual([]);
  });
});

describe('look-up budget', () => {
  it(`open lane: ${OPEN_LOOKUPS_PER_MINUTE} new kids a minute; known keys keep working`, async () => {
    let t = 5_000_000;
    const plaid = gateway(['good']);
    const cache = createWebhookKeyCache({ plaid, now: () => t });
    await cache.get('good');
    for (let i = 0; i < 30; i++) expect(await codeOf(cache.get(`forged-${i}`))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    expect(plaid.calls.length).toBe(OPEN_LOOKUPS_PER_MINUTE);
    await expect(cache.get('good')).resolves.toMatchObject({ expiredAt: null });
    t += 60_000;
    await codeOf(cache.get('forged-next'));
    expect(plaid.calls.at(-1)).toBe('forged-next');
  });

  it('item lane: once the open lane is spent, a webhook naming a held item still gets its look-up', async () => {
    let t = 7_000_000;
    const held = new Set(['item-a', 'item-b', 'item-mallory']);
    const reads: string[] = [];
    const budget = createKidLookupBudget({ now: () => t, isHeldItem: async (id) => (reads.push(id), held.has(id)) });
    const plaid = gateway(['plaid-new']);
    const cache = createWebhookKeyCache({ plaid, budget, now: () => t });
    for (let i = 0; i < 100; i++) await codeOf(cache.get(`forged-${i}`, () => `random-${i}`));
    // The attacker knows their own held item: one look-up, then that item is barred.
    for (let i = 0; i < 100; i++) await codeOf(cache.get(`forged-m-${i}`, () => 'item-mallory'));
    expect(plaid.calls.length).toBe(OPEN_LOOKUPS_PER_MINUTE + 1);
    await expect(cache.get('plaid-new', () => 'item-a')).resolves.toMatchObject({ expiredAt: null });
    expect(plaid.calls.length).toBe(OPEN_LOOKUPS_PER_MINUTE + 2);
    // A look-up that found a real key holds nothing against its item.
    expect(await codeOf(cache.get('forged-a', () => 'item-a'))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    expect(plaid.calls.at(-1)).toBe('forged-a');
    // Unknown items cost a store read, never a look-up; barred ones not even the read.
    expect(reads.filter((id) => id === 'item-mallory')).toHaveLength(1);
    t += ITEM_BAR_MS;
    for (let i = 0; i < OPEN_LOOKUPS_PER_MINUTE; i++) await codeOf(cache.get(`forged-later-${i}`));
    const calls = plaid.calls.length;
    await codeOf(cache.get('forged-m-later', () => 'item-mallory'));
    expect(plaid.calls.slice(calls)).toEqual(['forged-m-later']);
  });

  it(`item lane: at most ${ITEM_LOOKUPS_PER_MINUTE} a minute, and an outage does not bar the item`, async () => {
    const t = 9_000_000;
    const budget = createKidLookupBudget({ now: () => t, isHeldItem: async () => true });
    const plaid = gateway([]);
    const cache = createWebhookKeyCache({ plaid, budget, now: () => t });
    for (let i = 0; i < OPEN_LOOKUPS_PER_MINUTE; i++) await codeOf(cache.get(`open-${i}`));
    plaid.down = true;
    expect(await codeOf(cache.get('k-outage', () => 'item-1'))).toBe('ERR_PLAID_UNREACHABLE');
    plaid.down = false;
    for (let i = 0; i < 50; i++) await codeOf(cache.get(`k-${i}`, () => `item-${i + 1}`));
    expect(plaid.calls.length).toBe(OPEN_LOOKUPS_PER_MINUTE + ITEM_LOOKUPS_PER_MINUTE);
    expect(plaid.calls.at(OPEN_LOOKUPS_PER_MINUTE + 1)).toBe('k-0'); // item-1 again, right after its outage
  });
});

describe('saved keys', () => {
  let store: TokenStore;
  beforeEach(async () => {
    store = createStore({ url: 'sqlite::memory:' });
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
  });

  it('a second cache on the same store needs no look-up, even with its budget spent', async () => {
    const t = 11_000_000;
    const plaid = gateway(['k1']);
    await createWebhookKeyCache({ plaid, saved: createSavedWebhookKeys(store, 'sandbox', MAC_KEY), now: () => t }).get('k1');
    const other = createWebhookKeyCache({ plaid, saved: createSavedWebhookKeys(store, 'sandbox', MAC_KEY), now: () => t });
    for (let i = 0; i < 30; i++) await codeOf(other.get(`forged-${i}`));
    await expect(other.get('k1')).resolves.toMatchObject({ expiredAt: null });
    expect(plaid.calls.filter((k) => k === 'k1')).toHaveLength(1);
  });

  it('another environment or another MAC key does not see the saved key', async () => {
    const t = 12_000_000;
    const plaid = gateway(['k1']);
    await createWebhookKeyCache({ plaid, saved: createSavedWebhookKeys(store, 'sandbox', MAC_KEY), now: () => t }).get('k1');
    expect(await createSavedWebhookKeys(store, 'sandbox', MAC_KEY).load('k1')).toMatchObject({ x: jwk.x, fetchedAt: t });
    expect(await createSavedWebhookKeys(store, 'production', MAC_KEY).load('k1')).toBeUndefined();
    expect(await createSavedWebhookKeys(store, 'sandbox', Buffer.alloc(32, 8)).load('k1')).toBeUndefined();
  });

  it('of two instances whose copy went stale, one asks Plaid and the other reads the refreshed copy', async () => {
    let t = 14_000_000;
    const plaid = gateway(['k1']);
    const a = createWebhookKeyCache({ plaid, saved: createSavedWebhookKeys(store, 'sandbox', MAC_KEY), now: () => t });
    const b = createWebhookKeyCache({ plaid, saved: createSavedWebhookKeys(store, 'sandbox', MAC_KEY), now: () => t });
    await a.get('k1');
    await b.get('k1');
    t += KEY_TTL_MS + 1;
    await a.get('k1');
    await b.get('k1');
    expect(plaid.calls).toEqual(['k1', 'k1']);
  });

  it('a stale saved key is refreshed without a budget ticket; a kid Plaid no longer knows is forgotten', async () => {
    let t = 13_000_000;
    const known = ['k1'];
    const plaid = gateway(known);
    const saved = createSavedWebhookKeys(store, 'sandbox', MAC_KEY);
    await createWebhookKeyCache({ plaid, saved, now: () => t }).get('k1');
    t += KEY_TTL_MS + 1;
    const later = createWebhookKeyCache({ plaid, saved, now: () => t });
    for (let i = 0; i < 30; i++) await codeOf(later.get(`forged-${i}`));
    await later.get('k1');
    expect(plaid.calls.filter((k) => k === 'k1')).toHaveLength(2);
    expect((await saved.load('k1'))?.fetchedAt).toBe(t);
    t += KEY_TTL_MS + 1;
    known.pop();
    expect(await codeOf(later.get('k1'))).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    expect(await saved.load('k1')).toBeUndefined();
  });
});
