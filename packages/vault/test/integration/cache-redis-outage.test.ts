/**
 * Redis really dies in the middle of a run of withToken calls (a redis-server
 * started by this test, SIGKILLed), then comes back on the same port: no call
 * fails, and L2 hits resume without any restart of the vault.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, type Vault } from '../../src/index.js';
import { silentLogger } from '../../src/types/logger.js';
import { waitFor } from '../fixtures/cache-helpers.js';
import { freePort, redisServer, type RedisServer } from '../fixtures/cache-redis-server.js';
import { fakeAccessToken, testKeys } from '../helpers/services.js';

const ITEMS = 20;
const WORKERS = 8;

describe('Redis killed mid-run', () => {
  let server: RedisServer;
  let vault: Vault;
  let dir: string;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    server = redisServer(await freePort());
    await server.start();
    dir = mkdtempSync(join(tmpdir(), 'pv-outage-'));
    vault = await createVault({
      database: `sqlite:${join(dir, 'vault.db')}`,
      keys: testKeys('k1'),
      redis: server.url,
      // L1 off: every call goes through Redis, so the outage is felt by every call.
      cache: { l1: { max: 0 } },
      logger: silentLogger,
    });
    for (let i = 0; i < ITEMS; i += 1) {
      const token = fakeAccessToken();
      tokens.set(`item-${i}`, token);
      await vault.items.put({ userId: 'user-outage', itemId: `item-${i}`, accessToken: token });
    }
  });
  afterAll(async () => {
    await vault?.close();
    await server?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('zero failed calls while Redis is killed; L2 hits resume after it restarts', async () => {
    const outcome = { ok: 0, failed: 0, wrong: 0 };
    let running = true;
    const worker = async (w: number) => {
      for (let n = 0; running; n += 1) {
        const itemId = `item-${(w * 7 + n) % ITEMS}`;
        try {
          const seen = await vault.withToken({ userId: 'user-outage', itemId, purpose: 'outage-test' }, (t) => t.reveal());
          if (seen === tokens.get(itemId)) outcome.ok += 1;
          else outcome.wrong += 1;
        } catch {
          outcome.failed += 1;
        }
        // SQLite answers without real I/O: without this the loop would starve timers (and waitFor).
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
    try {
      await waitFor(() => vault.stats().cache.l2.hits >= 200, 10_000, 'warm L2');
      await server.kill();
      const killedAt = outcome.ok;
      await waitFor(() => vault.stats().cache.breaker === 'open' && outcome.ok > killedAt + 500, 10_000, 'calls served with Redis down');
      const clearsBefore = vault.stats().cache.invalidations.localClears;
      await server.start();
      const hitsAtRestart = vault.stats().cache.l2.hits;
      await waitFor(() => vault.stats().cache.l2.hits > hitsAtRestart + 100, 15_000, 'L2 hits after restart');
      expect(vault.stats().cache.breaker).toBe('closed');
      await waitFor(() => vault.stats().cache.invalidations.localClears > clearsBefore, 15_000, 'the bus to resubscribe');
    } finally {
      running = false;
      await Promise.all(workers);
    }
    expect(outcome.failed).toBe(0);
    expect(outcome.wrong).toBe(0);
    expect(vault.stats().cache.l2.errors).toBeGreaterThan(0);
  });
});
