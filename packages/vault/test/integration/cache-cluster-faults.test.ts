/**
 * A Redis Cluster losing a master, on a private 3-master cluster of this
 * file's own (redis-cluster-server.ts; cluster-node-timeout 2 s): every call
 * still answers with the right token (the store steps in), L1 is bypassed on
 * every instance while any master is down or silent, a token changed during
 * the outage is the one served after it, the kid sweep and `doctor` report
 * the outage without failing, and a password-protected cluster works with the
 * password and is merely bypassed without it; slots moved to a new master
 * while reads go on are followed by the bus and the sweep.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBatchRedisCluster } from '../../src/cache/redis-cluster-client.js';
import { parseClusterNodes } from '../../src/config/redis-cluster-config.js';
import { l2KeyLayout } from '../../src/cache/redis-tier.js';
import { deriveSubkey } from '../../src/crypto/keyring.js';
import { loadKeyring } from '../../src/key-sources/load-keyring.js';
import { createVault, type Vault } from '../../src/index.js';
import { sweepCacheKids } from '../../src/keys/cache-sweep.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/types/logger.js';
import { namespaceKeys, waitFor } from '../fixtures/cache-helpers.js';
import { startRedisCluster, type RedisClusterServer, type RedisClusterServerOptions } from '../fixtures/redis-cluster-server.js';
import { fakeAccessToken, requireService, testKeys } from '../helpers/services.js';
import { ensureBuilt, json, runCli } from './cli-harness.js';

const ok = await requireService('redis-cluster', 'cache on a Redis Cluster, faults (private cluster)');

interface Ref {
  itemId: string;
  userId: string;
}

const namespace = 'faults';
const keys = testKeys('k1');

/** Which node of `cluster` holds each item's L2 entry. */
async function placement(cluster: RedisClusterServer, refs: Ref[]): Promise<number[]> {
  const hmacKey = deriveSubkey(loadKeyring({ keys, logger: silentLogger }), 'plaid-vault/cache-key/v1');
  const layout = l2KeyLayout(namespace);
  const out: number[] = [];
  for (const ref of refs)
    out.push(await cluster.ownerOf(layout.valueKey(createHmac('sha256', hmacKey).update(ref.itemId).digest('base64url'))));
  return out;
}

/** A private cluster and a store for one describe; the vaults opened on them are closed afterwards. */
function usePrivateCluster(opts: RedisClusterServerOptions) {
  let cluster: RedisClusterServer | undefined;
  let store: TokenStore | undefined;
  const vaults: Vault[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster(opts);
    store = createStore({ url: 'sqlite::memory:' });
    await store.migrate();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(vaults.map((v) => v.close()));
    await store?.close();
    await cluster?.stop();
  });
  return {
    get cluster(): RedisClusterServer {
      return cluster!;
    },
    vaults,
    /** A vault with its own cluster client, from the configuration (`nodes`: VAULT_REDIS_CLUSTER_NODES, default the cluster's). */
    async vault(o: { nodes?: string; l1Max?: number } = {}): Promise<Vault> {
      const vault = await createVault({
        keys,
        store: store!,
        redis: { cluster: o.nodes ?? cluster!.nodes },
        namespace,
        ...(o.l1Max !== undefined && { cache: { l1: { max: o.l1Max } } }),
        logger: silentLogger,
        migrate: false,
      });
      vaults.push(vault);
      return vault;
    },
  };
}

describe.skipIf(!ok)('a Redis Cluster losing a master', () => {
  const env = usePrivateCluster({ nodeTimeoutMs: 2000 });
  let cluster: RedisClusterServer;
  let a: Vault;
  let b: Vault;
  const tokens = new Map<string, string>();
  const refs: Ref[] = Array.from({ length: 24 }, (_, i) => ({
    userId: `user-${i % 3}`,
    itemId: `item-${i}-${randomBytes(3).toString('hex')}`,
  }));
  let owners: number[];

  /** Every item through both vaults: the token each one answers must be the current one. */
  async function readAll(): Promise<void> {
    for (const vault of [a, b]) {
      for (const ref of refs) expect(await vault.withToken({ ...ref, purpose: 'test' }, (t) => t.reveal())).toBe(tokens.get(ref.itemId));
    }
  }

  beforeAll(async () => {
    ensureBuilt();
    cluster = env.cluster;
    [a, b] = [await env.vault(), await env.vault()];
    await waitFor(() => [a, b].every((v) => v.stats().cache.bus === 'up'), 10_000, 'both buses up');
    for (const ref of refs) {
      tokens.set(ref.itemId, fakeAccessToken());
      await a.items.put({ ...ref, accessToken: tokens.get(ref.itemId)! });
    }
    // (A heartbeat missed on a loaded machine loses messages but clears L1: localClears then counts it.)
    const heard = (v: Vault) => v.stats().cache.invalidations.received >= refs.length || v.stats().cache.invalidations.localClears > 1;
    await waitFor(() => [a, b].every(heard), 5000, 'the put invalidations');
    owners = await placement(cluster, refs);
  }, 120_000);

  it('a master killed: every call answers the right token, L1 is off until it is back, and a change made meanwhile is served after', async () => {
    expect(new Set(owners)).toEqual(new Set([0, 1, 2]));
    await readAll();
    await readAll();
    expect(b.stats().cache.l1.size).toBe(refs.length);

    await cluster.kill(1);
    await waitFor(() => [a, b].every((v) => v.stats().cache.bus === 'down'), 5000, 'both buses down');
    expect([a, b].map((v) => v.stats().cache.l1.size)).toEqual([0, 0]);
    expect((await a.health()).redis).toBe('down');

    // A token replaced while its master is down: its invalidation waits in the writer's queue.
    const moved = refs[owners.indexOf(1)]!;
    tokens.set(moved.itemId, fakeAccessToken());
    await b.items.put({ ...moved, accessToken: tokens.get(moved.itemId)! });
    await readAll();
    // The others notice the master is gone (2 s), then every node answers CLUSTERDOWN: the breaker opens and reads go to the store.
    await waitFor(
      async () => {
        await readAll();
        return [a, b].every((v) => v.stats().cache.breaker === 'open');
      },
      20_000,
      'the breakers open',
    );
    const loads = a.stats().cache.loads;
    await readAll();
    expect(a.stats().cache.loads - loads).toBe(refs.length);

    await cluster.restart(1);
    await cluster.healthy();
    await waitFor(() => [a, b].every((v) => v.stats().cache.bus === 'up'), 10_000, 'both buses up again');
    await waitFor(
      async () => {
        await readAll();
        return [a, b].every((v) => v.stats().cache.breaker === 'closed');
      },
      20_000,
      'the breakers closed',
    );
    await readAll();
    // L1 is in use again.
    const hits = a.stats().cache.l1.hits;
    await readAll();
    expect(a.stats().cache.l1.hits - hits).toBe(refs.length);
    expect((await a.health()).redis).toBe('ok');
  });

  it('a master paused (SIGSTOP, every connection open and silent): the heartbeat takes the buses down, calls still answer', async () => {
    await readAll();
    cluster.pause(2);
    try {
      await waitFor(() => [a, b].every((v) => v.stats().cache.bus === 'down'), 5000, 'both buses down');
      expect([a, b].map((v) => v.stats().cache.l1.size)).toEqual([0, 0]);
      await readAll();
    } finally {
      cluster.resume(2);
    }
    await cluster.healthy();
    await waitFor(() => [a, b].every((v) => v.stats().cache.bus === 'up'), 10_000, 'both buses up again');
    await readAll();
  });

  it('with a master down, the kid sweep reports the cache unavailable and doctor warns; neither fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pv-cluster-doctor-'));
    const env = { VAULT_DATABASE_URL: `sqlite:${join(dir, 'vault.db')}`, VAULT_KEYS: keys, VAULT_REDIS_CLUSTER_NODES: cluster.nodes };
    const redisCheck = async () =>
      json<{ checks: { id: string; status: string }[] }>(await runCli(['doctor', '--json'], { env })).checks.find((c) => c.id === 'redis');
    try {
      expect(await redisCheck()).toMatchObject({ status: 'pass' });
      const spec = (parseClusterNodes(cluster.nodes) as { spec: Parameters<typeof connectBatchRedisCluster>[0] }).spec;
      const deps = { redis: () => connectBatchRedisCluster(spec, { timeoutMs: 1000 }), namespace, ttlSeconds: 60 };
      expect(await sweepCacheKids(deps, ['k1'])).toMatchObject({ status: 'done', purged: 0 });

      await cluster.kill(0);
      const sweep = await sweepCacheKids(deps, ['k1']);
      expect(['skipped', 'incomplete']).toContain(sweep.status);
      expect(sweep.code).toBe('ERR_CACHE_UNAVAILABLE');
      expect(await redisCheck()).toMatchObject({ status: 'warn' });
    } finally {
      await cluster.restart(0);
      await cluster.healthy();
      await rm(dir, { recursive: true, force: true });
    }
    await waitFor(() => [a, b].every((v) => v.stats().cache.bus === 'up'), 10_000, 'both buses up again');
    await readAll();
  });
});

describe.skipIf(!ok)('a password-protected Redis Cluster', () => {
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const env = usePrivateCluster({ password });

  it('with the password (redis://:pw@host:port entries) L2 and the bus work; with a wrong one, calls still answer from the store', async () => {
    const { cluster } = env;
    expect(cluster.nodes).toContain(`:${password}@`);
    const good = await env.vault({ l1Max: 0 });
    await waitFor(() => good.stats().cache.bus === 'up', 10_000, 'the bus up (the subscribers authenticated)');
    const ref = { userId: 'user-pw', itemId: `item-pw-${randomBytes(3).toString('hex')}` };
    const token = fakeAccessToken();
    await good.items.put({ ...ref, accessToken: token });
    for (let i = 0; i < 3; i += 1) expect(await good.withToken({ ...ref, purpose: 't' }, (t) => t.reveal())).toBe(token);
    await waitFor(
      async () => {
        await good.withToken({ ...ref, purpose: 't' }, () => 1);
        return good.stats().cache.l2.hits > 0;
      },
      5000,
      'an L2 hit',
    );

    const wrong = await env.vault({ nodes: cluster.nodes.replaceAll(password, 'not-the-password'), l1Max: 0 });
    for (let i = 0; i < 3; i += 1) expect(await wrong.withToken({ ...ref, purpose: 't' }, (t) => t.reveal())).toBe(token);
    expect(wrong.stats().cache).toMatchObject({ bus: 'down', l2: { hits: 0 } });
    expect((await wrong.health()).redis).toBe('down');
  });
});

describe.skipIf(!ok)('slots moved to a new master (resharding) under load', () => {
  const env = usePrivateCluster({ nodeTimeoutMs: 5000 });

  it('reads answer throughout; the new master gets a subscriber, its items are invalidated everywhere, and the sweep visits it', async () => {
    const { cluster, vaults } = env;
    const [a, b] = [await env.vault(), await env.vault()];
    await waitFor(() => vaults.every((v) => v.stats().cache.bus === 'up'), 10_000, 'both buses up');
    const refs: Ref[] = Array.from({ length: 40 }, (_, i) => ({
      userId: `user-${i % 3}`,
      itemId: `item-rs-${i}-${randomBytes(3).toString('hex')}`,
    }));
    const tokens = new Map(refs.map((r) => [r.itemId, fakeAccessToken()]));
    for (const ref of refs) await a.items.put({ ...ref, accessToken: tokens.get(ref.itemId)! });
    const readAll = async (vault: Vault) => {
      for (const ref of refs) expect(await vault.withToken({ ...ref, purpose: 'test' }, (t) => t.reveal())).toBe(tokens.get(ref.itemId));
    };
    await readAll(a);
    await readAll(b);

    // Reads go on while 4,000 slots (and the L2 entries in them) move to a fourth master.
    let reading = true;
    let rounds = 0;
    const reader = (async () => {
      while (reading) {
        await readAll(b);
        rounds += 1;
        // L1 hits settle in microtasks alone: let the reshard's child process be heard.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    let added: number;
    try {
      added = await cluster.addMaster(4000);
    } finally {
      reading = false;
      await reader;
    }
    expect(rounds).toBeGreaterThan(0);
    expect((await placement(cluster, refs)).filter((owner) => owner === added).length).toBeGreaterThan(0);

    // Both vaults subscribe on the new master once their slot table has it (read again every 5 s).
    await waitFor(
      async () => {
        const node = new Redis({ host: '127.0.0.1', port: cluster.ports[added]! });
        try {
          return ((await node.client('LIST')) as string).split('\n').filter((l) => / sub=1 /.test(l)).length >= 2;
        } finally {
          node.disconnect();
        }
      },
      15_000,
      'subscribers on the new master',
    );
    await waitFor(() => vaults.every((v) => v.stats().cache.bus === 'up'), 10_000, 'both buses up');

    // Every token replaced through a: b serves the new ones, those in the moved slots too.
    await readAll(b);
    for (const ref of refs) {
      tokens.set(ref.itemId, fakeAccessToken());
      await a.items.put({ ...ref, accessToken: tokens.get(ref.itemId)! });
    }
    await waitFor(
      async () => {
        for (const ref of refs)
          if ((await b.withToken({ ...ref, purpose: 'test' }, (t) => t.reveal())) !== tokens.get(ref.itemId)) return false;
        return true;
      },
      5000,
      'the new tokens on b',
    );
    await readAll(a);
    await readAll(b);

    // The kid sweep covers the four masters: nothing under k1 is kept when only k9 is.
    const spec = (parseClusterNodes(cluster.nodes) as { spec: Parameters<typeof connectBatchRedisCluster>[0] }).spec;
    const sweep = await sweepCacheKids({ redis: () => connectBatchRedisCluster(spec), namespace, ttlSeconds: 60 }, ['k9']);
    expect(sweep).toMatchObject({ status: 'done' });
    expect(sweep.purged).toBeGreaterThanOrEqual(refs.length);
    const checker = await connectBatchRedisCluster(spec);
    try {
      expect(
        await namespaceKeys(checker, namespace).then((k) => k.filter((key) => l2KeyLayout(namespace).hashOf(key) !== undefined)),
      ).toEqual([]);
    } finally {
      checker.disconnect();
    }
  });
});

describe.skipIf(!ok)('a master failing over to its replica', () => {
  const env = usePrivateCluster({ masters: 3, replicas: 1, nodeTimeoutMs: 2000 });

  it('once the replica is promoted, the bus is back (the dead master left out) and its slots are cached again', async () => {
    const { cluster, vaults } = env;
    // b reads every token from L2 (L1 off): its hits show the promoted replica serving.
    const [a, b] = [await env.vault(), await env.vault({ l1Max: 0 })];
    await waitFor(() => vaults.every((v) => v.stats().cache.bus === 'up'), 10_000, 'both buses up');
    const refs: Ref[] = Array.from({ length: 24 }, (_, i) => ({
      userId: `user-${i % 3}`,
      itemId: `item-fo-${i}-${randomBytes(3).toString('hex')}`,
    }));
    const tokens = new Map(refs.map((r) => [r.itemId, fakeAccessToken()]));
    for (const ref of refs) await a.items.put({ ...ref, accessToken: tokens.get(ref.itemId)! });
    const readAll = async () => {
      for (const vault of vaults) {
        for (const ref of refs) expect(await vault.withToken({ ...ref, purpose: 'test' }, (t) => t.reveal())).toBe(tokens.get(ref.itemId));
      }
    };
    await readAll();
    await readAll();

    const masters = await cluster.masters();
    const owners = await placement(cluster, refs);
    const victim = owners.find((o) => masters.includes(o))!;
    const ofVictim = refs.filter((_, i) => owners[i] === victim);
    expect(ofVictim.length).toBeGreaterThan(0);
    await cluster.kill(victim);
    await waitFor(() => vaults.every((v) => v.stats().cache.bus === 'down'), 5000, 'both buses down');
    await readAll();

    // The replica takes over (node timeout 2 s, then an election); within a slot-table refresh (5 s)
    // each vault drops the dead master's subscriber and subscribes on the new master. The victim stays down.
    await waitFor(
      async () => {
        await readAll();
        return vaults.every((v) => v.stats().cache.bus === 'up');
      },
      30_000,
      'both buses up without the dead master',
    );
    expect((await cluster.masters()).length).toBe(3);
    expect((await a.health()).redis).toBe('ok');
    // L2 answers for the failed-over slots again.
    await waitFor(
      async () => {
        const hits = b.stats().cache.l2.hits;
        for (const ref of ofVictim) await b.withToken({ ...ref, purpose: 'test' }, () => 1);
        return b.stats().cache.l2.hits - hits === ofVictim.length;
      },
      20_000,
      'L2 hits on the promoted replica',
    );
    // A change through a reaches b, for an item of those slots.
    const moved = ofVictim[0]!;
    tokens.set(moved.itemId, fakeAccessToken());
    await a.items.put({ ...moved, accessToken: tokens.get(moved.itemId)! });
    await readAll();
  });
});
