/**
 * Serverless mode: two vault instances on one PostgreSQL schema, with no
 * invalidation bus, over a KV REST API (the real `@upstash/redis` through the
 * REST fixture) and over TCP Redis with VAULT_SERVERLESS, on one Redis and on
 * a Redis Cluster (VAULT_REDIS_CLUSTER_NODES). A delete or a
 * replacement on A; B reading the item without pause all along. The stated
 * bound: no read on B that starts after A's call returned serves the old token
 * (B checks each L1 hit against the generation the invalidation bumped).
 * PV_SERVERLESS_TRIALS=20 measures the window for the docs.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, isVaultError, type Vault } from '../../src/index.js';
import { silentLogger } from '../../src/types/logger.js';
import { connectRedis, connectRedisCluster, dropNamespace } from '../fixtures/cache-helpers.js';
import { createKvRestServer, type KvRestServer } from '../fixtures/kv-rest-server.js';
import {
  createTestSchema,
  fakeAccessToken,
  requireService,
  TEST_REDIS_CLUSTER_NODES,
  TEST_REDIS_URL,
  testKeys,
  testNamespace,
  type TestSchema,
} from '../helpers/services.js';

const ok = (await requireService('postgres', 'serverless coherence')) && (await requireService('redis', 'serverless coherence'));
const clusterOk = ok && (await requireService('redis-cluster', 'serverless coherence (Redis Cluster)'));
const TRIALS = Number(process.env.PV_SERVERLESS_TRIALS ?? 3);
/** How long B keeps reading after A's call returned. */
const AFTER_MS = 300;

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;

interface Backend {
  name: string;
  options(): Record<string, unknown>;
  skip?: boolean;
}

describe.skipIf(!ok)('serverless mode: coherence without a bus', () => {
  let schema: TestSchema;
  let kv: KvRestServer;
  const namespace = testNamespace('slc');
  const keys = testKeys('k1');
  const vaults: Vault[] = [];

  beforeAll(async () => {
    schema = await createTestSchema('slc');
    kv = await createKvRestServer();
  });
  afterAll(async () => {
    await Promise.all(vaults.map((v) => v.close()));
    const redis = await connectRedis();
    await dropNamespace(redis, namespace);
    await redis.quit();
    if (clusterOk) {
      const cluster = await connectRedisCluster();
      await dropNamespace(cluster, namespace);
      await cluster.quit();
    }
    await kv?.close();
    await schema?.drop();
  });

  const backends: Backend[] = [
    { name: 'KV REST API', options: () => ({ kv: { url: kv.url, token: kv.token }, cache: { l2: { timeoutMs: 1000 } } }) },
    {
      name: 'TCP Redis, VAULT_SERVERLESS',
      options: () => ({ redis: TEST_REDIS_URL, serverless: true, cache: { l2: { timeoutMs: 1000 } } }),
    },
    {
      name: 'Redis Cluster, VAULT_SERVERLESS',
      options: () => ({ redis: { cluster: TEST_REDIS_CLUSTER_NODES }, serverless: true, cache: { l2: { timeoutMs: 1000 } } }),
      skip: !clusterOk,
    },
  ];

  async function open(backend: Backend): Promise<Vault> {
    const vault = await createVault({
      database: { url: schema.url, schema: schema.schema },
      keys,
      namespace,
      logger: silentLogger,
      ...backend.options(),
    });
    vaults.push(vault);
    return vault;
  }

  const newRef = () => ({ userId: `user-${randomBytes(3).toString('hex')}`, itemId: `item-${randomBytes(5).toString('hex')}` });
  const read = (vault: Vault, ref: { userId: string; itemId: string }) =>
    vault
      .withToken({ ...ref, purpose: 'serverless-coherence-test' }, (t) => t.reveal())
      .catch((err: unknown) => {
        if (isVaultError(err, 'ERR_ITEM_NOT_FOUND')) return undefined;
        throw err;
      });

  /**
   * B reads `ref` without pause while `change` runs on A; each read is dated
   * when it starts, relative to when `change` returned. Returns the reads that
   * still served `old`.
   */
  async function readAcross(b: Vault, ref: { userId: string; itemId: string }, old: string, change: () => Promise<unknown>) {
    const reads: { at: number; stale: boolean }[] = [];
    let running = true;
    const reader = (async () => {
      while (running) {
        const started = performance.now();
        const seen = await read(b, ref);
        reads.push({ at: started, stale: seen === old });
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const changeStarted = performance.now();
    await change();
    const returnedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
    running = false;
    await reader;
    const dated = reads.map((r) => ({ at: r.at - returnedAt, stale: r.stale }));
    return { dated, changeMs: returnedAt - changeStarted };
  }

  for (const backend of backends) {
    it.skipIf(backend.skip)(
      `${backend.name}: B never serves a deleted or replaced token in a read that starts after A's call returned`,
      async () => {
        const [a, b] = [await open(backend), await open(backend)];
        expect(b.stats().cache.bus).toBe('disabled');
        expect((await b.health()).redis).toBe('ok');
        const windows: number[] = [];
        const durations: number[] = [];
        let readsAfter = 0;
        for (let trial = 0; trial < TRIALS; trial += 1) {
          for (const kind of ['delete', 'replace'] as const) {
            const ref = newRef();
            const token = fakeAccessToken();
            await a.items.put({ ...ref, accessToken: token });
            // B holds the token in L1: the second read is a checked L1 hit, not a store read.
            const loads = b.stats().cache.loads;
            expect(await read(b, ref)).toBe(token);
            expect(await read(b, ref)).toBe(token);
            expect(b.stats().cache.loads - loads).toBeLessThanOrEqual(1);
            const replacement = fakeAccessToken();
            const { dated, changeMs } = await readAcross(b, ref, token, () =>
              kind === 'delete' ? a.items.delete(ref) : a.items.put({ ...ref, accessToken: replacement }),
            );
            durations.push(changeMs);
            const after = dated.filter((r) => r.at >= 0);
            expect(after.length).toBeGreaterThan(0);
            expect(after.filter((r) => r.stale)).toEqual([]);
            readsAfter += after.length;
            const lastStale = dated.filter((r) => r.stale).at(-1);
            windows.push(lastStale ? lastStale.at : Number.NEGATIVE_INFINITY);
            expect(await read(b, ref)).toBe(kind === 'delete' ? undefined : replacement);
          }
        }
        const sorted = windows.filter(Number.isFinite).sort((x, y) => x - y);
        console.log(
          `[serverless coherence] ${backend.name}: ${windows.length} changes, ${readsAfter} reads on B after A's call returned, none stale; ` +
            `last stale read started ${sorted.length ? `${sorted[0]!.toFixed(1)} to ${sorted.at(-1)!.toFixed(1)} ms` : 'never'} relative to the return; ` +
            `A's calls took ${median(durations).toFixed(1)} ms (median), max ${Math.max(...durations).toFixed(1)}; L2 errors ${a.stats().cache.l2.errors + b.stats().cache.l2.errors}`,
        );
      },
      60_000 + 10_000 * TRIALS,
    );
  }
});
