/**
 * items.remove: Plaid /item/remove, then the row and every cache tier
 * (PostgreSQL + Redis). Idempotent; "already gone at Plaid" still deletes
 * locally; any other Plaid failure keeps the row so removal can be retried.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError, type Vault } from '../../src/index.js';
import { requireService, TEST_REDIS_URL } from '../helpers/services.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

const pgOk = await requireService('postgres', 'remove');
const redisOk = await requireService('redis', 'remove');

describe.skipIf(!pgOk || !redisOk)('items.remove', () => {
  let env: PlaidEnv;
  let a: Vault;
  let b: Vault;
  let redis: Redis;

  beforeAll(async () => {
    env = await startPlaidEnv({ db: 'postgres', redis: true });
    [a, b] = [await env.vault(), await env.vault()];
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await env?.close();
  });
  const code = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => (isVaultError(e) ? e.code : e),
    );
  // Value keys only (`pv:<ns>:{hash}`); the generation counters (`pv:<ns>:g:{hash}`) hold no envelope.
  const l2Keys = () => redis.keys(`pv:${env.namespace}:{*`);

  it('removes at Plaid, deletes the row, purges L1 on every instance and L2', async () => {
    const { itemId } = await a.link.sandboxLink({ userId: 'rm-1' });
    await a.data.accounts({ userId: 'rm-1', itemId });
    await b.data.accounts({ userId: 'rm-1', itemId }); // b now holds it in L1, Redis in L2
    expect((await l2Keys()).length).toBeGreaterThan(0);
    await a.items.remove({ userId: 'rm-1', itemId });
    expect(env.sb.state.item(itemId)?.status).toBe('removed');
    expect(await l2Keys()).toEqual([]);
    // b's L1 entry is gone too: withToken there no longer finds the item.
    await expect
      .poll(() => code(b.withToken({ userId: 'rm-1', itemId, purpose: 'test' }, () => 1)), { timeout: 2000 })
      .toBe('ERR_ITEM_NOT_FOUND');
  });

  it('another user cannot remove the item (silent no-op, no oracle)', async () => {
    const { itemId } = await a.link.sandboxLink({ userId: 'rm-2' });
    await a.items.remove({ userId: 'intruder', itemId });
    expect(env.sb.state.item(itemId)?.status).toBe('active');
    expect((await a.items.list('rm-2')).length).toBe(1);
  });

  it('an item Plaid no longer knows is still deleted locally', async () => {
    const { itemId } = await a.link.sandboxLink({ userId: 'rm-3' });
    const token = await a.withToken({ userId: 'rm-3', itemId, purpose: 'test.read' }, (t) => t.reveal());
    await fetch(`${env.sb.url}/item/remove`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plaid-client-id': env.sb.clientId, 'plaid-secret': env.sb.secret },
      body: JSON.stringify({ access_token: token }),
    });
    await a.items.remove({ userId: 'rm-3', itemId });
    expect(await a.items.list('rm-3')).toEqual([]);
    expect((await a.audit.list({ itemId })).find((e) => e.action === 'item.remove')?.purpose).toBe('already_gone');
  });

  it('a Plaid outage keeps the row, so the removal can be retried', async () => {
    const { itemId } = await a.link.sandboxLink({ userId: 'rm-4' });
    env.sb.faults.failNext('/item/remove', 500);
    expect(await code(a.items.remove({ userId: 'rm-4', itemId }))).toBe('ERR_PLAID_API_ERROR');
    expect((await a.items.list('rm-4')).length).toBe(1);
    await a.items.remove({ userId: 'rm-4', itemId });
    expect(await a.items.list('rm-4')).toEqual([]);
    expect(env.sb.state.item(itemId)?.status).toBe('removed');
  });
});
