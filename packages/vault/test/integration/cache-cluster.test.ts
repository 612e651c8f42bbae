/**
 * What only a Redis Cluster asks of the cache, on the shared 3-master cluster
 * (TEST_REDIS_CLUSTER_NODES): every script touches one slot (the server
 * refuses one that does not), and vaults
 * each seeded with another node hear every invalidation, once, whichever
 * master holds the item. The suites shared with one Redis (contract, L2,
 * rollback, kid sweep, plaintext scan, CLI rekey) run here through
 * cache-redis-targets.ts; a master that stops: cache-cluster-faults.test.ts.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILL_IF_GENERATION, INVALIDATE, runScript, toScript } from '../../src/cache/redis-scripts.js';
import { l2KeyLayout } from '../../src/cache/redis-tier.js';
import { deriveSubkey } from '../../src/crypto/keyring.js';
import { loadKeyring } from '../../src/key-sources/load-keyring.js';
import { createVault, type Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/types/logger.js';
import { connectRedisCluster, dropNamespace, waitFor } from '../fixtures/cache-helpers.js';
import { mastersHolding, REDIS_TARGETS } from '../fixtures/cache-redis-targets.js';
import { fakeAccessToken, requireService, testKeys, testNamespace } from '../helpers/services.js';

const ok = await requireService('redis-cluster', 'cache on a Redis Cluster');
const cluster = REDIS_TARGETS.find((t) => t.kind === 'cluster')!;

describe.skipIf(!ok)('the cache on a Redis Cluster', () => {
  const namespace = testNamespace('ccl');
  const layout = l2KeyLayout(namespace);
  let redis: Cluster;

  beforeAll(async () => {
    redis = await connectRedisCluster();
  });
  afterAll(async () => {
    await dropNamespace(redis, namespace);
    await redis.quit();
  });

  /** `n` hashed item names whose keys lie on every master. */
  async function hashesOnEveryMaster(n: number): Promise<string[]> {
    const hashes = Array.from({ length: n }, () => randomBytes(32).toString('base64url'));
    expect(await mastersHolding(redis, hashes.map(layout.valueKey))).toBe(3);
    return hashes;
  }

  it("an item's value and generation keys share a slot, and both scripts run on every master", async () => {
    const fill = toScript(FILL_IF_GENERATION);
    const invalidate = toScript(INVALIDATE);
    for (const hash of await hashesOnEveryMaster(30)) {
      const keys = [layout.valueKey(hash), layout.generationKey(hash)];
      expect(Number(await redis.cluster('KEYSLOT', keys[0]!))).toBe(Number(await redis.cluster('KEYSLOT', keys[1]!)));
      expect(await runScript(redis, fill, keys, [Buffer.from('v'), '', 60])).toBe(1);
      await runScript(redis, invalidate, keys, [layout.channel, hash, 60]);
      expect(await redis.exists(keys[0]!)).toBe(0);
      expect(await redis.get(keys[1]!)).toBe('1');
    }
  });

  it('a script given keys of two slots is refused (CROSSSLOT): the check above can fail', async () => {
    const [a, b] = await hashesOnEveryMaster(30);
    const crossed = [layout.valueKey(a!), layout.generationKey(b!)];
    expect(Number(await redis.cluster('KEYSLOT', crossed[0]!))).not.toBe(Number(await redis.cluster('KEYSLOT', crossed[1]!)));
    const err = await runScript(redis, toScript(FILL_IF_GENERATION), crossed, [Buffer.from('v'), '', 60]).catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/^CROSSSLOT/);
  });

  describe('three vaults, each seeded with another node', () => {
    const keys = testKeys('k1');
    const vaults: Vault[] = [];
    let store: TokenStore;

    beforeAll(async () => {
      store = createStore({ url: 'sqlite::memory:' });
      await store.migrate();
      for (let i = 0; i < 3; i += 1) {
        vaults.push(await createVault({ keys, store, redis: cluster.vaultRedis(i), namespace, logger: silentLogger, migrate: false }));
      }
      await waitFor(() => vaults.every((v) => v.stats().cache.bus === 'up'), 10_000, 'every bus up');
    });
    afterAll(async () => {
      await Promise.all(vaults.map((v) => v.close()));
      await store?.close();
    });

    /**
     * Until every vault has heard `n` more invalidations since the last `mark()`, then how many each heard.
     * On a loaded machine a heartbeat can miss and a subscriber reconnect: messages sent meanwhile are lost
     * (L1 is cleared, `localClears` counts it), so that vault may hear fewer, never more.
     */
    async function heardAll(n: number): Promise<{ heard: number; blipped: boolean }[]> {
      const state = () =>
        vaults.map((v, i) => ({
          heard: v.stats().cache.invalidations.received - marks[i]!.received,
          blipped: v.stats().cache.invalidations.localClears > marks[i]!.clears,
        }));
      await waitFor(() => state().every((s) => s.heard >= n || s.blipped), 5000, 'the invalidations');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const out = state();
      mark();
      return out;
    }
    let marks: { received: number; clears: number }[] = [];
    const mark = () => {
      marks = vaults.map((v) => ({ received: v.stats().cache.invalidations.received, clears: v.stats().cache.invalidations.localClears }));
    };

    it('a change through one reaches the other two, once per invalidation, whichever master holds the item', async () => {
      const [a, b, c] = vaults as [Vault, Vault, Vault];
      const refs = Array.from({ length: 30 }, (_, i) => ({
        userId: `user-${i % 4}`,
        itemId: `item-${i}-${randomBytes(3).toString('hex')}`,
      }));
      const hmacKey = deriveSubkey(loadKeyring({ keys, logger: silentLogger }), 'plaid-vault/cache-key/v1');
      const keyOf = (itemId: string) => layout.valueKey(createHmac('sha256', hmacKey).update(itemId).digest('base64url'));
      const itemKeys = refs.map((r) => keyOf(r.itemId));
      expect(await mastersHolding(redis, itemKeys)).toBe(3);
      mark();

      const before = new Map(refs.map((r) => [r.itemId, fakeAccessToken()]));
      const after = new Map(refs.map((r) => [r.itemId, fakeAccessToken()]));
      for (const ref of refs) await a.items.put({ ...ref, accessToken: before.get(ref.itemId)! });
      await heardAll(refs.length);
      await waitFor(() => vaults.every((v) => v.stats().cache.bus === 'up'), 5000, 'every bus up');
      // Every vault reads every item: into its L1 (and L2).
      for (const vault of vaults) {
        for (const ref of refs) expect(await vault.withToken({ ...ref, purpose: 'test' }, (t) => t.reveal())).toBe(before.get(ref.itemId));
      }
      expect(b.stats().cache.l1.size).toBe(refs.length);

      for (const ref of refs) await a.items.put({ ...ref, accessToken: after.get(ref.itemId)! });
      // Each invalidation is passed on exactly once per vault, though every master relays it (without the filter: 90).
      for (const { heard, blipped } of await heardAll(refs.length)) {
        if (blipped) expect(heard).toBeLessThanOrEqual(refs.length);
        else expect(heard).toBe(refs.length);
      }
      for (const vault of [b, c]) {
        for (const ref of refs) expect(await vault.withToken({ ...ref, purpose: 'test' }, (t) => t.reveal())).toBe(after.get(ref.itemId));
      }
      // Every master's subscriber up (a heartbeat missed on a loaded machine comes back by itself).
      await waitFor(async () => (await b.health()).redis === 'ok', 5000, 'health ok');
    });

    it('a deleted item is gone on every vault at once after the write', async () => {
      const [a, b, c] = vaults as [Vault, Vault, Vault];
      const ref = { userId: 'user-del', itemId: `item-del-${randomBytes(3).toString('hex')}` };
      await a.items.put({ ...ref, accessToken: fakeAccessToken() });
      for (const vault of vaults)
        await waitFor(async () => (await vault.withToken({ ...ref, purpose: 't' }, () => true).catch(() => false)) === true);
      mark();
      await a.items.delete(ref);
      await heardAll(1);
      for (const vault of [b, c]) {
        const err = await vault.withToken({ ...ref, purpose: 't' }, () => true).catch((e: { code?: string }) => e.code);
        expect(err).toBe('ERR_ITEM_NOT_FOUND');
      }
    });
  });
});
