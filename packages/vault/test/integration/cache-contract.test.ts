/**
 * One contract, on every configuration the vault can run: L1 only; L1 + L2
 * with the invalidation bus, on one Redis and on a Redis Cluster; and the
 * serverless cache (generation-checked L1, no bus) over TCP, on one Redis and
 * on the cluster, and over the KV REST API (the real `@upstash/redis` through
 * the REST fixture, in front of the single Redis). Every behaviour the vault
 * relies on is checked against each.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenCache } from '../../src/cache/tiered-token-cache.js';
import { createKvRestClient } from '../../src/cache/kv-rest-client.js';
import { createServerlessTokenCache } from '../../src/cache/serverless-cache.js';
import { DecryptFailedError } from '../../src/errors.js';
import type { TokenCache } from '../../src/cache/types.js';
import {
  busReady,
  dropNamespace,
  findPlaintext,
  manualClock,
  waitFor,
  type ManualClock,
  type TestRedis,
} from '../fixtures/cache-helpers.js';
import { redisTargets, type RedisTarget } from '../fixtures/cache-redis-targets.js';
import { createMemorySource, plaintextsSeen, type MemorySource } from '../fixtures/cache-source.js';
import { createKvRestServer, type KvRestServer } from '../fixtures/kv-rest-server.js';
import { fakeAccessToken, testNamespace } from '../helpers/services.js';

const targets = await redisTargets('cache contract (L1 + L2)');

interface Setup {
  source: MemorySource;
  clock: ManualClock;
  cache: TokenCache;
}

type MakeCache = (source: MemorySource, clock: ManualClock) => Promise<TokenCache>;

let seq = 0;
const newRef = () => ({ itemId: `item-${(seq += 1)}-${randomBytes(3).toString('hex')}`, userId: `user-${randomBytes(3).toString('hex')}` });

function cacheContract(name: string, make: () => MakeCache, skip = false): void {
  describe.skipIf(skip)(`token cache contract: ${name}`, () => {
    const caches: TokenCache[] = [];
    async function setup(): Promise<Setup> {
      const source = createMemorySource();
      const clock = manualClock();
      const cache = await make()(source, clock);
      caches.push(cache);
      return { source, clock, cache };
    }
    afterAll(async () => {
      await Promise.all(caches.map((c) => c.close()));
    });

    it('misses once, then hits L1 without touching the source', async () => {
      const { source, cache } = await setup();
      const ref = newRef();
      const token = fakeAccessToken();
      source.put(ref, token);
      expect((await cache.resolve(ref))?.reveal()).toBe(token);
      expect((await cache.resolve(ref))?.reveal()).toBe(token);
      expect(source.loads).toBe(1);
      const stats = cache.stats();
      expect(stats.l1).toMatchObject({ hits: 1, misses: 1, size: 1 });
      expect(stats.loads).toBe(1);
      expect(stats.decrypts).toBe(1);
    });

    it('answers undefined for an unknown item and caches nothing', async () => {
      const { source, cache } = await setup();
      expect(await cache.resolve(newRef())).toBeUndefined();
      expect(source.loads).toBe(1);
      expect(cache.stats().l1.size).toBe(0);
    });

    it("answers another user's item exactly like a missing one, cold and warm", async () => {
      const { source, cache } = await setup();
      const ref = newRef();
      const intruder = { itemId: ref.itemId, userId: 'someone-else' };
      source.put(ref, fakeAccessToken());
      expect(await cache.resolve(intruder)).toBeUndefined();
      expect(await cache.resolve(ref)).toBeDefined();
      expect(await cache.resolve(intruder)).toBeUndefined();
    });

    it('serves the new token after invalidate', async () => {
      const { source, cache } = await setup();
      const ref = newRef();
      source.put(ref, 'access-old');
      expect((await cache.resolve(ref))?.reveal()).toBe('access-old');
      source.put(ref, 'access-new');
      await cache.invalidate(ref.itemId);
      expect((await cache.resolve(ref))?.reveal()).toBe('access-new');
      source.remove(ref.itemId);
      await cache.invalidate(ref.itemId);
      expect(await cache.resolve(ref)).toBeUndefined();
    });

    it('expires L1 entries after the TTL (injected clock)', async () => {
      const { source, clock, cache } = await setup();
      const ref = newRef();
      source.put(ref, 'access-1');
      await cache.resolve(ref);
      clock.advance(59_000);
      await cache.resolve(ref);
      expect(cache.stats().l1.hits).toBe(1);
      clock.advance(2_000);
      await cache.resolve(ref);
      expect(cache.stats().l1.misses).toBe(2);
    });

    it('makes one source read for 1,000 concurrent misses on one item', async () => {
      const { source, cache } = await setup();
      const ref = newRef();
      const token = fakeAccessToken();
      source.put(ref, token);
      const results = await Promise.all(Array.from({ length: 1000 }, () => cache.resolve(ref)));
      expect(source.loads).toBe(1);
      expect(results.every((s) => s?.reveal() === token)).toBe(true);
    });

    it('does not cache a result loaded before a concurrent invalidation', async () => {
      const { source, cache } = await setup();
      const ref = newRef();
      source.put(ref, 'access-old');
      const release = source.hold();
      const inFlight = cache.resolve(ref);
      // Once the load has read the old row, the write and its invalidation land.
      await waitFor(() => source.loads === 1, 5000, 'the load to start');
      source.put(ref, 'access-new');
      await cache.invalidate(ref.itemId);
      // A resolve after the invalidation must not join the old flight.
      const after = cache.resolve(ref);
      release();
      expect((await inFlight)?.reveal()).toBe('access-old');
      expect((await after)?.reveal()).toBe('access-new');
      expect((await cache.resolve(ref))?.reveal()).toBe('access-new');
    });

    it('passes source errors to every waiter and caches nothing', async () => {
      const { source } = await setup();
      const ref = newRef();
      source.put(ref, 'access-x');
      let broken = true;
      const flaky: MemorySource = Object.assign(Object.create(source) as MemorySource, {
        open: (envelope: Buffer, r: typeof ref) => {
          if (broken) throw new DecryptFailedError();
          return source.open(envelope, r);
        },
      });
      const cache = await make()(flaky, manualClock());
      caches.push(cache);
      const settled = await Promise.allSettled([cache.resolve(ref), cache.resolve(ref)]);
      expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as { code: string }).code : 'fulfilled'))).toEqual([
        'ERR_CRYPTO_DECRYPT_FAILED',
        'ERR_CRYPTO_DECRYPT_FAILED',
      ]);
      expect(cache.stats().l1.size).toBe(0);
      broken = false;
      expect((await cache.resolve(ref))?.reveal()).toBe('access-x');
      expect(source.loads).toBe(2);
    });

    it('clearLocal drops every L1 entry', async () => {
      const { source, cache } = await setup();
      const refs = [newRef(), newRef()];
      for (const ref of refs) {
        source.put(ref, fakeAccessToken());
        await cache.resolve(ref);
      }
      expect(cache.stats().l1.size).toBe(2);
      cache.clearLocal();
      expect(cache.stats().l1.size).toBe(0);
    });
  });
}

cacheContract('L1 only', () => async (source, clock) => createTokenCache({ source, clock, l1: { ttlMs: 60_000 } }));

/**
 * The L2 contracts on one target (the bus, and serverless over TCP; over the KV
 * REST API too on the single Redis, which the REST fixture fronts), and
 * afterwards a scan of the namespace on every node: nothing in clear in any key
 * or value.
 */
function l2Contract(target: RedisTarget, ok: boolean): void {
  let redis: TestRedis | undefined;
  let kv: KvRestServer | undefined;
  const namespace = testNamespace('cc');
  describe.skipIf(!ok)(`L2 on ${target.name}`, () => {
    beforeAll(async () => {
      redis = await target.connect();
      if (target.kind === 'single') kv = await createKvRestServer();
    });
    afterAll(async () => {
      await kv?.close();
      if (!redis) return;
      const scan = await findPlaintext(redis, namespace, plaintextsSeen);
      await dropNamespace(redis, namespace);
      await redis.quit();
      expect(scan.scanned).toBeGreaterThan(0);
      expect(scan.found).toEqual([]);
    });

    cacheContract(`L1 + L2 (${target.name})`, () => async (source, clock) => {
      const cache = createTokenCache({
        source,
        clock,
        l1: { ttlMs: 60_000 },
        redis: { client: redis!, namespace, hmacKey: randomBytes(32) },
      });
      await busReady(cache);
      return cache;
    });

    if (target.kind === 'single') {
      cacheContract('serverless: L1 checked against the generation in a KV REST API (no bus)', () => async (source, clock) => {
        const client = await createKvRestClient({ url: kv!.url, token: kv!.token, timeoutMs: 2000, writeTimeoutMs: 2000 });
        return createServerlessTokenCache({ source, clock, l1: { ttlMs: 60_000 }, l2: { client, namespace, hmacKey: randomBytes(32) } });
      });
    }

    cacheContract(
      `serverless: L1 checked against the generation in TCP Redis (${target.name}, no bus)`,
      () => async (source, clock) =>
        createServerlessTokenCache({ source, clock, l1: { ttlMs: 60_000 }, l2: { client: redis!, namespace, hmacKey: randomBytes(32) } }),
    );
  });
}

for (const { target, ok } of targets) l2Contract(target, ok);
