/**
 * Stampede protection end to end: 1,000 concurrent requests for one cold item
 * make exactly one store read, through the cache over a real PostgreSQL store
 * and through vault.withToken (PostgreSQL + Redis, and SQLite L1-only).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenCache } from '../../src/cache/tiered-token-cache.js';
import { open, seal } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { createVault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/types/logger.js';
import { busReady, connectRedis, dropNamespace } from '../fixtures/cache-helpers.js';
import { countingStore } from '../fixtures/cache-counting-store.js';
import { createTestSchema, fakeAccessToken, requireService, testKeys, testNamespace, type TestSchema } from '../helpers/services.js';

const pgOk = await requireService('postgres', 'cache stampede');
const redisOk = await requireService('redis', 'cache stampede');
const N = 1000;

describe.skipIf(!pgOk || !redisOk)('stampede: 1,000 concurrent on one cold item (PostgreSQL + Redis)', () => {
  let schema: TestSchema;
  let redis: Redis;
  let store: TokenStore;
  const namespace = testNamespace('cst');
  const keys = testKeys('k1');

  beforeAll(async () => {
    schema = await createTestSchema('cst');
    redis = await connectRedis();
    store = createStore({ url: schema.url, schema: schema.schema });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await schema?.drop();
    await dropNamespace(redis, namespace);
    await redis?.quit();
  });

  it('cache over the real store: exactly 1 source.load', async () => {
    const keyring = parseKeyring(keys);
    const ref = { itemId: `item-${randomBytes(4).toString('hex')}`, userId: 'user-stampede' };
    const token = fakeAccessToken();
    const now = new Date();
    await store.insertItem(
      { ...ref, institutionId: null, institutionName: null, products: [], kid: keyring.activeKid, envelope: seal(keyring, ref, token) },
      now,
    );
    let loads = 0;
    const source = {
      async load(itemId: string) {
        loads += 1;
        const row = await store.getEnvelope(itemId);
        return row && { userId: row.userId, envelope: row.envelope, version: row.tokenVersion };
      },
      open: (envelope: Buffer, r: { itemId: string; userId: string }) => open(keyring, r, envelope),
    };
    const cache = createTokenCache({ source, redis: { client: redis, namespace, hmacKey: randomBytes(32) } });
    await busReady(cache);
    const results = await Promise.all(Array.from({ length: N }, () => cache.resolve(ref)));
    expect(loads).toBe(1);
    expect(results.filter((s) => s?.reveal() === token)).toHaveLength(N);
    await cache.close();
  });

  it('vault.withToken: exactly 1 store read', async () => {
    const counted = countingStore(store);
    const vault = await createVault({ keys, store: counted.store, redisClient: redis, namespace, logger: silentLogger });
    try {
      const ref = { itemId: `item-${randomBytes(4).toString('hex')}`, userId: 'user-vault' };
      const token = fakeAccessToken();
      await vault.items.put({ ...ref, accessToken: token });
      counted.reads.getEnvelope = 0;
      counted.reads.getItem = 0;
      const seen = await Promise.all(Array.from({ length: N }, () => vault.withToken({ ...ref, purpose: 'stampede' }, (t) => t.reveal())));
      expect(counted.reads.getEnvelope + counted.reads.getItem).toBe(1);
      expect(seen.filter((t) => t === token)).toHaveLength(N);
      expect(vault.stats().cache.loads).toBe(1);
    } finally {
      await vault.close();
    }
  });
});

describe('stampede through vault.withToken on SQLite, L1 only', () => {
  it('exactly 1 store read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pv-cst-'));
    const counted = countingStore(createStore({ url: `sqlite:${join(dir, 'vault.db')}` }));
    const vault = await createVault({ keys: testKeys('k1'), store: counted.store, redis: null, logger: silentLogger });
    try {
      const ref = { itemId: 'item-sqlite', userId: 'user-sqlite' };
      await vault.items.put({ ...ref, accessToken: fakeAccessToken() });
      counted.reads.getEnvelope = 0;
      counted.reads.getItem = 0;
      await Promise.all(Array.from({ length: N }, () => vault.withToken({ ...ref, purpose: 'stampede' }, () => 1)));
      expect(counted.reads.getEnvelope + counted.reads.getItem).toBe(1);
    } finally {
      await vault.close();
      await counted.store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
