/**
 * `rekey` and `retire-key` sweep the Redis (L2) cache, on SQLite and
 * PostgreSQL with one Redis, and on SQLite with a Redis Cluster (every master
 * holds part of the namespace), through the real binary: after a rekey no entry under the old kid
 * is left (also those named under the old key's HMAC), a vault holding only the
 * new key reads every item; retire-key drops the retired kid's entries and
 * keeps the others; an interrupted rekey still sweeps; a Redis that is down
 * or not configured never fails either command.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { l2KeyLayout } from '../../src/cache/redis-tier.js';
import { rekeyCommand } from '../../src/cli/commands/rekey.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { createOutput } from '../../src/cli/output.js';
import { createRuntime } from '../../src/cli/runtime.js';
import type { CacheSweep } from '../../src/keys/cache-sweep.js';
import type { RekeyReport } from '../../src/keys/rekey.js';
import { silentLogger } from '../../src/types/logger.js';
import { createVault, type Vault } from '../../src/index.js';
import { dropNamespace, waitFor, type TestRedis } from '../fixtures/cache-helpers.js';
import { countKid, l2Kids } from '../fixtures/cache-l2-kids.js';
import { freePort } from '../fixtures/cache-redis-server.js';
import { REDIS_TARGETS, type RedisTarget } from '../fixtures/cache-redis-targets.js';
import { sink } from '../helpers/text-sink.js';
import { fakeAccessToken, requireService, testNamespace } from '../helpers/services.js';
import { ensureBuilt, json, runCli, transcript } from './cli-harness.js';
import { targets } from './cli-store-suite.js';

const redisOk = await requireService('redis', 'cli rekey cache sweep');
const clusterOk = await requireService('redis-cluster', 'cli rekey cache sweep (Redis Cluster)');
const pgOk = await requireService('postgres', 'cli rekey cache sweep (postgres)');

const key = () => randomBytes(32).toString('base64');
const K1 = `k1:${key()}`;
const K2 = `k2:${key()}`;
const K3 = `k3:${key()}`;
const N = 24;

type Sweep = { cacheSweep: CacheSweep };

beforeAll(() => ensureBuilt(), 180_000);

const [single, cluster] = REDIS_TARGETS as [RedisTarget, RedisTarget];
const runs = [
  ['sqlite', single.name, single],
  ['postgres', single.name, single],
  ['sqlite', cluster.name, cluster],
] as const;

describe.each(runs)('rekey and retire-key sweep L2 on %s, %s', (dialect, _name, cache) => {
  const enabled = (cache.kind === 'single' ? redisOk : clusterOk) && (dialect === 'sqlite' || pgOk);
  const namespace = testNamespace('crk');
  const records = Array.from({ length: N }, (_, i) => ({
    userId: `user-${i % 3}`,
    itemId: `item-${String(i).padStart(3, '0')}`,
    accessToken: fakeAccessToken(),
  }));
  let target: Awaited<ReturnType<(typeof targets)['sqlite']>>;
  let redis: TestRedis;
  /** An L2 value sealed under k1, kept to plant again before retire-key. */
  let oldEnvelope: Buffer;

  beforeAll(async () => {
    if (!enabled) return;
    target = await targets[dialect]();
    redis = await cache.connect();
  });
  afterAll(async () => {
    if (redis) await dropNamespace(redis, namespace);
    await redis?.quit();
    await target?.close();
  });

  const env = (keys: string, extra: Record<string, string> = {}): Record<string, string | undefined> => ({
    ...target.env,
    VAULT_KEYS: keys,
    ...cache.env,
    VAULT_NAMESPACE: namespace,
    ...extra,
  });
  async function withVault<T>(keys: string, fn: (vault: Vault) => Promise<T>): Promise<T> {
    const vault = await createVault({ database: target.database, keys, redisClient: redis, namespace, logger: silentLogger });
    try {
      // Until its bus is subscribed, a vault's first loads can be marked stale and skip the L2 fill.
      await waitFor(() => vault.stats().cache.invalidations.localClears >= 1, 5000, 'invalidation bus');
      return await fn(vault);
    } finally {
      await vault.close();
    }
  }
  /** Read `refs` through `vault` and wait until L2 holds `expected` entries. */
  async function readAll(vault: Vault, refs: typeof records, expected: number): Promise<void> {
    for (const r of refs) {
      expect(await vault.withToken({ userId: r.userId, itemId: r.itemId, purpose: 'test' }, (t) => t.reveal())).toBe(r.accessToken);
    }
    await waitFor(async () => (await l2Kids(redis, namespace)).size === expected, 5000, 'the L2 fills');
  }

  it.skipIf(!enabled)('rekey leaves no L2 entry under the old kid; a vault with the new key alone reads every item', async () => {
    // Before the switch: every item in L2 under k1, named with k1's HMAC subkey.
    await withVault(K1, async (vault) => {
      for (const r of records) await vault.items.put(r);
      const { invalidations } = vault.stats().cache;
      await waitFor(() => vault.stats().cache.invalidations.received >= invalidations.published, 5000, 'the put invalidations');
      await readAll(vault, records, N);
    });
    // After the deploy that put k2 first, before the rekey: half again, named with k2's subkey, still sealed under k1.
    await withVault(`${K2},${K1}`, (vault) => readAll(vault, records.slice(0, N / 2), N + N / 2));
    const before = await l2Kids(redis, namespace);
    expect(countKid(before, 'k1')).toBe(N + N / 2);
    oldEnvelope = (await redis.getBuffer([...before.keys()][0]!))!;

    const run = await runCli(['rekey', '--json'], { env: env(`${K2},${K1}`) });
    expect(run.code).toBe(0);
    const report = json<RekeyReport & Sweep>(run);
    expect(report).toMatchObject({ rewrapped: N, failed: [] });
    // SCAN may return a key twice (while Redis resizes its table): `scanned` is at least the count, `purged` exact.
    expect(report.cacheSweep).toMatchObject({ status: 'done', keep: ['k2'], purged: N + N / 2 });
    expect(report.cacheSweep.scanned).toBeGreaterThanOrEqual(N + N / 2);
    expect(countKid(await l2Kids(redis, namespace), 'k1')).toBe(0);

    // The new key alone: every item opens, from the database, and refills L2 under k2.
    await withVault(K2, (vault) => readAll(vault, records, N));
    const after = await l2Kids(redis, namespace);
    expect(countKid(after, 'k2')).toBe(N);
  });

  it.skipIf(!enabled)('retire-key drops the entries under the retired kid and keeps the others', async () => {
    const planted = l2KeyLayout(namespace).valueKey(randomBytes(8).toString('base64url'));
    await redis.set(planted, oldEnvelope, 'EX', 600);
    const kept = [...(await l2Kids(redis, namespace))].filter(([, kid]) => kid === 'k2').map(([k]) => k);
    expect(kept).toHaveLength(N);

    const run = await runCli(['retire-key', 'k1'], { env: env(`${K2},${K1}`) });
    expect(run.code).toBe(0);
    const line = /^cache sweep: (\d+) scanned, 1 purged \(kept: k2\)$/m.exec(run.stdout);
    expect(Number(line?.[1])).toBeGreaterThanOrEqual(N + 1);
    expect(await redis.exists(planted)).toBe(0);
    const after = await l2Kids(redis, namespace);
    expect([...after.keys()].sort()).toEqual(kept.sort());
  });

  it.skipIf(!enabled)('an interrupted rekey still sweeps: entries of rows not yet re-wrapped go too and refill', async () => {
    const stdout = sink();
    const io = { stdin: process.stdin, stdout, stderr: sink(), env: env(`${K3},${K2}`) };
    const runtime = createRuntime(io, { debug: false });
    const stop = new AbortController();
    stop.abort(); // Ctrl-C before the first page
    let code: number;
    try {
      code = await rekeyCommand.run({
        values: { json: true },
        positionals: [],
        io,
        out: createOutput(io, { json: true, debug: false }),
        runtime,
        signal: stop.signal,
      });
    } finally {
      await runtime.close();
    }
    expect(code).toBe(EXIT.failure);
    const report = JSON.parse(stdout.text) as RekeyReport & Sweep;
    expect(report).toMatchObject({ interrupted: true, rewrapped: 0 });
    expect(report.cacheSweep).toMatchObject({ status: 'done', keep: ['k3'], purged: N });
    expect((await l2Kids(redis, namespace)).size).toBe(0);
    // The rows are still under k2: they refill L2 from the database, under k2.
    await withVault(`${K3},${K2}`, (vault) => readAll(vault, records, N));
    expect(countKid(await l2Kids(redis, namespace), 'k2')).toBe(N);
  });

  it.skipIf(!enabled)('a Redis that is down does not fail rekey or retire-key: the sweep is reported as skipped', async () => {
    const port = await freePort();
    const down = env(
      `${K3},${K2}`,
      cache.kind === 'single' ? { VAULT_REDIS_URL: `redis://127.0.0.1:${port}` } : { VAULT_REDIS_CLUSTER_NODES: `127.0.0.1:${port}` },
    );
    const human = await runCli(['rekey'], { env: down });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('cache sweep skipped: Redis unreachable');
    const rekeyed = json<RekeyReport & Sweep>(await runCli(['rekey', '--json'], { env: down }));
    expect(rekeyed.cacheSweep).toEqual({ status: 'skipped', keep: ['k3'], scanned: 0, purged: 0, code: 'ERR_CACHE_UNAVAILABLE' });

    const retire = await runCli(['retire-key', 'k2', '--json'], { env: down });
    expect(retire.code).toBe(0);
    expect(json<Sweep>(retire).cacheSweep).toMatchObject({ status: 'skipped', code: 'ERR_CACHE_UNAVAILABLE' });
    // The entries the first rekey run could not sweep are still there (nothing else touched them).
    expect(countKid(await l2Kids(redis, namespace), 'k2')).toBe(N);
  });

  it.skipIf(!enabled)('without VAULT_REDIS_URL (or VAULT_REDIS_CLUSTER_NODES): no sweep line, status disabled', async () => {
    const noRedis = { ...env(`${K3},${K2}`), VAULT_REDIS_URL: undefined, VAULT_REDIS_CLUSTER_NODES: undefined };
    const human = await runCli(['retire-key', 'k2'], { env: noRedis });
    expect(human.code).toBe(0);
    expect(human.stdout).not.toContain('cache sweep');
    const run = json<Sweep>(await runCli(['retire-key', 'k2', '--json'], { env: noRedis }));
    expect(run.cacheSweep).toEqual({ status: 'disabled', keep: ['k3'], scanned: 0, purged: 0 });
  });

  it.skipIf(!enabled)('no output held a token or a key', () => {
    const all = transcript.join('\n');
    expect(all).toContain('cache sweep');
    for (const r of records) expect(all).not.toContain(r.accessToken);
    for (const k of [K1, K2, K3]) expect(all).not.toContain(k.slice(3));
  });
});
