/**
 * Issue 11, item 7: someone who can write to Redis (but holds no vault key)
 * puts an item's older L2 value back after the token changed. An instance that
 * knows the newer version, from its own store read or because it heard the
 * invalidation, refuses it and reads the store; a value that claims another
 * version or sits under another item's key fails its MAC; a value in the
 * older format (a bare envelope) is a miss, not an error. Real Redis (one
 * server, and a Redis Cluster), a namespace of this file's own.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TokenCache } from '../../src/cache/types.js';
import { waitFor } from '../fixtures/cache-helpers.js';
import { useL2Suite } from '../fixtures/cache-l2-suite.js';
import { redisTargets } from '../fixtures/cache-redis-targets.js';
import { createMemorySource, type MemorySource } from '../fixtures/cache-source.js';
import { fakeAccessToken } from '../helpers/services.js';

for (const { target, ok } of await redisTargets('cache L2 rollback'))
  describe.skipIf(!ok)(`an older L2 value written back into Redis (${target.name})`, () => {
    const suite = useL2Suite('crb', target);
    const { keyOf } = suite;
    const instance = (source: MemorySource, l1Max = 1000) => suite.instance(source, { l1Max });
    const newRef = () => ({ itemId: `item-${randomBytes(4).toString('hex')}`, userId: `user-${randomBytes(4).toString('hex')}` });
    /** The value L2 holds for `itemId` once a fill has landed. */
    async function l2Value(itemId: string): Promise<Buffer> {
      await waitFor(async () => (await suite.redis.exists(keyOf(itemId))) === 1, 2000, 'the L2 fill');
      return (await suite.redis.getBuffer(keyOf(itemId)))!;
    }
    /** Token version 1 in L2, then version 2 in the store with its invalidation heard by `hearers`; returns v1's L2 value. */
    async function rotate(source: MemorySource, writer: TokenCache, hearers: TokenCache[], ref: { itemId: string; userId: string }) {
      source.put(ref, 'access-v1');
      expect((await writer.resolve(ref))?.reveal()).toBe('access-v1');
      const v1 = await l2Value(ref.itemId);
      source.put(ref, 'access-v2');
      const received = hearers.map((c) => c.stats().invalidations.received);
      await writer.invalidate(ref.itemId);
      await waitFor(() => hearers.every((c, i) => c.stats().invalidations.received > received[i]!), 2000, 'the invalidation');
      return v1;
    }

    it('an instance that read the newer version from the store refuses the older value and reads the store', async () => {
      const source = createMemorySource();
      const [writer, reader] = [await instance(source), await instance(source, 0)];
      const ref = newRef();
      const v1 = await rotate(source, writer, [reader], ref);
      expect((await reader.resolve(ref))?.reveal()).toBe('access-v2');
      await l2Value(ref.itemId);
      const loads = source.loads;
      await suite.redis.set(keyOf(ref.itemId), v1); // the rollback
      expect((await reader.resolve(ref))?.reveal()).toBe('access-v2');
      expect(source.loads).toBe(loads + 1);
      expect(reader.stats().l2.rejected).toBe(1);
      // The store read refilled L2 with version 2 over the old value.
      await waitFor(async () => (await suite.entry(keyOf(ref.itemId)))?.version === 2);
    });

    it('an instance that only heard the invalidation refuses the older value', async () => {
      const source = createMemorySource();
      const [writer, reader] = [await instance(source), await instance(source)];
      const ref = newRef();
      const v1 = await rotate(source, writer, [reader], ref);
      await suite.redis.set(keyOf(ref.itemId), v1);
      expect((await reader.resolve(ref))?.reveal()).toBe('access-v2');
      expect(reader.stats().l2.rejected).toBe(1);
    });

    it('a value with a forged version, or moved under another item, fails its MAC', async () => {
      const source = createMemorySource();
      const [writer, reader] = [await instance(source), await instance(source, 0)];
      const [ref, neighbour] = [newRef(), newRef()];
      const v1 = await rotate(source, writer, [reader], ref);
      // Version 1's envelope claiming version 9 (bytes 1-4 are the version).
      const forged = Buffer.from(v1);
      forged.writeUInt32BE(9, 1);
      await suite.redis.set(keyOf(ref.itemId), forged);
      expect((await reader.resolve(ref))?.reveal()).toBe('access-v2');
      // Another item's value under this item's key: refused before any decryption is tried.
      source.put(neighbour, fakeAccessToken());
      await writer.resolve(neighbour);
      await suite.redis.set(keyOf(ref.itemId), await l2Value(neighbour.itemId));
      const decrypts = reader.stats().decrypts;
      expect((await reader.resolve(ref))?.reveal()).toBe('access-v2');
      expect(reader.stats().decrypts).toBe(decrypts + 1); // the store's envelope only
      expect(reader.stats().l2.rejected).toBe(2);
    });

    it('a value in the older format (a bare envelope) is a miss: read from the store and replaced', async () => {
      const source = createMemorySource();
      const cache = await instance(source, 0);
      const ref = newRef();
      const token = fakeAccessToken();
      source.put(ref, token);
      await suite.redis.set(keyOf(ref.itemId), source.envelopeOf(ref.itemId)!);
      expect((await cache.resolve(ref))?.reveal()).toBe(token);
      expect(source.loads).toBe(1);
      expect(cache.stats().l2).toMatchObject({ hits: 0, misses: 1, rejected: 0 });
      await waitFor(async () => (await suite.redis.getBuffer(keyOf(ref.itemId)))![0] === 0xb2, 2000, 'the replacement');
      expect((await cache.resolve(ref))?.reveal()).toBe(token);
      expect(cache.stats().l2.hits).toBe(1);
    });
  });
