/**
 * Issue 11, item 4: two vault instances share a database and a private
 * redis-server; B reaches Redis through a TCP proxy. B holds an item's token
 * in L1, Redis fails in one of four real ways, A deletes the item, and B keeps
 * reading it: no read B starts 1 s or more after the delete may return the
 * token. While its bus is down B fills no L1 (reads go to L2 or the store);
 * once the fault heals B's bus comes back by itself and L1 is used again.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, isVaultError, type Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import type { TokenStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/types/logger.js';
import { connectRedis, waitFor } from '../fixtures/cache-helpers.js';
import { freePort, redisServer, type RedisServer } from '../fixtures/cache-redis-server.js';
import { tcpProxy, type TcpProxy } from '../fixtures/tcp-proxy.js';
import { fakeAccessToken, testKeys, testNamespace } from '../helpers/services.js';

const BOUND_MS = 1000;
/** Runs per fault; more measure the stale window (PV_BUS_OUTAGE_TRIALS=20 for the figures in the docs). */
const TRIALS = Number(process.env.PV_BUS_OUTAGE_TRIALS ?? 1);

interface Fault {
  name: string;
  /** Whether A still reaches Redis (its invalidation is then published, and B must not hear it). */
  aReachesRedis: boolean;
  inject(): Promise<void> | void;
  heal(): Promise<void> | void;
}

describe('the in-process cache while the invalidation bus is down', () => {
  let server: RedisServer;
  let proxy: TcpProxy;
  let store: TokenStore;
  let clientA: Redis;
  let clientB: Redis;
  let a: Vault;
  let b: Vault;

  beforeAll(async () => {
    server = redisServer(await freePort());
    await server.start();
    proxy = await tcpProxy({ port: server.port });
    store = createStore({ url: 'sqlite::memory:' });
    await store.migrate();
    [clientA, clientB] = await Promise.all([connectRedis(server.url), connectRedis(proxy.url)]);
    const shared = { keys: testKeys('k1'), store, namespace: testNamespace('cbo'), logger: silentLogger, migrate: false };
    a = await createVault({ ...shared, redisClient: clientA });
    b = await createVault({ ...shared, redisClient: clientB });
  }, 30_000);
  afterAll(async () => {
    // A run that failed mid-fault leaves Redis paused or the proxy frozen: undo that first, or closing would hang.
    server?.resume();
    proxy?.thaw();
    await Promise.all([a?.close(), b?.close()]);
    for (const client of [clientA, clientB]) client?.disconnect();
    await store?.close();
    await proxy?.close();
    await server?.kill();
  });

  const faults: Fault[] = [
    { name: 'redis-server SIGKILLed', aReachesRedis: false, inject: () => server.kill(), heal: () => server.start() },
    { name: "B's connections closed, port refused", aReachesRedis: true, inject: () => proxy.stop(), heal: () => proxy.start() },
    { name: 'silent partition between B and Redis (no FIN)', aReachesRedis: true, inject: () => proxy.freeze(), heal: () => proxy.thaw() },
    {
      name: 'redis-server SIGSTOPped (hangs, sockets open)',
      aReachesRedis: false,
      inject: () => server.pause(),
      heal: () => server.resume(),
    },
  ];

  const newRef = () => ({ userId: `user-${randomBytes(3).toString('hex')}`, itemId: `item-${randomBytes(5).toString('hex')}` });
  const read = (vault: Vault, ref: { userId: string; itemId: string }) =>
    vault
      .withToken({ ...ref, purpose: 'bus-outage-test' }, (t) => t.reveal())
      .catch((err: unknown) => {
        if (isVaultError(err, 'ERR_ITEM_NOT_FOUND')) return undefined;
        throw err;
      });
  const busesUp = () => waitFor(() => a.stats().cache.bus === 'up' && b.stats().cache.bus === 'up', 15_000, 'both buses up');

  /** One run: returns when B last served the deleted token, in ms after the delete (-1: never), and how many reads did. */
  async function trial(fault: Fault): Promise<{ lastStale: number; stale: number; reads: number }> {
    await busesUp();
    const [doomed, other] = [newRef(), newRef()];
    const token = fakeAccessToken();
    const received = b.stats().cache.invalidations.received;
    await a.items.put({ ...doomed, accessToken: token });
    await a.items.put({ ...other, accessToken: fakeAccessToken() });
    // The puts' own invalidations reach B first, or they would drop what B is about to cache.
    await waitFor(() => b.stats().cache.invalidations.received >= received + 2, 5000, 'the put invalidations');
    // B holds both in L1 (a second read is an L1 hit).
    const hits = b.stats().cache.l1.hits;
    for (const ref of [doomed, other, doomed]) await read(b, ref);
    expect(b.stats().cache.l1.hits).toBe(hits + 1);

    await fault.inject();
    const deletedAt = performance.now();
    await a.items.delete(doomed);
    // B reads without pause; each read is dated when it starts.
    const reads: { at: number; served: boolean }[] = [];
    while (performance.now() - deletedAt < BOUND_MS + 200) {
      const at = performance.now() - deletedAt;
      reads.push({ at, served: (await read(b, doomed)) === token });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const stale = reads.filter((r) => r.served);
    expect(reads.filter((r) => r.at >= BOUND_MS)).not.toEqual([]);
    expect(stale.filter((r) => r.at >= BOUND_MS)).toEqual([]);
    expect(b.stats().cache.bus).toBe('down');
    // While down, reads are answered (from the store) but L1 stays empty.
    expect(await read(b, other)).toBeDefined();
    expect(await read(b, other)).toBeDefined();
    expect(b.stats().cache.l1.size).toBe(0);

    await fault.heal();
    await busesUp();
    expect(await read(b, doomed)).toBeUndefined();
    const before = b.stats().cache.l1.hits;
    await read(b, other);
    await read(b, other);
    expect(b.stats().cache.l1.hits).toBe(before + 1);
    return { lastStale: stale.length ? stale.at(-1)!.at : -1, stale: stale.length, reads: reads.length };
  }

  for (const fault of faults) {
    it(
      `${fault.name}: B stops serving the deleted token within ${BOUND_MS} ms, fills no L1 while down, and recovers`,
      async () => {
        const runs = [];
        for (let i = 0; i < TRIALS; i += 1) runs.push(await trial(fault));
        const last = runs.map((r) => r.lastStale).sort((x, y) => x - y);
        console.log(
          `[bus outage] ${fault.name}: ${runs.length} run(s); last stale read after the delete (ms): ` +
            `min ${last[0]!.toFixed(0)}, median ${last[Math.floor(last.length / 2)]!.toFixed(0)}, max ${last.at(-1)!.toFixed(0)}; ` +
            `stale reads per run: max ${Math.max(...runs.map((r) => r.stale))} of ~${runs[0]!.reads}`,
        );
      },
      Math.max(60_000, 15_000 * TRIALS),
    );
  }
});
