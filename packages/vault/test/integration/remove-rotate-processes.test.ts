/**
 * Removal and rotation in different processes on SQLite and PostgreSQL, with real
 * SIGKILLs: a child (plain node on dist/) rotates or removes, the parent does
 * the other. No Item may be left alive at plaid-sandbox without a row, except
 * the one window no design closes (killed between Plaid's invalidate answer
 * and the journal), and that one must be flagged `relink_required` in the
 * audit trail, never silent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError, type Vault } from '../../src/index.js';
import type { RotationStep } from '../../src/rotation/rotate.js';
import { orphanedItems } from '../fixtures/orphan-items.js';
import { startPlaidProxy, type PlaidProxy } from '../fixtures/plaid-proxy.js';
import { buildVaultDist, forkChild, type Child } from '../fixtures/rotate-child-process.js';
import { prng } from '../helpers/prng.js';
import { requireService } from '../helpers/services.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

const pgOk = await requireService('postgres', 'remove/rotate across processes');
const STEPS: RotationStep[] = ['leased', 'before-invalidate', 'invalidated', 'journaled', 'written', 'purged'];
const PAIRS = Number(process.env.RACE_PAIRS ?? 30);
const SEED = Number(process.env.RACE_SEED ?? Date.now() % 1_000_000);
/** The children's lease: short, so that a killed holder's lease expires within the parent's wait. */
const CHILD_LEASE = { rotation: { leaseMs: 1000 } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  { db: 'sqlite' as const, skip: false },
  { db: 'postgres' as const, skip: !pgOk },
])('remove and rotate in two processes ($db)', ({ db, skip }) => {
  let env: PlaidEnv;
  let proxy: PlaidProxy;
  let parent: Vault;
  const users = new Set<string>();

  beforeAll(async () => {
    if (skip) return;
    buildVaultDist();
    env = await startPlaidEnv({ db, admin: true });
    proxy = await startPlaidProxy(env.sb.url);
    parent = await env.vault({ plaid: { baseUrl: proxy.url } });
  }, 180_000);
  afterAll(async () => {
    await proxy?.close();
    await env?.close();
  });

  async function linked(userId: string) {
    users.add(userId);
    return { userId, itemId: (await parent.link.sandboxLink({ userId })).itemId };
  }
  async function orphans(): Promise<string[]> {
    const rows = (await Promise.all([...users].map((u) => parent.items.list(u)))).flat().map((i) => i.itemId);
    return orphanedItems(env.sb.url, rows);
  }
  const childOptions = () => env.options({ ...CHILD_LEASE, plaid: { baseUrl: proxy.url } });

  it.skipIf(skip)(
    'a rotating process killed at each step, then a removal here: removed at Plaid, or flagged when the token died with the process',
    async () => {
      const runs = await Promise.all(
        STEPS.map(async (step) => {
          const ref = await linked(`kill-rot-${step}`);
          const child = forkChild({ vault: childOptions(), itemId: ref.itemId, killAt: step });
          await child.next('step');
          child.proc.kill('SIGKILL');
          await child.exited;
          const removed = await parent.items.remove(ref).then(
            () => 'ok',
            (e: unknown) => (isVaultError(e) ? e.code : String(e)),
          );
          return { step, ref, removed };
        }),
      );
      await parent.audit.flush();
      const left = new Set(await orphans());
      const got = [];
      for (const { step, ref, removed } of runs) {
        const flagged = (await parent.audit.list({ itemId: ref.itemId })).some((e) => e.action === 'item.relink_required');
        got.push({ step, removed, orphan: left.has(ref.itemId), flagged, atPlaid: env.sb.state.item(ref.itemId)?.status });
      }
      expect(got).toEqual(
        STEPS.map((step) =>
          step === 'invalidated'
            ? { step, removed: 'ok', orphan: true, flagged: true, atPlaid: 'active' }
            : { step, removed: 'ok', orphan: false, flagged: false, atPlaid: 'removed' },
        ),
      );
      expect(await parent.recover()).toEqual({ replayed: 0, relinkRequired: 0, alreadyApplied: 0, remaining: 0 });
    },
  );

  it.skipIf(skip)(
    'a removing process killed before or after Plaid acted: the rotation here waits for its lease, the retried removal finishes',
    async () => {
      const ids = new Set<string>();
      for (const stage of ['request', 'answer'] as const) {
        const ref = await linked(`kill-rm-${stage}`);
        ids.add(ref.itemId);
        const child = forkChild({ vault: childOptions(), commands: true });
        await child.next('ready');
        const held = proxy.hold('/item/remove', { stage });
        void child.command('remove', ref).catch(() => {});
        await held.arrived();
        child.proc.kill('SIGKILL');
        await child.exited;
        held.drop();

        const rotated = await parent.items.rotate(ref).then(
          (r) => r.outcome,
          (e: unknown) => (isVaultError(e) ? e.code : String(e)),
        );
        // Removed at Plaid before the kill: the old token is gone, so the rotation says so; else it rotates.
        expect([stage, rotated]).toEqual([stage, stage === 'answer' ? 'relink_required' : 'rotated']);
        await parent.items.remove(ref);
        expect([stage, env.sb.state.item(ref.itemId)?.status]).toEqual([stage, 'removed']);
      }
      expect((await orphans()).filter((id) => ids.has(id))).toEqual([]);
    },
  );

  it.skipIf(skip)(`${PAIRS} pairs: rotations in a child process, removals here (seed ${SEED}): zero orphans`, async () => {
    const child: Child = forkChild({ vault: env.options({ plaid: { baseUrl: proxy.url } }), commands: true });
    await child.next('ready');
    const random = prng(SEED);
    const slow = proxy.delay('/item/access_token/invalidate', () => Math.floor(random() * 40));
    const ids = new Set<string>();
    let aliveWhenRemoved = 0;
    try {
      for (let i = 0; i < PAIRS; i++) {
        const ref = await linked(`proc-pair-${i}`);
        ids.add(ref.itemId);
        const gap = Math.floor(random() * 30);
        const rotateFirst = random() < 0.5;
        await Promise.all([
          (async () => {
            if (!rotateFirst) await sleep(gap);
            return child.command('rotate', ref);
          })(),
          (async () => {
            if (rotateFirst) await sleep(gap);
            await parent.items.remove(ref);
            if (env.sb.state.item(ref.itemId)?.status !== 'removed') aliveWhenRemoved++;
          })(),
        ]);
      }
    } finally {
      slow.end();
      child.proc.send({ type: 'exit' });
      await child.exited;
    }
    await parent.recover();
    const left = (await orphans()).filter((id) => ids.has(id));
    console.info(
      `remove/rotate across processes (${db}): ${PAIRS} pairs, seed ${SEED}: ${left.length} orphaned, ${aliveWhenRemoved} told removed while alive`,
    );
    expect(left).toEqual([]);
    expect(aliveWhenRemoved).toBe(0);
  });
});
