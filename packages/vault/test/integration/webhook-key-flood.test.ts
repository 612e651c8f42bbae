/**
 * Issue 11, item 2: forged webhooks with random kids must not keep Plaid's
 * genuine webhooks out. Through the vault's HTTP route, against plaid-sandbox's
 * real keys; Plaid key look-ups are counted by the sandbox itself.
 *
 * The vault's clock is frozen at the start of each test, so the look-up
 * budget's one-minute window cannot roll over mid-flood and the counts are
 * exact (the sandbox signs with its real clock; a test lasts seconds).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import { OPEN_LOOKUPS_PER_MINUTE } from '../../src/webhooks/lookup-budget.js';
import { requireService } from '../helpers/services.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';
import { forgedWebhook, keyLookups, signWithOwnKey, webhookBody, webhookRoute } from './webhook-route.js';

const FLOOD = 1000;
/** On the restart path any flood past the open lane makes the point (before: 10 posts were enough). */
const RESTART_FLOOD = 200;
const pgOk = await requireService('postgres', 'webhook key flood (PostgreSQL)');
const pooledOk = await requireService('pgbouncer', 'webhook key flood (PostgreSQL through PgBouncer)');

// A minute ahead of the sandbox's clock, so every JWT it signs during the test has a past `iat`
// (well inside the 5-minute window) whatever the order of clock reads.
const frozenClock = () => {
  const at = new Date(Date.now() + 60_000);
  return { now: () => at };
};

/** Posts `n` forgeries; every one must be refused with ERR_WEBHOOK_KEY_UNKNOWN. */
async function flood(post: ReturnType<typeof webhookRoute>, n: number, itemFor: (i: number) => string): Promise<void> {
  const codes = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const { body, jwt } = forgedWebhook(itemFor(i));
    const r = await post(body, jwt);
    const key = `${r.status} ${r.json.code}`;
    codes.set(key, (codes.get(key) ?? 0) + 1);
  }
  expect(Object.fromEntries(codes)).toEqual({ '401 ERR_WEBHOOK_KEY_UNKNOWN': n });
}

const syncBody = (itemId: string | null) =>
  webhookBody({
    webhook_type: 'TRANSACTIONS',
    webhook_code: 'SYNC_UPDATES_AVAILABLE',
    item_id: itemId,
    initial_update_complete: true,
    historical_update_complete: true,
    environment: 'sandbox',
    nonce: randomUUID(),
  });

describe('a kid flood on a vault that has never seen Plaid key (first start, or Plaid rotated)', () => {
  let env: PlaidEnv;
  let vault: Vault;
  let victim: string;
  let mallory: string;

  beforeAll(async () => {
    env = await startPlaidEnv({ db: 'sqlite' });
    vault = await env.vault({ clock: frozenClock() });
    ({ itemId: victim } = await vault.link.sandboxLink({ userId: 'victim' }));
    // The attacker is a user of the app and knows the id of their own item.
    ({ itemId: mallory } = await vault.link.sandboxLink({ userId: 'mallory' }));
  });
  afterAll(async () => {
    await env?.close();
  });

  it(`${FLOOD} forged posts (random kids; half name unknown items, half the attacker's own item), then a genuine webhook is accepted`, async () => {
    const post = webhookRoute(vault);
    const before = keyLookups(env.sb);
    await flood(post, FLOOD, (i) => (i % 2 === 0 ? `item-${randomUUID()}` : mallory));
    const byFlood = keyLookups(env.sb) - before;

    const raw = syncBody(victim);
    const genuine = await post(raw, env.sb.signWebhook(raw));
    expect(genuine).toEqual({ status: 200, json: { accepted: true } });
    // The open lane was spent; the attacker's item opened the item lane once and is now barred from it;
    // the genuine webhook's item opened it for Plaid's key.
    expect(byFlood).toBe(OPEN_LOOKUPS_PER_MINUTE + 1);
    expect(keyLookups(env.sb) - before).toBe(OPEN_LOOKUPS_PER_MINUTE + 2);
    const actions = (await vault.audit.list({ itemId: victim })).filter((e) => e.action === 'webhook.received').map((e) => e.outcome);
    expect(actions).toEqual(['marked_for_sync']);
    // Nothing the forgeries asked for happened: both items are still held.
    expect((await vault.items.list('victim')).map((i) => i.itemId)).toEqual([victim]);
    expect((await vault.items.list('mallory')).map((i) => i.itemId)).toEqual([mallory]);
  });

  it('a kid Plaid does not know is asked about once, however often it is posted', async () => {
    const post = webhookRoute(await env.vault({ clock: frozenClock() }));
    const kid = randomUUID();
    const before = keyLookups(env.sb);
    for (let i = 0; i < 50; i++) {
      const raw = syncBody(null);
      expect((await post(raw, env.sb.signWebhook(raw, { foreignKey: true, kid }))).json.code).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    }
    expect(keyLookups(env.sb) - before).toBe(1);
  });

  it('forgeries that are stale, aimed at another body or not ES256 cost no look-up', async () => {
    const post = webhookRoute(await env.vault({ clock: frozenClock() }));
    const before = keyLookups(env.sb);
    const raw = syncBody(victim);
    const nowSec = Math.floor(Date.now() / 1000);
    const forged = (opts: object) => env.sb.signWebhook(raw, { foreignKey: true, kid: randomUUID(), ...opts });
    const cases: [string, string, string][] = [
      ['stale iat', forged({ iat: nowSec - 600 }), 'ERR_WEBHOOK_EXPIRED'],
      ['future iat', forged({ iat: nowSec + 600 }), 'ERR_WEBHOOK_EXPIRED'],
      ['hash of another body', forged({ bodySha256: 'ab'.repeat(32) }), 'ERR_WEBHOOK_BODY_MISMATCH'],
      ['alg none', forged({ alg: 'none' }), 'ERR_WEBHOOK_ALG_UNSUPPORTED'],
      ['kid outside the shape', forged({ kid: '../../etc/passwd' }), 'ERR_WEBHOOK_KEY_UNKNOWN'],
    ];
    for (const [name, jwt, code] of cases) {
      for (let i = 0; i < 100; i++) expect([name, (await post(raw, jwt)).json.code]).toEqual([name, code]);
    }
    expect(keyLookups(env.sb) - before).toBe(0);
  });

  it('a saved key is trusted only with its MAC: a row planted in the database does not make a forger key verify', async () => {
    const kid = randomUUID();
    const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { x, y } = forger.publicKey.export({ format: 'jwk' });
    const store = createStore({ url: `sqlite:${join(env.dir, 'vault.db')}` });
    try {
      const content = JSON.stringify({ x, y, expiredAt: null, fetchedAt: Date.now() });
      await store.putMarker(`webhook-key:emulator:${kid}`, `${content}.${Buffer.alloc(32, 1).toString('base64url')}`, null);
    } finally {
      await store.close();
    }
    const raw = webhookBody({ webhook_type: 'ITEM', webhook_code: 'USER_PERMISSION_REVOKED', item_id: victim, environment: 'sandbox' });
    const before = keyLookups(env.sb);
    const r = await webhookRoute(await env.vault({ clock: frozenClock() }))(raw, signWithOwnKey(forger.privateKey, raw, kid));
    expect(r.json.code).toBe('ERR_WEBHOOK_KEY_UNKNOWN');
    // The planted row was ignored, so the kid went to Plaid, which does not know it.
    expect(keyLookups(env.sb) - before).toBe(1);
    expect((await vault.items.list('victim')).map((i) => i.itemId)).toEqual([victim]);
  });
});

// Direct and through PgBouncer (transaction mode); a database that is down was reported (or failed) above.
const stores = [
  { db: 'postgres' as const, ok: pgOk },
  { db: 'pgbouncer' as const, ok: pooledOk },
].filter((s) => s.ok);
describe.each(stores)('keys saved in the store ($db, instances sharing one schema)', ({ db }) => {
  let env: PlaidEnv;

  beforeAll(async () => {
    env = await startPlaidEnv({ db });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('after one instance has verified a key, a restarted or second instance verifies with zero look-ups, flood or not', async () => {
    const first = webhookRoute(await env.vault({ clock: frozenClock() }));
    const before = keyLookups(env.sb);
    const raw = syncBody(null);
    expect(await first(raw, env.sb.signWebhook(raw))).toEqual({ status: 200, json: { accepted: true } });
    expect(keyLookups(env.sb) - before).toBe(1);

    // A second instance (or the first one restarted): the key comes from the store.
    const second = webhookRoute(await env.vault({ clock: frozenClock() }));
    const raw2 = syncBody(null);
    expect(await second(raw2, env.sb.signWebhook(raw2))).toEqual({ status: 200, json: { accepted: true } });
    expect(keyLookups(env.sb) - before).toBe(1);

    // A third, flooded before its first genuine webhook (which names no item, so only the open lane could serve it).
    const third = webhookRoute(await env.vault({ clock: frozenClock() }));
    await flood(third, RESTART_FLOOD, () => `item-${randomUUID()}`);
    const raw3 = syncBody(null);
    expect(await third(raw3, env.sb.signWebhook(raw3))).toEqual({ status: 200, json: { accepted: true } });
    expect(keyLookups(env.sb) - before).toBe(1 + OPEN_LOOKUPS_PER_MINUTE);
  });
});
