/**
 * A successful call repairs `login_required` on whichever vault instance makes
 * it (DECISIONS 29): instances sharing one PostgreSQL schema and one Redis
 * namespace, a restarted instance, instances succeeding at the same moment
 * (one audit event), and a status read that fails or is slow (the user's call
 * neither fails nor waits for it). plaid-sandbox over HTTP through the official
 * SDK; no webhook URL, so no LOGIN_REPAIRED webhook can do the repair instead.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isVaultError, StoreUnavailableError, type Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import type { ItemStatus } from '../../src/types/items.js';
import type { Logger } from '../../src/types/logger.js';
import { requireService } from '../helpers/services.js';
import { startPlaidEnv, TOKEN_MARK, type PlaidEnv } from './plaid-harness.js';

const pgReady = await requireService('postgres', 'item repair across instances');
const redisReady = await requireService('redis', 'item repair across instances');

const REPAIRED = 'active:repaired_by_successful_call';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isVaultError(err) ? err.code : err === undefined ? undefined : String(err);
}

/** The real store, except for the status read, which `read` answers. */
function withStatusRead(inner: TokenStore, read: (itemId: string) => Promise<ItemStatus | undefined>): TokenStore {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'getItemStatus') return read;
      const value = Reflect.get(target, prop, target) as unknown;
      // Bound to the real store: its #private fields are not reachable through a proxy `this`.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function recordingLogger(): Logger & { entries: { level: string; obj: object; msg: string | undefined }[] } {
  const entries: { level: string; obj: object; msg: string | undefined }[] = [];
  const log = (level: string) => (obj: object, msg?: string) => void entries.push({ level, obj, msg });
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

describe.skipIf(!pgReady || !redisReady)('a successful call repairs login_required on any instance (PostgreSQL + Redis)', () => {
  let env: PlaidEnv;
  let one: Vault;
  let two: Vault;
  const stores: TokenStore[] = [];

  beforeAll(async () => {
    env = await startPlaidEnv({ db: 'postgres', redis: true });
    one = await env.vault();
    two = await env.vault();
  });
  afterAll(async () => {
    await env?.close();
    for (const s of stores) await s.close();
  });

  /** A linked item, already used on `warm` instances (so their caches hold its token), whose login `marker` then saw fail. */
  async function loginRequiredItem(userId: string, marker: Vault, warm: Vault[] = []): Promise<string> {
    const { itemId } = await marker.link.sandboxLink({ userId });
    for (const v of warm) expect((await v.data.accounts({ userId, itemId })).length).toBeGreaterThan(0);
    await env.sb.state.resetLogin(itemId);
    expect(await codeOf(marker.data.accounts({ userId, itemId }))).toBe('ERR_PLAID_ITEM_LOGIN_REQUIRED');
    expect((await marker.items.get({ userId, itemId })).status).toBe('login_required');
    return itemId;
  }

  /** The item's `item.status` purposes, sorted: each instance buffers its own events, so seq order across instances is not event order. */
  async function statusEvents(itemId: string, vaults: Vault[]): Promise<string[]> {
    for (const v of vaults) await v.audit.flush();
    const events = await vaults[0]!.audit.list({ itemId });
    return events
      .filter((e) => e.action === 'item.status')
      .map((e) => e.purpose ?? '')
      .sort();
  }

  it('a call on another instance (its cache holding the token) repairs what instance one marked, audited once', async () => {
    const userId = 'user-shared-accounts';
    const itemId = await loginRequiredItem(userId, one, [two]);
    // Still broken at the bank: success is what repairs, not the call. (Instance two never sees a failure.)
    expect(await codeOf(one.data.accounts({ userId, itemId }))).toBe('ERR_PLAID_ITEM_LOGIN_REQUIRED');
    expect((await two.items.get({ userId, itemId })).status).toBe('login_required');

    const deliveries = env.sb.state.webhookDeliveries().length;
    await env.sb.state.repairLogin(itemId);
    expect(env.sb.state.webhookDeliveries().length).toBe(deliveries); // no webhook: the call must do it
    expect((await two.data.accounts({ userId, itemId })).length).toBeGreaterThan(0);
    expect((await one.items.get({ userId, itemId })).status).toBe('active');
    expect((await two.items.get({ userId, itemId })).status).toBe('active');

    // Once active, further reads on either instance change nothing.
    await one.data.balances({ userId, itemId });
    await two.data.accounts({ userId, itemId });
    expect(await statusEvents(itemId, [one, two])).toEqual([REPAIRED, 'login_required:plaid_call']);
  });

  it('a restarted instance over the same database repairs it', async () => {
    const userId = 'user-shared-restart';
    const before = await env.vault();
    const itemId = await loginRequiredItem(userId, before);
    await before.close();
    await env.sb.state.repairLogin(itemId);

    const after = await env.vault();
    expect((await after.data.balances({ userId, itemId })).length).toBeGreaterThan(0);
    expect((await after.items.get({ userId, itemId })).status).toBe('active');
    expect(await statusEvents(itemId, [after])).toEqual([REPAIRED, 'login_required:plaid_call']);
  });

  it('instances succeeding at the same moment write exactly one repair audit event', async () => {
    for (let round = 0; round < 3; round++) {
      const userId = `user-shared-race-${round}`;
      const itemId = await loginRequiredItem(userId, one, [one, two]);
      await env.sb.state.repairLogin(itemId);
      const calls = [one, two, one, two, one, two].map((v) => v.data.accounts({ userId, itemId }));
      for (const accounts of await Promise.all(calls)) expect(accounts.length).toBeGreaterThan(0);
      expect((await one.items.get({ userId, itemId })).status).toBe('active');
      expect(await statusEvents(itemId, [one, two])).toEqual([REPAIRED, 'login_required:plaid_call']);
    }
  });

  it('a status read that fails never fails the call: logged at warn with the item id and code only', async () => {
    const userId = 'user-shared-read-fails';
    const itemId = await loginRequiredItem(userId, one);
    await env.sb.state.repairLogin(itemId);
    const real = createStore({ url: env.schema!.url, schema: env.schema!.schema });
    stores.push(real);
    const logger = recordingLogger();
    const store = withStatusRead(real, () => Promise.reject(new StoreUnavailableError()));
    const broken = await env.vault({ store, logger });

    expect((await broken.data.accounts({ userId, itemId })).length).toBeGreaterThan(0);
    expect((await broken.items.get({ userId, itemId })).status).toBe('login_required');
    const warned = logger.entries.filter((e) => e.level === 'warn' && (e.obj as { itemId?: string }).itemId === itemId);
    expect(warned.map((e) => e.obj)).toEqual([{ itemId, code: 'ERR_STORE_UNAVAILABLE' }]);
    expect(JSON.stringify(logger.entries)).not.toContain(TOKEN_MARK);

    // A healthy instance's next success repairs it.
    await two.data.accounts({ userId, itemId });
    expect((await two.items.get({ userId, itemId })).status).toBe('active');
    expect(await statusEvents(itemId, [one, two, broken])).toEqual([REPAIRED, 'login_required:plaid_call']);
  });

  it('a status read slower than Plaid does not hold the call back; the repair lands when the read does', async () => {
    const userId = 'user-shared-read-slow';
    const itemId = await loginRequiredItem(userId, one);
    await env.sb.state.repairLogin(itemId);
    const real = createStore({ url: env.schema!.url, schema: env.schema!.schema });
    stores.push(real);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = withStatusRead(real, async (id) => {
      await gate;
      return real.getItemStatus(id);
    });
    const slow = await env.vault({ store });

    // Would never settle if the call waited for the held read.
    expect((await slow.data.accounts({ userId, itemId })).length).toBeGreaterThan(0);
    expect((await slow.items.get({ userId, itemId })).status).toBe('login_required');
    release();
    await vi.waitFor(async () => expect((await slow.items.get({ userId, itemId })).status).toBe('active'));
    expect(await statusEvents(itemId, [one, slow])).toEqual([REPAIRED, 'login_required:plaid_call']);
  });
});
