/**
 * Redis failing, hanging and recovering, with an in-memory fake client and an
 * injected clock: requests never fail, the breaker opens, skips Redis, probes
 * once, closes, and logs each transition once.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../src/cache/circuit-breaker.js';
import { createTokenCache } from '../../src/cache/tiered-token-cache.js';
import { createRedisTier } from '../../src/cache/redis-tier.js';
import type { Logger } from '../../src/types/logger.js';
import { FakeRedis } from '../fixtures/cache-fake-redis.js';
import { manualClock, waitFor } from '../fixtures/cache-helpers.js';
import { createMemorySource } from '../fixtures/cache-source.js';

function recordingLogger(): Logger & { lines: { level: string; msg: string | undefined }[] } {
  const lines: { level: string; msg: string | undefined }[] = [];
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('circuit breaker', () => {
  it('opens after 5 consecutive failures, probes once after the cool-down, and closes on success', () => {
    const clock = manualClock();
    const logger = recordingLogger();
    const breaker = createCircuitBreaker({ clock, logger, name: 'redis', threshold: 5, cooldownMs: 1500 });
    for (let i = 0; i < 4; i += 1) breaker.failure();
    breaker.success(); // a success resets the count: failures must be consecutive
    for (let i = 0; i < 4; i += 1) breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    clock.advance(1499);
    expect(breaker.allow()).toBe(false);
    clock.advance(1);
    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe('half_open');
    expect(breaker.allow()).toBe(false); // one probe at a time
    breaker.failure();
    expect(breaker.state).toBe('open');
    clock.advance(1500);
    expect(breaker.allow()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(logger.lines.filter((l) => l.level === 'info')).toHaveLength(1);
  });
});

describe('token cache with a failing Redis', () => {
  function setup(mode: 'failing' | 'hanging') {
    const clock = manualClock();
    const logger = recordingLogger();
    const redis = new FakeRedis();
    const source = createMemorySource();
    const cache = createTokenCache({
      source,
      clock,
      logger,
      l1: { max: 0 }, // every resolve goes to L2, so each one exercises the failure path
      redis: { client: redis, namespace: 'unit', hmacKey: randomBytes(32), commandTimeoutMs: 20 },
    });
    const ref = { itemId: 'item-1', userId: 'user-1' };
    source.put(ref, 'access-sandbox-1');
    redis.mode = mode;
    return { clock, logger, redis, source, cache, ref };
  }

  for (const mode of ['failing', 'hanging'] as const) {
    it(`never fails a request while Redis is ${mode}, and stops calling it once the breaker opens`, async () => {
      const { redis, cache, ref, logger } = setup(mode);
      for (let i = 0; i < 20; i += 1) expect((await cache.resolve(ref))?.reveal()).toBe('access-sandbox-1');
      const stats = cache.stats();
      expect(stats.breaker).toBe('open');
      expect(stats.l2.errors).toBe(5);
      expect(redis.calls).toBe(5);
      expect(stats.loads).toBe(20);
      expect(logger.lines.filter((l) => l.level === 'warn' && l.msg?.includes('circuit open'))).toHaveLength(1);
      await cache.close();
    });
  }

  it('recovers by itself: one probe after the cool-down, then L2 hits resume', async () => {
    const { redis, cache, ref, clock, logger } = setup('failing');
    for (let i = 0; i < 6; i += 1) await cache.resolve(ref);
    expect(cache.stats().breaker).toBe('open');
    redis.mode = 'up';
    await cache.resolve(ref);
    expect(redis.calls).toBe(5); // still open: not even tried
    clock.advance(1500);
    await cache.resolve(ref); // the probe: L2 miss, store load, fill
    expect(cache.stats().breaker).toBe('closed');
    await waitFor(() => redis.data.size > 0, 1000, 'the L2 fill');
    const hits = cache.stats().l2.hits;
    await cache.resolve(ref);
    expect(cache.stats().l2.hits).toBe(hits + 1);
    expect(logger.lines.filter((l) => l.level === 'info' && l.msg?.includes('circuit closed'))).toHaveLength(1);
    await cache.close();
  });

  it('an invalidation that cannot reach Redis still drops L1 and is replayed when Redis returns', async () => {
    const clock = manualClock();
    const redis = new FakeRedis();
    const breaker = createCircuitBreaker({ clock, logger: recordingLogger(), name: 'redis', threshold: 1, cooldownMs: 100 });
    const tier = createRedisTier({
      client: redis,
      namespace: 'unit',
      ttlSeconds: 60,
      commandTimeoutMs: 20,
      breaker,
      logger: recordingLogger(),
      retryMs: 5,
    });
    redis.data.set(tier.key('h1'), Buffer.from('old envelope'));
    redis.mode = 'failing';
    expect(await tier.invalidate('h1')).toBe(false);
    expect(tier.pendingInvalidations).toBe(1);
    redis.mode = 'up';
    clock.advance(100);
    await waitFor(() => tier.pendingInvalidations === 0, 2000, 'the replay');
    expect(redis.data.has(tier.key('h1'))).toBe(false);
    expect(redis.published).toEqual([{ channel: 'pv:unit:inval', message: 'h1' }]);
    tier.close();
  });

  it('drops the local L1 entry on invalidate even when Redis is down', async () => {
    const clock = manualClock();
    const redis = new FakeRedis();
    const source = createMemorySource();
    const cache = createTokenCache({
      source,
      clock,
      redis: { client: redis, namespace: 'unit', hmacKey: randomBytes(32), commandTimeoutMs: 20 },
    });
    const ref = { itemId: 'item-2', userId: 'user-2' };
    source.put(ref, 'access-old');
    await cache.resolve(ref);
    redis.mode = 'failing';
    source.put(ref, 'access-new');
    await cache.invalidate(ref.itemId);
    expect((await cache.resolve(ref))?.reveal()).toBe('access-new');
    await cache.close();
  });
});
