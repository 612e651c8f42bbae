/**
 * The tier's last resort (DECISIONS 16): past 10,000 invalidations it could
 * not send during an outage, the replay drops every value key of the
 * namespace instead and tells every instance to clear its L1. On one Redis and
 * on a Redis Cluster, where the value keys lie on every master. The outage is
 * a wrapper that refuses the tier's commands while `down` (failure injection,
 * no mock); the purge itself runs on the real server.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../src/cache/circuit-breaker.js';
import { createTokenCache } from '../../src/cache/tiered-token-cache.js';
import { createRedisTier, l2KeyLayout, type RedisCacheClient } from '../../src/cache/redis-tier.js';
import { silentLogger } from '../../src/types/logger.js';
import { systemClock } from '../../src/types/clock.js';
import { busReady, dropNamespace, namespaceKeys, waitFor, type TestRedis } from '../fixtures/cache-helpers.js';
import { mastersHolding, redisTargets } from '../fixtures/cache-redis-targets.js';
import { createMemorySource } from '../fixtures/cache-source.js';
import { testNamespace } from '../helpers/services.js';

/** What the tier sends during an outage and its replay, refused while `state.down`. */
const REFUSED = new Set(['evalsha', 'eval', 'scan', 'unlink', 'publish', 'nodes']);

function outage<T extends object>(client: T, state: { down: boolean }): T {
  return new Proxy(client, {
    get(target, prop) {
      if (state.down && typeof prop === 'string' && REFUSED.has(prop)) {
        return () => {
          throw Object.assign(new Error('Connection is closed.'), { code: 'ECONNREFUSED' });
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

for (const { target, ok } of await redisTargets('cache namespace purge')) {
  describe.skipIf(!ok)(`namespace purge after too many lost invalidations (${target.name})`, () => {
    it('drops every value key of the namespace on every master, keeps generations and other namespaces, and clears every L1', async () => {
      const redis: TestRedis = await target.connect();
      const namespace = testNamespace('cnp');
      const other = testNamespace('cnpo');
      const layout = l2KeyLayout(namespace);
      const cache = createTokenCache({ source: createMemorySource(), redis: { client: redis, namespace, hmacKey: randomBytes(32) } });
      try {
        const hashes = Array.from({ length: 60 }, () => randomBytes(32).toString('base64url'));
        for (const hash of hashes) {
          await redis.set(layout.valueKey(hash), 'v', 'EX', 600);
          await redis.set(layout.generationKey(hash), '3', 'EX', 600);
        }
        await redis.set(l2KeyLayout(other).valueKey(hashes[0]!), 'other', 'EX', 600);
        expect(await mastersHolding(redis, hashes.map(layout.valueKey))).toBe(target.kind === 'cluster' ? 3 : 1);
        await busReady(cache);

        const state = { down: true };
        const breaker = createCircuitBreaker({ clock: systemClock, logger: silentLogger, name: 'test' });
        const tier = createRedisTier({
          client: outage(redis as unknown as RedisCacheClient, state),
          namespace,
          ttlSeconds: 600,
          commandTimeoutMs: 1000,
          breaker,
          logger: silentLogger,
          retryMs: 50,
        });
        try {
          for (let i = 0; i <= 10_000; i += 1) await tier.invalidate(randomBytes(9).toString('base64url'));
          expect(tier.pendingInvalidations).toBe(Number.POSITIVE_INFINITY);
          const clears = cache.stats().invalidations.localClears;
          state.down = false;
          await waitFor(() => tier.pendingInvalidations === 0, 20_000, 'the purge');
          await waitFor(() => cache.stats().invalidations.localClears > clears, 5000, 'the clear-all message');
        } finally {
          tier.close();
        }
        const left = await namespaceKeys(redis, namespace);
        expect(left.filter((key) => layout.hashOf(key) !== undefined)).toEqual([]);
        expect(left.filter((key) => key.includes(':g:{')).length).toBe(hashes.length);
        expect(await redis.get(l2KeyLayout(other).valueKey(hashes[0]!))).toBe('other');
      } finally {
        await cache.close();
        await dropNamespace(redis, namespace);
        await dropNamespace(redis, other);
        await redis.quit();
      }
    });
  });
}
