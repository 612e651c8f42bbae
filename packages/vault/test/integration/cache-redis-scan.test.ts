/**
 * After a workload through two vault instances (puts, reads from L1 and L2,
 * replacements, deletes), nothing in Redis, neither a key nor a value nor a
 * pub/sub message, contains a token, an item id or a user id in clear.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, type Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/types/logger.js';
import { connectRedis, dropNamespace, findPlaintext } from '../fixtures/cache-helpers.js';
import {
  createTestSchema,
  fakeAccessToken,
  requireService,
  TEST_REDIS_URL,
  testKeys,
  testNamespace,
  type TestSchema,
} from '../helpers/services.js';

const pgOk = await requireService('postgres', 'cache Redis plaintext scan');
const redisOk = await requireService('redis', 'cache Redis plaintext scan');

describe.skipIf(!pgOk || !redisOk)('no plaintext in Redis', () => {
  const namespace = testNamespace('csc');
  const needles = new Set<string>();
  const messages: Buffer[] = [];
  let schema: TestSchema;
  let store: TokenStore;
  let redis: Redis;
  let listener: Redis;
  let vaults: Vault[] = [];

  beforeAll(async () => {
    schema = await createTestSchema('csc');
    store = createStore({ url: schema.url, schema: schema.schema });
    await store.migrate();
    redis = await connectRedis();
    listener = new Redis(TEST_REDIS_URL);
    listener.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => messages.push(message));
    await listener.psubscribe(`pv:${namespace}:*`);
    const keys = testKeys('k1');
    vaults = [
      await createVault({ keys, store, redisClient: redis, namespace, logger: silentLogger }),
      // L1 off: this one reads every token from Redis.
      await createVault({ keys, store, redisClient: redis, namespace, cache: { l1: { max: 0 } }, logger: silentLogger }),
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
    expect(b.stats().cache.l2.hits).toBeGreaterThan(0);
    expect(messages.length).toBeGreaterThanOrEqual(45);
    const inMessages = [...needles].filter((n) => messages.some((m) => m.includes(Buffer.from(n))));
    expect(inMessages).toEqual([]);
  });
});
