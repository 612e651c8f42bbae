/**
 * The original finding, through the HTTP API over real sockets: `POST
 * /items/:id/rotate` and `DELETE /items/:id` at once, on one server or on two
 * servers sharing the database, with Plaid's invalidate answers slowed by a
 * proxy. A 204 must mean the Item is gone at Plaid, and no Item may be left
 * alive that no row holds. A removal that has to wait too long answers 409
 * ERR_ROTATION_IN_PROGRESS with Retry-After, and the retry succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, startHttpServer, type HttpServerHandle } from '../../src/http/index.js';
import type { Vault } from '../../src/index.js';
import type { RotationOptions } from '../../src/rotation/rotate.js';
import { orphanedItems } from '../fixtures/orphan-items.js';
import { startPlaidProxy, type PlaidProxy } from '../fixtures/plaid-proxy.js';
import { prng } from '../helpers/prng.js';
import { requireService } from '../helpers/services.js';
import { createClient, getTestUser } from './http-harness.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

const pgOk = await requireService('postgres', 'remove/rotate race over HTTP');
const INVALIDATE = '/item/access_token/invalidate';
const PAIRS = Number(process.env.RACE_PAIRS ?? 30);
const SEED = Number(process.env.RACE_SEED ?? Date.now() % 1_000_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  { db: 'sqlite' as const, skip: false },
  { db: 'postgres' as const, skip: !pgOk },
])('rotate and delete over HTTP ($db)', ({ db, skip }) => {
  let env: PlaidEnv;
  let proxy: PlaidProxy;
  const servers: HttpServerHandle[] = [];
  const vaults: Vault[] = [];

  /** A vault (on the shared database, Plaid through the proxy) behind its own HTTP server. */
  async function serve(rotation: RotationOptions = {}) {
    const vault = await env.vault({ plaid: { baseUrl: proxy.url }, rotation });
    const server = await startHttpServer({ app: createHttpApp({ vault, getUserId: getTestUser, logger: silent }), port: 0 });
    servers.push(server);
    vaults.push(vault);
    return { vault, client: createClient((req) => fetch(req), server.url) };
  }
  const silent = { debug() {}, info() {}, warn() {}, error() {} };

  beforeAll(async () => {
    if (skip) return;
    env = await startPlaidEnv({ db, admin: true });
    proxy = await startPlaidProxy(env.sb.url);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await proxy?.close();
    await env?.close();
  });

  it.skipIf(skip)(
    `${PAIRS} rotate+delete pairs on one server and across two (seed ${SEED}): every 204 means gone at Plaid, zero orphans`,
    async () => {
      const one = await serve();
      const two = await serve();
      const random = prng(SEED);
      const slow = proxy.delay(INVALIDATE, () => Math.floor(random() * 40));
      const ids = new Set<string>();
      const users: string[] = [];
      const answers: string[] = [];
      let aliveAfter204 = 0;
      for (let i = 0; i < PAIRS; i++) {
        const userId = `http-${db}-${i}`;
        users.push(userId);
        const { itemId } = await one.vault.link.sandboxLink({ userId });
        ids.add(itemId);
        const [rotator, remover] = i % 3 === 0 ? [one, one] : random() < 0.5 ? [one, two] : [two, one];
        const gap = Math.floor(random() * 30);
        const rotateFirst = random() < 0.5;
        const rotate = async () => {
          if (!rotateFirst) await sleep(gap);
          return (await rotator.client.call('POST', `/items/${itemId}/rotate`, { user: userId })).status;
        };
        const remove = async () => {
          if (rotateFirst) await sleep(gap);
          for (;;) {
            const r = await remover.client.call('DELETE', `/items/${itemId}`, { user: userId });
            if (r.status !== 409) return r.status;
            await sleep(Number(r.headers.get('retry-after')) * 1000);
          }
        };
        const [rotated, removed] = await Promise.all([rotate(), remove()]);
        if (removed === 204 && env.sb.state.item(itemId)?.status !== 'removed') aliveAfter204++;
        answers.push(`rotate ${rotated}, delete ${removed}`);
      }
      slow.end();
      await one.vault.recover();
      const rows = (await Promise.all(users.map((u) => one.vault.items.list(u)))).flat().map((r) => r.itemId);
      const left = (await orphanedItems(env.sb.url, rows)).filter((id) => ids.has(id));
      const tally = answers.reduce<Record<string, number>>((t, a) => ({ ...t, [a]: (t[a] ?? 0) + 1 }), {});
      console.info(
        `remove/rotate over HTTP (${db}): ${PAIRS} pairs, seed ${SEED}: ${left.length} orphaned, ` +
          `${aliveAfter204} answered 204 while alive, ${JSON.stringify(tally)}`,
      );
      expect(left).toEqual([]);
      expect(aliveAfter204).toBe(0);
      expect(rows).toEqual([]);
      expect(Object.keys(tally).filter((k) => !/^rotate (200|404), delete 204$/.test(k))).toEqual([]);
    },
  );

  it.skipIf(skip)(
    'a delete that cannot wait long enough answers 409 ERR_ROTATION_IN_PROGRESS with Retry-After; the retry removes',
    async () => {
      const rotating = await serve();
      const impatient = await serve({ removeWaitMs: 100, pollMs: 20 });
      const userId = `http-busy-${db}`;
      const { itemId } = await rotating.vault.link.sandboxLink({ userId });
      const held = proxy.hold(INVALIDATE);
      const rotated = rotating.client.call('POST', `/items/${itemId}/rotate`, { user: userId });
      await held.arrived();
      const busy = await impatient.client.call('DELETE', `/items/${itemId}`, { user: userId });
      held.release();

      expect(busy.status).toBe(409);
      expect(busy.json.code).toBe('ERR_ROTATION_IN_PROGRESS');
      expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await rotated).json.outcome).toBe('rotated');
      expect((await impatient.client.call('DELETE', `/items/${itemId}`, { user: userId })).status).toBe(204);
      expect(env.sb.state.item(itemId)?.status).toBe('removed');
    },
  );
});
