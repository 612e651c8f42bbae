/**
 * What `@upstash/redis` does when the KV is slow, silent, failing or gone, with
 * the fixture's fault controls: how a per-request deadline is set (and the way
 * that silently does the wrong thing), what is retried and how often.
 * A KV tier must never make a caller wait longer than its stated timeout.
 */
import type { RedisConfigNodejs } from '@upstash/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../fixtures/cache-helpers.js';
import { kvClient } from '../fixtures/kv-rest-client.js';
import { createKvRestServer, type KvRestServer } from '../fixtures/kv-rest-server.js';
import { freePort, redisServer } from '../fixtures/cache-redis-server.js';
import { requireService, testNamespace } from '../helpers/services.js';

const redisOk = await requireService('redis', 'KV REST fixture faults');

/** The rejection of `op`, or undefined if it resolved. */
async function failure(op: Promise<unknown>): Promise<Error | undefined> {
  return op.then(
    () => undefined,
    (error: unknown) => error as Error,
  );
}

describe.skipIf(!redisOk)('KV REST fixture faults with @upstash/redis', () => {
  const key = `pv:${testNamespace('kvx')}:{k}`;
  let kv: KvRestServer;

  beforeAll(async () => {
    kv = await createKvRestServer();
  });
  beforeEach(() => {
    kv.release();
    kv.delay(0);
    kv.resetStats();
  });
  afterAll(async () => {
    await kv?.redis.del(key);
    await kv?.close();
  });

  it('ends a held request at the deadline of `signal: () => AbortSignal.timeout(ms)` with a TimeoutError; the command never runs', async () => {
    const client = kvClient(kv, { signal: () => AbortSignal.timeout(100) });
    kv.hold();
    const error = await failure(client.set(key, 'late'));
    expect(error?.name).toBe('TimeoutError');
    await waitFor(() => kv.stats().abandoned === 1, 5000, 'the fixture to see the client leave');
    kv.release();
    expect(kv.stats()).toMatchObject({ requests: 1, commands: 0, held: 0 });
    expect(await kv.redis.exists(key)).toBe(0);
    // The function gives every request a fresh deadline: the client is usable again.
    expect(await client.set(key, 'v')).toBe('OK');
  });

  it('turns a slow answer (delay) into the same TimeoutError', async () => {
    const client = kvClient(kv, { signal: () => AbortSignal.timeout(100) });
    kv.delay(400);
    expect((await failure(client.get(key)))?.name).toBe('TimeoutError');
    await waitFor(() => kv.stats().abandoned === 1, 5000, 'the delayed request to be dropped');
    expect(kv.stats().commands).toBe(0);
  });

  it('with a plain AbortSignal instead of a function, an aborted call resolves null (a fake miss) and later calls never leave', async () => {
    const client = kvClient(kv, { signal: AbortSignal.timeout(100) });
    kv.hold();
    expect(await client.get(key)).toBeNull();
    kv.release();
    // The signal stays aborted: every later call "succeeds" without a request.
    expect(await client.set(key, 'lost')).toBeNull();
    expect(kv.stats().requests).toBe(1);
  });

  it('retries network errors: 5 times by default, twice with `retry: false`, never with `retry: { retries: 0 }`', async () => {
    const attempts = async (retry: RedisConfigNodejs['retry']): Promise<number> => {
      kv.resetStats();
      kv.dropNext(10);
      const error = await failure(kvClient(kv, { retry }).get(key));
      expect(error).toBeInstanceOf(TypeError);
      kv.dropNext(0);
      return kv.stats().requests;
    };
    expect(await attempts({ backoff: () => 0 })).toBe(6);
    expect(await attempts(false)).toBe(2);
    expect(await attempts({ retries: 0 })).toBe(1);
  });

  it('does not retry an HTTP error status, whatever the retry setting', async () => {
    kv.failNext(1, 503);
    const error = await failure(kvClient(kv, { retry: { backoff: () => 0 } }).get(key));
    expect(error?.name).toBe('UpstashError');
    expect(error?.message).toMatch(/^ERR fixture: injected failure/);
    expect(kv.stats()).toMatchObject({ requests: 1, commands: 0 });
  });

  it('stops the default retry loop (back-off 50 ms, 136 ms, ...) at the function deadline', async () => {
    const closed = await createKvRestServer();
    const client = kvClient(closed, { retry: undefined, signal: () => AbortSignal.timeout(100) });
    await closed.close();
    // Without the deadline this would be a TypeError after six attempts and ~4.3 s of back-off.
    expect((await failure(client.get(key)))?.name).toBe('TimeoutError');
  });

  describe('in front of a private redis-server', () => {
    it('answers 500 when its Redis is down (not retried), and a closed fixture refuses connections', async () => {
      const redis = redisServer(await freePort());
      await redis.start();
      const own = await createKvRestServer({ redisUrl: redis.url });
      let killed = false;
      try {
        const client = kvClient(own, { retry: { backoff: () => 0 } });
        expect(await client.set(key, 'v')).toBe('OK');
        await redis.kill();
        killed = true;
        const down = await failure(client.get(key));
        expect(down?.message).toMatch(/^ERR fixture: redis unavailable/);
        expect(own.stats().requests).toBe(2);
        own.hold();
        const cut = failure(kvClient(own).get(key));
        await waitFor(() => own.stats().held === 1, 5000, 'the request to be held');
        await own.close();
        expect(await cut).toBeInstanceOf(TypeError);
        expect(await failure(kvClient(own).get(key))).toBeInstanceOf(TypeError);
      } finally {
        await own.close();
        // kill() waits for an exit that already happened if called twice.
        if (!killed) await redis.kill();
      }
    });
  });
});
