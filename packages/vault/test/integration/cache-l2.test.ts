/**
 * What only the Redis tier does: envelopes (with their version, MACed) under hashed keys, sharing
 * between instances, invalidation across instances, generation-guarded fills,
 * damaged values, and the subscriber's reconnect. On one Redis and on a Redis Cluster.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../src/cache/circuit-breaker.js';
import { createRedisTier } from '../../src/cache/redis-tier.js';
import { silentLogger } from '../../src/types/logger.js';
import { systemClock } from '../../src/types/clock.js';
import { waitFor } from '../fixtures/cache-helpers.js';
import { useL2Suite } from '../fixtures/cache-l2-suite.js';
import { namedSubscribers, redisTargets } from '../fixtures/cache-redis-targets.js';
import { createMemorySource } from '../fixtures/cache-source.js';
import { fakeAccessToken } from '../helpers/services.js';

for (const { target, ok } of await redisTargets('cache L2'))
  describe.skipIf(!ok)(`token cache L2 (${target.name})`, () => {
    const suite = useL2Suite('cl2', target);
    const { namespace, hash, instance } = suite;
    const newRef = () => ({ itemId: `item-${randomBytes(4).toString('hex')}`, userId: `user-${randomBytes(4).toString('hex')}` });

    it('stores the row envelope and its version, MACed, under pv:<ns>:{hmac(itemId)} and shares it with other instances', async () => {
      const source = createMemorySource();
      const [a, b] = [await instance(source), await instance(source)];
      const ref = newRef();
      const token = fakeAccessToken();
      source.put(ref, token);
      await a.resolve(ref);
      const key = `pv:${namespace}:{${hash(ref.itemId)}}`;
      await waitFor(async () => (await suite.redis.exists(key)) === 1, 2000, 'the L2 fill');
      const entry = await suite.entry(key);
      expect(entry?.envelope.equals(source.envelopeOf(ref.itemId)!)).toBe(true);
      expect(entry?.version).toBe(1);
      expect(await suite.redis.ttl(key)).toBeGreaterThan(3500);
      expect((await b.resolve(ref))?.reveal()).toBe(token);
      expect(source.loads).toBe(1);
      expect(b.stats().l2.hits).toBe(1);
    });

    it('an invalidation on one instance drops the entry everywhere', async () => {
      const source = createMemorySource();
      const [a, b] = [await instance(source), await instance(source)];
      const ref = newRef();
      source.put(ref, 'access-old');
      await a.resolve(ref);
      await b.resolve(ref);
      expect(b.stats().l1.size).toBe(1);
      source.put(ref, 'access-new');
      const received = b.stats().invalidations.received;
      await a.invalidate(ref.itemId);
      expect(a.stats().invalidations.published).toBe(1);
      await waitFor(() => b.stats().invalidations.received > received, 2000, 'the invalidation message');
      expect(b.stats().l1.size).toBe(0);
      expect((await b.resolve(ref))?.reveal()).toBe('access-new');
    });

    it('a fill whose generation changed since the read is refused', async () => {
      const breaker = createCircuitBreaker({ clock: systemClock, logger: silentLogger, name: 'redis' });
      const tier = createRedisTier({
        client: suite.redis,
        namespace,
        ttlSeconds: 60,
        commandTimeoutMs: 500,
        breaker,
        logger: silentLogger,
      });
      const h = hash(newRef().itemId);
      const observed = await tier.generation(h);
      await tier.invalidate(h); // a writer, between our store read and our fill
      await tier.fill(h, Buffer.from('old envelope'), observed as string);
      expect(await suite.redis.exists(tier.key(h))).toBe(0);
      await tier.fill(h, Buffer.from('new envelope'), (await tier.generation(h)) as string);
      expect(await suite.redis.getBuffer(tier.key(h))).toEqual(Buffer.from('new envelope'));
      tier.close();
    });

    it('a damaged L2 value falls through to the store and is replaced', async () => {
      const source = createMemorySource();
      const cache = await instance(source, { l1Max: 0 });
      const ref = newRef();
      const token = fakeAccessToken();
      source.put(ref, token);
      const key = `pv:${namespace}:{${hash(ref.itemId)}}`;
      await suite.redis.set(key, Buffer.from('not an envelope'));
      expect((await cache.resolve(ref))?.reveal()).toBe(token);
      expect(source.loads).toBe(1);
      await waitFor(async () => (await suite.entry(key))?.envelope.equals(source.envelopeOf(ref.itemId)!) === true, 2000, 'the repair');
    });

    it("another user's request on a warm L2 answers undefined; the owner is unaffected", async () => {
      const source = createMemorySource();
      const cache = await instance(source, { l1Max: 0 });
      const ref = newRef();
      source.put(ref, 'access-owner');
      await cache.resolve(ref);
      expect(await cache.resolve({ itemId: ref.itemId, userId: 'intruder' })).toBeUndefined();
      expect((await cache.resolve(ref))?.reveal()).toBe('access-owner');
    });

    it('with L1 disabled every resolve is an L2 hit after the first load', async () => {
      const source = createMemorySource();
      const cache = await instance(source, { l1Max: 0 });
      const ref = newRef();
      source.put(ref, 'access-l2');
      await cache.resolve(ref);
      await waitFor(async () => (await suite.redis.exists(`pv:${namespace}:{${hash(ref.itemId)}}`)) === 1, 2000, 'the L2 fill');
      for (let i = 0; i < 10; i += 1) expect((await cache.resolve(ref))?.reveal()).toBe('access-l2');
      expect(source.loads).toBe(1);
      expect(cache.stats().l2.hits).toBe(10);
      expect(cache.stats().l1.size).toBe(0);
    });

    it('clears L1 when its subscriber connection comes back (messages may have been missed)', async () => {
      const name = `pvtest${randomBytes(4).toString('hex')}`;
      const client = await target.connectNamed(name);
      try {
        const source = createMemorySource();
        const cache = await instance(source, { client });
        const ref = newRef();
        source.put(ref, 'access-1');
        await cache.resolve(ref);
        expect(cache.stats().l1.size).toBe(1);
        const clears = cache.stats().invalidations.localClears;
        // One subscriber per node (every master of a cluster), found by the name the cache's connections inherit.
        const nodes = await namedSubscribers(suite.redis, name);
        expect(nodes.map((n) => n.ids.length)).toEqual(nodes.map(() => 1));
        // Kill one: on a cluster, a single master's subscriber is enough to take the bus down.
        const [first] = nodes;
        await first!.node.client('KILL', 'ID', first!.ids[0]!);
        await waitFor(() => cache.stats().invalidations.localClears > clears, 5000, 'the resubscribe');
        expect(cache.stats().l1.size).toBe(0);
        await waitFor(() => cache.stats().bus === 'up', 5000, 'the bus back up');
      } finally {
        await client.quit();
      }
    });
  });
