/**
 * Crash matrix, in-process and randomized: a rotation is frozen for good at a
 * protocol step (a crash: nothing after that point ever runs), and/or the
 * database goes down after a step, and/or plaid-sandbox fails or commits then
 * drops the invalidate call. Another vault instance then recovers. Every item
 * must either work with its current token or be `relink_required` with an
 * audit event: zero silently lost. CRASH_RUNS (default 200) and CRASH_SEED
 * set the soak length and the draw.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RotationStep } from '../../src/rotation/rotate.js';
import { isVaultError, type Vault } from '../../src/index.js';
import { createStore } from '../../src/store/create-store.js';
import { createFaultyStore, type FaultyStore } from '../fixtures/rotate-faulty-store.js';
import { prng } from '../helpers/prng.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

const RUNS = Number(process.env.CRASH_RUNS ?? 200);
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const STEPS: RotationStep[] = ['leased', 'before-invalidate', 'invalidated', 'journaled', 'written', 'purged'];

interface Plan {
  crashAt: RotationStep | null;
  dbDownAt: RotationStep | null;
  plaid: 'none' | 'drop' | '500' | '429';
}

let env: PlaidEnv;
let crashing: Vault; // the instance whose rotations die
let recovering: Vault; // the instance that starts afterwards and recovers
let faulty: FaultyStore;
let plan: Plan = { crashAt: null, dbDownAt: null, plaid: 'none' };
let reached: (() => void) | undefined;

beforeAll(async () => {
  env = await startPlaidEnv({ db: 'sqlite' });
  faulty = createFaultyStore(createStore({ url: `sqlite:${join(env.dir, 'vault.db')}` }));
  crashing = await env.vault({
    store: faulty,
    rotation: {
      writeAttempts: 2,
      writeBaseMs: 1,
      hooks: {
        afterStep(step) {
          if (step === plan.dbDownAt) faulty.down = true;
          if (step === plan.crashAt) {
            reached?.();
            return new Promise<void>(() => {}); // the process is gone: nothing after this step ever runs
          }
        },
      },
    },
  });
  recovering = await env.vault();
});
afterAll(async () => {
  await env?.close();
  await faulty?.close();
});

describe('crash matrix (in-process, randomized)', () => {
  it(`loses no item over ${RUNS} randomized runs (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const tally = { works: 0, relinkRequired: 0, lost: 0, rotated: 0 };
    const lost: { run: number; plan: Plan; status: string; code: unknown }[] = [];

    // Link every item up front, 25 at a time: the runs themselves stay strictly sequential.
    const items: { userId: string; itemId: string }[] = [];
    for (let start = 0; start < RUNS; start += 25) {
      const batch = Array.from({ length: Math.min(25, RUNS - start) }, (_, i) => `crash-user-${start + i}`);
      items.push(
        ...(await Promise.all(batch.map(async (userId) => ({ userId, itemId: (await recovering.link.sandboxLink({ userId })).itemId })))),
      );
    }

    for (let run = 0; run < RUNS; run++) {
      const { userId, itemId } = items[run]!;
      plan = {
        crashAt: random() < 0.5 ? pick(STEPS) : null,
        dbDownAt: random() < 0.35 ? pick(STEPS) : null,
        plaid: pick(['none', 'none', 'drop', '500', '429'] as const),
      };
      if (plan.plaid === 'drop') env.sb.faults.set({ commitThenDrop: { '/item/access_token/invalidate': 1 } });
      if (plan.plaid === '500' || plan.plaid === '429')
        env.sb.faults.failNext('/item/access_token/invalidate', Number(plan.plaid) as 500 | 429);

      const crashed = new Promise<'crashed'>((resolve) => (reached = () => resolve('crashed')));
      const outcome = await Promise.race([
        crashing.items.rotate({ itemId }).then(
          (r) => r.outcome,
          (e: unknown) => (isVaultError(e) ? e.code : 'error'),
        ),
        crashed,
      ]);
      if (outcome === 'rotated') tally.rotated++;

      // The database and Plaid come back; a new instance recovers.
      faulty.down = false;
      env.sb.faults.clear();
      const report = await recovering.recover();
      expect(report.remaining, `run ${run} ${JSON.stringify(plan)}`).toBe(0);

      const { status } = await recovering.items.get({ userId, itemId });
      // relink_required is right exactly when the new token existed only in memory or in a dropped answer: no false alarms.
      const tokenLost =
        (plan.plaid === 'drop' && plan.crashAt !== 'leased' && plan.crashAt !== 'before-invalidate') ||
        (plan.plaid === 'none' && plan.crashAt === 'invalidated');
      expect(status === 'relink_required', `run ${run} ${JSON.stringify(plan)}`).toBe(tokenLost);
      if (status === 'relink_required') {
        await crashing.audit.flush();
        const actions = (await recovering.audit.list({ itemId })).map((e) => e.action);
        if (actions.includes('item.relink_required')) {
          tally.relinkRequired++;
          continue;
        }
      }
      const code = await recovering.data.accounts({ userId, itemId }).then(
        () => null,
        (e: unknown) => (isVaultError(e) ? e.code : String(e)),
      );
      if (code === null && status !== 'relink_required') tally.works++;
      else {
        tally.lost++;
        lost.push({ run, plan, status, code });
      }
    }

    console.info(`crash matrix: ${RUNS} runs, seed ${SEED}: ${JSON.stringify(tally)}`);
    expect(lost).toEqual([]);
    expect(tally.works + tally.relinkRequired).toBe(RUNS);
    expect(readdirSync(join(env.dir, 'recovery')).filter((f) => f.endsWith('.rot'))).toEqual([]);
    // The draw exercised both outcomes.
    expect(tally.relinkRequired).toBeGreaterThan(0);
    expect(tally.rotated).toBeGreaterThan(0);
  });
});
