/**
 * items.remove racing a rotation must never leave an Item alive at Plaid that
 * no row holds a token for (a billed orphan nothing can remove). A real proxy
 * in front of plaid-sandbox holds Plaid's answers to pin each interleaving;
 * the emulator's `/__admin/state` is the ground truth. SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError, type Vault } from '../../src/index.js';
import { orphanedItems } from '../fixtures/orphan-items.js';
import { startPlaidProxy, type PlaidProxy } from '../fixtures/plaid-proxy.js';
import { requireService } from '../helpers/services.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

const pgOk = await requireService('postgres', 'remove/rotate race');
const INVALIDATE = '/item/access_token/invalidate';
const REMOVE = '/item/remove';

const settle = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, code: isVaultError(err) ? err.code : String(err) }),
  );
/** Gives `p` a chance to finish (it may be waiting on purpose): whichever comes first. */
const settledOrAfter = (p: Promise<unknown>, ms: number) =>
  Promise.race([p.then(() => 'settled' as const), new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), ms))]);

describe.each([
  { db: 'sqlite' as const, skip: false },
  { db: 'postgres' as const, skip: !pgOk },
])('remove racing rotate ($db)', ({ db, skip }) => {
  let env: PlaidEnv;
  let proxy: PlaidProxy;
  let a: Vault;
  let b: Vault;
  const users = new Set<string>();

  beforeAll(async () => {
    if (skip) return;
    env = await startPlaidEnv({ db, admin: true });
    proxy = await startPlaidProxy(env.sb.url);
    a = await env.vault({ plaid: { baseUrl: proxy.url } });
    b = await env.vault({ plaid: { baseUrl: proxy.url } });
  });
  afterAll(async () => {
    await proxy?.close();
    await env?.close();
  });

  async function linked(userId: string) {
    users.add(userId);
    const { itemId } = await a.link.sandboxLink({ userId });
    return { userId, itemId };
  }
  async function orphans(): Promise<string[]> {
    const rows: string[] = [];
    for (const u of users) rows.push(...(await a.items.list(u)).map((i) => i.itemId));
    return orphanedItems(env.sb.url, rows);
  }

  it.skipIf(skip)('Plaid holds the invalidate answer while remove runs: no Item is left alive without a row', async () => {
    const ref = await linked(`hold-inv-${db}`);
    const held = proxy.hold(INVALIDATE);
    const rotating = settle(a.items.rotate(ref));
    await held.arrived(); // Plaid has rotated: the old token is dead, the new one is on its way back
    const removing = settle(b.items.remove(ref));
    await settledOrAfter(removing, 500);
    held.release();
    const [rotated, removed] = await Promise.all([rotating, removing]);
    await a.recover();

    expect(await orphans()).toEqual([]);
    if (removed.ok) {
      expect(env.sb.state.item(ref.itemId)?.status).toBe('removed');
      expect(await a.items.list(ref.userId)).toEqual([]);
    } else {
      // Told to retry: the item must still be there to retry on.
      expect(removed.code).toBe('ERR_ROTATION_IN_PROGRESS');
      expect((await a.items.list(ref.userId)).length).toBe(1);
    }
    expect(rotated.ok || rotated.code === 'ERR_ITEM_NOT_FOUND').toBe(true);
  });

  it.skipIf(skip)('a remove holds the item: a rotation cannot start while the remove is at Plaid', async () => {
    const ref = await linked(`hold-rm-${db}`);
    const before = proxy.counts()[INVALIDATE] ?? 0;
    const held = proxy.hold(REMOVE, { stage: 'request' });
    const removing = settle(a.items.remove(ref));
    await held.arrived();
    const rotating = settle(b.items.rotate(ref));
    await settledOrAfter(rotating, 500);
    held.release();
    const [removed, rotated] = await Promise.all([removing, rotating]);

    expect(removed).toEqual({ ok: true, value: undefined });
    expect(rotated).toEqual({ ok: false, code: 'ERR_ITEM_NOT_FOUND' });
    expect((proxy.counts()[INVALIDATE] ?? 0) - before).toBe(0);
    expect(env.sb.state.item(ref.itemId)?.status).toBe('removed');
    expect(await orphans()).toEqual([]);
  });

  it.skipIf(skip)('an instance whose cache still holds the old token removes with the current one', async () => {
    const ref = await linked(`stale-${db}`);
    await b.withToken({ ...ref, purpose: 'test.warm' }, () => undefined); // b caches the token (no Redis: no invalidation reaches it)
    expect((await a.items.rotate(ref)).outcome).toBe('rotated');
    await b.items.remove(ref);

    expect(env.sb.state.item(ref.itemId)?.status).toBe('removed');
    expect(await orphans()).toEqual([]);
  });
});
