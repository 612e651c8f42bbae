/**
 * The L2 tier over the KV REST API (Vercel KV / Upstash), with the real
 * `@upstash/redis` client through the REST fixture in front of the real Redis:
 * the TCP tier's guarantees (ciphertext only, HMAC keys, generation-guarded
 * fills, the MAC and version binding) and what a KV that is down, slow or
 * misconfigured may cost. Coherence between instances without a bus is in
 * serverless-coherence.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeL2Value, deriveL2MacKey } from '../../src/cache/l2-value.js';
import { waitFor } from '../fixtures/cache-helpers.js';
import { useKvCacheSuite } from '../fixtures/kv-cache-suite.js';
import { createMemorySource } from '../fixtures/cache-source.js';
import { fakeAccessToken, requireService } from '../helpers/services.js';
import { recordingLogger } from '../helpers/recording-logger.js';

const ok = await requireService('redis', 'KV REST tier');

describe.skipIf(!ok)('KV REST tier', () => {
  const suite = useKvCacheSuite('kvt');
  const { instance, valueKey, generationKey } = suite;
  const newRef = () => ({ itemId: `item-${randomBytes(4).toString('hex')}`, userId: `user-${randomBytes(4).toString('hex')}` });

  it('stores the MACed envelope and its version as base64 text under pv:<ns>:{hmac(itemId)}, and shares it with other instances', async () => {
    const source = createMemorySource();
    const [a, b] = [await instance(source), await instance(source)];
    const ref = newRef();
    const token = fakeAccessToken();
    source.put(ref, token);
    expect((await a.resolve(ref))?.reveal()).toBe(token);
    await a.flush(); // the fill is off the response path; flush waits for it
    const text = await suite.kv.redis.get(valueKey(ref.itemId));
    expect(text).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const entry = await suite.entry(ref.itemId);
    expect(entry?.version).toBe(1);
    expect(entry?.envelope.equals(source.envelopeOf(ref.itemId)!)).toBe(true);
    expect(await suite.kv.redis.ttl(valueKey(ref.itemId))).toBeGreaterThan(3500);
    expect((await b.resolve(ref))?.reveal()).toBe(token);
    expect(source.loads).toBe(1);
    expect(b.stats().l2).toMatchObject({ hits: 1, enabled: true });
    expect(b.stats().bus).toBe('disabled');
  });

  it('refuses a fill whose generation changed between its read and the store read', async () => {
    const source = createMemorySource();
    const [reader, writer] = [await instance(source), await instance(source)];
    const ref = newRef();
    source.put(ref, 'access-old');
    const release = source.hold();
    const inFlight = reader.resolve(ref);
    // The reader has read the generation and missed L2; its store read has the old row.
    await waitFor(() => source.loads === 1, 5000, 'the store read');
    source.put(ref, 'access-new');
    await writer.invalidate(ref.itemId);
    release();
    expect((await inFlight)?.reveal()).toBe('access-old');
    await reader.flush();
    expect(await suite.kv.redis.exists(valueKey(ref.itemId))).toBe(0);
    // Nor does the reader keep it in L1: the generation it holds is the old one.
    expect((await reader.resolve(ref))?.reveal()).toBe('access-new');
    expect((await (await instance(source)).resolve(ref))?.reveal()).toBe('access-new');
  });

  it('refuses a value that fails its MAC and a rolled-back older value, reads the store, and repairs L2', async () => {
    const source = createMemorySource();
    const cache = await instance(source, { l1Max: 0 });
    const ref = newRef();
    source.put(ref, 'access-v1');
    await cache.resolve(ref);
    await cache.flush();
    const v1 = (await suite.kv.redis.get(valueKey(ref.itemId)))!;
    // Tampered: one byte of the envelope flipped, MAC left as it was.
    const tampered = Buffer.from(v1, 'base64');
    tampered[tampered.length - 1]! ^= 1;
    await suite.kv.redis.set(valueKey(ref.itemId), tampered.toString('base64'));
    expect((await cache.resolve(ref))?.reveal()).toBe('access-v1');
    expect(cache.stats().l2.rejected).toBe(1);
    // Rolled back: version 2 is known here, then the authentic version-1 value is put back.
    source.put(ref, 'access-v2');
    await cache.invalidate(ref.itemId);
    expect((await cache.resolve(ref))?.reveal()).toBe('access-v2');
    await cache.flush();
    await suite.kv.redis.set(valueKey(ref.itemId), v1);
    const loads = source.loads;
    expect((await cache.resolve(ref))?.reveal()).toBe('access-v2');
    expect(cache.stats().l2.rejected).toBe(2);
    expect(source.loads).toBe(loads + 1);
    await cache.flush();
    expect((await suite.entry(ref.itemId))?.version).toBe(2);
  });

  it('reads a value stored as raw bytes (a TCP instance on the same database) as a miss, and replaces it', async () => {
    const source = createMemorySource();
    const cache = await instance(source, { l1Max: 0 });
    const ref = newRef();
    source.put(ref, 'access-raw');
    const raw = encodeL2Value(deriveL2MacKey(suite.hmacKey), valueKey(ref.itemId), 1, source.envelopeOf(ref.itemId)!)!;
    await suite.kv.redis.set(valueKey(ref.itemId), raw);
    expect((await cache.resolve(ref))?.reveal()).toBe('access-raw');
    expect(cache.stats().l2).toMatchObject({ hits: 0, misses: 1, rejected: 0 });
    await cache.flush();
    expect((await suite.entry(ref.itemId))?.version).toBe(1);
  });

  it('a held KV costs a call its read deadline at most (then the store answers); L1 is not served unchecked', async () => {
    const source = createMemorySource();
    const timeoutMs = 200;
    const cache = await instance(source, { timeoutMs });
    const [warm, cold] = [newRef(), newRef()];
    source.put(warm, 'access-warm');
    source.put(cold, 'access-cold');
    await cache.resolve(warm);
    await cache.flush();
    suite.kv.hold(); // accepts every request and never answers until released
    try {
      for (const [ref, token] of [
        [warm, 'access-warm'],
        [cold, 'access-cold'],
      ] as const) {
        const loads = source.loads;
        const requests = suite.kv.stats().requests;
        const started = performance.now();
        expect((await cache.resolve(ref))?.reveal()).toBe(token);
        // The KV never answers: finishing at all is the bound; the ceiling tells it from the 2 s write deadline.
        expect(performance.now() - started).toBeLessThan(5 * timeoutMs);
        // One request, so one deadline: after a failed check the store answers, the KV is not asked again.
        expect(suite.kv.stats().requests - requests).toBe(1);
        expect(source.loads).toBe(loads + 1);
      }
      expect(cache.stats().l2.errors).toBeGreaterThanOrEqual(2);
    } finally {
      suite.kv.release();
    }
  });

  it('opens the breaker after 5 failures: the KV gets no request until the cool-down', async () => {
    const source = createMemorySource();
    const cache = await instance(source, { l1Max: 0, breaker: { threshold: 5, cooldownMs: 60_000 } });
    const ref = newRef();
    source.put(ref, 'access-breaker');
    suite.kv.failNext(1000, 503);
    try {
      for (let i = 0; i < 5; i += 1) expect((await cache.resolve(ref))?.reveal()).toBe('access-breaker');
      expect(cache.stats().breaker).toBe('open');
      const requests = suite.kv.stats().requests;
      for (let i = 0; i < 20; i += 1) expect((await cache.resolve(ref))?.reveal()).toBe('access-breaker');
      expect(suite.kv.stats().requests).toBe(requests);
    } finally {
      suite.kv.failNext(0);
    }
  });

  it('a refused token: every call answered from the store, one error line with a code, nothing of the commands logged', async () => {
    const source = createMemorySource();
    const logger = recordingLogger();
    const cache = await instance(source, { l1Max: 0, token: 'not-the-token', logger, breaker: { threshold: 100 } });
    const ref = newRef();
    source.put(ref, 'access-401');
    for (let i = 0; i < 3; i += 1) expect((await cache.resolve(ref))?.reveal()).toBe('access-401');
    expect(suite.kv.stats().unauthorized).toBeGreaterThanOrEqual(3);
    const errors = logger.entries.filter((e) => e.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.obj).toEqual({ dependency: 'kv', code: 'kv_auth' });
    const logged = JSON.stringify(logger.entries);
    for (const secret of [suite.hash(ref.itemId), suite.namespace, 'not-the-token', 'command was']) expect(logged).not.toContain(secret);
  });

  it('a generation key that expired and was created again does not make an old L1 entry current', async () => {
    const source = createMemorySource();
    const [writer, reader] = [await instance(source), await instance(source)];
    const ref = newRef();
    source.put(ref, 'access-before');
    await writer.invalidate(ref.itemId); // as items.put does: the generation key now exists
    expect((await reader.resolve(ref))?.reveal()).toBe('access-before');
    // The generation key lives as long as L2 values (VAULT_REDIS_TTL_S): it expires, then a change creates it again.
    await suite.kv.redis.del(generationKey(ref.itemId));
    source.put(ref, 'access-after');
    await writer.invalidate(ref.itemId);
    expect((await reader.resolve(ref))?.reveal()).toBe('access-after');
  });

  it('invalidates without a subscriber: the generation is bumped, the value deleted, nobody listens on the channel', async () => {
    const source = createMemorySource();
    const cache = await instance(source);
    const ref = newRef();
    source.put(ref, 'access-gen');
    await cache.resolve(ref);
    await cache.flush();
    const before = await suite.kv.redis.get(generationKey(ref.itemId));
    await cache.invalidate(ref.itemId);
    expect(await suite.kv.redis.exists(valueKey(ref.itemId))).toBe(0);
    expect(await suite.kv.redis.get(generationKey(ref.itemId))).not.toBe(before);
    const [, listeners] = (await suite.kv.redis.pubsub('NUMSUB', `pv:${suite.namespace}:inval`)) as [string, number];
    expect(listeners).toBe(0);
  });
});
