/**
 * `vault.flush()`: what waits for a timer is written now, for a function that
 * may be frozen as soon as it has answered. Audit events land in PostgreSQL
 * (read here through a second store, which flushes nothing), and a cache
 * invalidation that failed is sent by the flush rather than by the replay
 * timer (the KV REST fixture refuses requests until the test lets them
 * through, while the replay timer has backed off).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, type Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/types/logger.js';
import { connectRedis, dropNamespace, waitFor } from '../fixtures/cache-helpers.js';
import { createKvRestServer, type KvRestServer } from '../fixtures/kv-rest-server.js';
import { createTestSchema, fakeAccessToken, requireService, testKeys, testNamespace, type TestSchema } from '../helpers/services.js';

const ok = (await requireService('postgres', 'vault.flush')) && (await requireService('redis', 'vault.flush'));

describe.skipIf(!ok)('vault.flush()', () => {
  let schema: TestSchema;
  let kv: KvRestServer;
  let reader: TokenStore;
  const namespace = testNamespace('vfl');
  const keys = testKeys('k1');
  const vaults: Vault[] = [];

  beforeAll(async () => {
    schema = await createTestSchema('vfl');
    kv = await createKvRestServer();
    reader = createStore({ url: schema.url, schema: schema.schema });
  });
  afterAll(async () => {
    kv?.failNext(0);
    await Promise.all(vaults.map((v) => v.close()));
    await reader?.close();
    const redis = await connectRedis();
    await dropNamespace(redis, namespace);
    await redis.quit();
    await kv?.close();
    await schema?.drop();
  });

  async function open(): Promise<Vault> {
    const vault = await createVault({
      database: { url: schema.url, schema: schema.schema },
      keys,
      namespace,
      kv: { url: kv.url, token: kv.token },
      cache: { l2: { timeoutMs: 1000 } },
      logger: silentLogger,
    });
    vaults.push(vault);
    return vault;
  }
  const newRef = () => ({ userId: `user-${randomBytes(3).toString('hex')}`, itemId: `item-${randomBytes(5).toString('hex')}` });

  it('writes the audit events of token uses before it resolves', async () => {
    const vault = await open();
    const ref = newRef();
    await vault.items.put({ ...ref, accessToken: fakeAccessToken() });
    const requestId = `req-${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 3; i += 1) await vault.withToken({ ...ref, purpose: 'flush-test', requestId }, () => undefined);
    await vault.flush();
    const events = await reader.listAudit({ itemId: ref.itemId, limit: 100 });
    expect(events.filter((e) => e.action === 'token.decrypt' && e.requestId === requestId)).toHaveLength(3);
    expect(vault.stats().audit.pending).toBe(0);
  });

  it('sends an invalidation that failed at once, without waiting for the replay timer', async () => {
    const [a, b] = [await open(), await open()];
    const ref = newRef();
    const token = fakeAccessToken();
    await a.items.put({ ...ref, accessToken: token });
    await b.withToken({ ...ref, purpose: 'flush-test' }, () => undefined);
    kv.resetStats();
    kv.failNext(1000, 503);
    await a.items.delete(ref);
    // The delete's own attempt and four replays (50, 100, 200, 400 ms) refused: the next replay is 800 ms away.
    const failedScripts = () => kv.log.filter((r) => r.commands.includes('evalsha') && r.status === 503).length;
    await waitFor(() => failedScripts() >= 5, 5000, 'the replays to back off');
    kv.failNext(0);
    const before = kv.log.length;
    await a.flush();
    expect(kv.log.slice(before).some((r) => r.commands.includes('evalsha') && r.status === 200)).toBe(true);
    // B checks its L1 entry against the generation the flushed invalidation bumped.
    const seen = await b.withToken({ ...ref, purpose: 'flush-test' }, (t) => t.reveal()).catch((err: { code?: string }) => err.code);
    expect(seen).toBe('ERR_ITEM_NOT_FOUND');
  });
});
