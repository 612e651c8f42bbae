/**
 * Issue 11, item 7, end to end: an item is rotated (Plaid invalidates the old
 * token), then someone who can write to Redis puts the old L2 value back. A
 * vault that never saw the item accepts it (the documented residual: it knows
 * no newer version); the old token is dead at Plaid, so its first data call
 * gets INVALID_ACCESS_TOKEN, purges, reloads from the database and retries
 * once. From then on that vault knows the version: the same value put back
 * again is refused without a wasted Plaid call. plaid-sandbox over HTTP,
 * SQLite, real Redis (a namespace of this file's own).
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l2KeyLayout } from '../../src/cache/redis-tier.js';
import type { Vault } from '../../src/index.js';
import { connectRedis, dropNamespace, namespaceKeys, waitFor } from '../fixtures/cache-helpers.js';
import { requireService } from '../helpers/services.js';
import { type PlaidEnv, startPlaidEnv } from './plaid-harness.js';

const ok = await requireService('redis', 'cache rollback through Plaid');

describe.skipIf(!ok)('a rolled-back L2 value used against Plaid', () => {
  const USER = 'user-rollback';
  let env: PlaidEnv;
  let redis: Redis;
  let writer: Vault;

  beforeAll(async () => {
    env = await startPlaidEnv({ redis: true });
    redis = await connectRedis();
    writer = await env.vault();
    await waitFor(() => writer.stats().cache.bus === 'up', 5000, 'the writer bus');
  }, 30_000);
  afterAll(async () => {
    await env?.close();
    if (redis) await dropNamespace(redis, env.namespace);
    await redis?.quit();
  });

  /** The one value key of the namespace once it is filled. */
  async function valueKey(): Promise<string> {
    const layout = l2KeyLayout(env.namespace);
    let key: string | undefined;
    await waitFor(async () => {
      key = (await namespaceKeys(redis, env.namespace)).find((k) => layout.hashOf(k) !== undefined);
      return key !== undefined && (await redis.exists(key)) === 1;
    });
    return key!;
  }

  it('a new vault serves it once, Plaid refuses it, the retry reads the database; put back again, it is refused', async () => {
    const { itemId } = await writer.link.sandboxLink({ userId: USER, institutionId: 'ins_109509' });
    const ref = { userId: USER, itemId };
    // The link's own invalidation echoes back first, or it would mark the read below stale (no fill).
    await waitFor(() => writer.stats().cache.invalidations.received >= writer.stats().cache.invalidations.published, 5000, 'the echo');
    const before = await writer.withToken({ ...ref, purpose: 'test.read' }, (t) => t.reveal());
    const key = await valueKey();
    const old = (await redis.getBuffer(key))!;
    await writer.items.rotate(ref);
    const current = await writer.withToken({ ...ref, purpose: 'test.read' }, (t) => t.reveal());
    expect(current).not.toBe(before);
    await waitFor(async () => !(await redis.getBuffer(key))?.equals(old), 5000, 'the new version in L2');

    // L1 off: every call of this vault reads L2.
    const fresh = await env.vault({ cache: { l1: { max: 0 } } });
    await waitFor(() => fresh.stats().cache.bus === 'up', 5000, 'the new vault bus');
    await redis.set(key, old);
    expect((await fresh.data.accounts(ref)).length).toBeGreaterThan(0);
    const retries = async () => (await fresh.audit.list({ itemId })).filter((e) => e.purpose === 'accounts.get:retry').length;
    expect(await retries()).toBe(1);

    await redis.set(key, old);
    expect((await fresh.data.accounts(ref)).length).toBeGreaterThan(0);
    expect(await retries()).toBe(1);
    expect(fresh.stats().cache.l2.rejected).toBe(1);
  });
});
