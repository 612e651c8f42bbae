/**
 * After a workload through two vault instances (puts, reads from L1 and L2,
 * replacements, deletes), nothing in Redis, neither a key nor a value nor a
 * pub/sub message, contains a token, an item id or a user id in clear. On one
 * Redis and on a Redis Cluster (every master scanned; the two vaults seeded
 * with different nodes).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, type Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/types/logger.js';
import { dropNamespace, findPlaintext, namespaceKeys, type TestRedis } from '../fixtures/cache-helpers.js';
import { mastersHolding, redisTargets } from '../fixtures/cache-redis-targets.js';
import { createTestSchema, fakeAccessToken, requireService, testKeys, testNamespace, type TestSchema } from '../helpers/services.js';

const pgOk = await requireService('postgres', 'cache Redis plaintext scan');

for (const { target, ok } of await redisTargets('cache Redis plaintext scan'))
  describe.skipIf(!pgOk || !ok)(`no plaintext in Redis (${target.name})`, () => {
    const namespace = testNamespace('csc');
    const needles = new Set<string>();
    const messages: Buffer[] = [];
    let schema: TestSchema;
    let store: TokenStore;
    let redis: TestRedis;
    let listener: Redis;
    let vaults: Vault[] = [];

    beforeAll(async () => {
      schema = await createTestSchema('csc');
      store = createStore({ url: schema.url, schema: schema.schema });
      await store.migrate();
      redis = await target.connect();
      listener = target.connectNode();
      listener.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => messages.push(message));
      await listener.psubscribe(`pv:${namespace}:*`);
      const keys = testKeys('k1');
      vaults = [
        // Each vault opens its own client from the configuration (on the cluster, from another seed node).
        await createVault({ keys, store, redis: target.vaultRedis(0), namespace, logger: silentLogger }),
        // L1 off: this one reads every token from Redis.
        await createVault({ keys, store, redis: target.vaultRedis(1), namespace, cache: { l1: { max: 0 } }, logger: silentLogger }),
      ];
    });
    afterAll(async () => {
      await Promise.all(vaults.map((v) => v.close()));
      await store?.close();
      await schema?.drop();
      await dropNamespace(redis, namespace);
      await listener?.quit();
      await redis?.quit();
    });

    it('the scan finds a planted plaintext (the check can fail)', async () => {
      const planted = `item-planted-${randomBytes(4).toString('hex')}`;
      const scratch = testNamespace('cscx');
      await redis.set(`pv:${scratch}:x`, `prefix ${planted} suffix`);
      const scan = await findPlaintext(redis, scratch, [planted, 'absent']);
      await dropNamespace(redis, scratch);
      expect(scan.found).toEqual([planted]);
    });

    it('keys, values and invalidation messages hold no token, item id or user id', async () => {
      const [a, b] = vaults as [Vault, Vault];
      const items = Array.from({ length: 30 }, (_, i) => ({
        userId: `user-scan-${i % 5}-${randomBytes(3).toString('hex')}`,
        itemId: `item-scan-${i}-${randomBytes(3).toString('hex')}`,
      }));
      for (const ref of items) {
        const token = fakeAccessToken();
        needles.add(token).add(ref.itemId).add(ref.userId);
        await a.items.put({ ...ref, accessToken: token });
      }
      for (const vault of [a, b, a, b]) {
        for (const ref of items) await vault.withToken({ ...ref, purpose: 'scan-test' }, (t) => t.reveal());
      }
      for (const ref of items.slice(0, 10)) {
        const token = fakeAccessToken();
        needles.add(token);
        await b.items.put({ ...ref, accessToken: token });
        await a.withToken({ ...ref, purpose: 'scan-test' }, () => 1);
      }
      for (const ref of items.slice(10, 15)) await a.items.delete(ref);
      for (const ref of items.slice(15)) await b.withToken({ ...ref, purpose: 'scan-test' }, () => 1);

      const scan = await findPlaintext(redis, namespace, needles);
      expect(scan.scanned).toBeGreaterThanOrEqual(15);
      expect(scan.found).toEqual([]);
      // On the cluster the keys scanned lie on all three masters.
      expect(
        await mastersHolding(
          redis,
          (await namespaceKeys(redis, namespace)).filter((k) => k.includes('{')),
        ),
      ).toBe(target.kind === 'cluster' ? 3 : 1);
      expect(b.stats().cache.l2.hits).toBeGreaterThan(0);
      expect(messages.length).toBeGreaterThanOrEqual(45);
      const inMessages = [...needles].filter((n) => messages.some((m) => m.includes(Buffer.from(n))));
      expect(inMessages).toEqual([]);
    });
  });
