/**
 * Crash matrix with real processes: a child (plain node on dist/) rotates an
 * item on PostgreSQL and is SIGKILLed at each protocol step; the parent then
 * recovers. The item must work with its current token, or be relink_required
 * with an audit event exactly when the new token only ever existed in the dead
 * process's memory. CRASH_KILL_ROUNDS (default 1) repeats the matrix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError, type Vault } from '../../src/index.js';
import type { RotationStep } from '../../src/rotation/rotate.js';
import { buildVaultDist, forkChild } from '../fixtures/rotate-child-process.js';
import { requireService } from '../helpers/services.js';
import { startPlaidEnv, type PlaidEnv } from './plaid-harness.js';

const pgOk = await requireService('postgres', 'crash matrix (SIGKILL)');
const ROUNDS = Number(process.env.CRASH_KILL_ROUNDS ?? 1);
const STEPS: RotationStep[] = ['leased', 'before-invalidate', 'invalidated', 'journaled', 'written', 'purged'];

describe.skipIf(!pgOk)('crash matrix: SIGKILL at each rotation step', () => {
  let env: PlaidEnv;
  let vault: Vault;

  beforeAll(async () => {
    buildVaultDist();
    env = await startPlaidEnv({ db: 'postgres' });
    vault = await env.vault();
  }, 180_000);
  afterAll(async () => env?.close());

  it(`kills a rotating process at each step (${ROUNDS} round(s)) and loses nothing`, async () => {
    // All children run at once (each on its own item): process start-up dominates the time.
    const runs = await Promise.all(
      Array.from({ length: ROUNDS }, (_, round) => STEPS.map((step) => ({ round, step })))
        .flat()
        .map(async ({ round, step }) => {
          const userId = `kill-${round}-${step}`;
          const { itemId } = await vault.link.sandboxLink({ userId });
          const child = forkChild({ vault: env.options(), itemId, killAt: step });
          await child.next('step');
          child.proc.kill('SIGKILL');
          return { step, userId, itemId, exitCode: await child.exited };
        }),
    );
    expect(runs.map((r) => r.exitCode)).toEqual(runs.map(() => null)); // killed by the signal, not exited

    const report = await vault.recover();
    expect(report).toEqual({ replayed: ROUNDS, relinkRequired: ROUNDS, alreadyApplied: 3 * ROUNDS, remaining: 0 });
    for (const { step, userId, itemId } of runs) {
      const { status } = await vault.items.get({ userId, itemId });
      if (step === 'invalidated') {
        // The new token existed only in the killed process: flagged, never silently lost.
        expect([step, status]).toEqual([step, 'relink_required']);
        expect((await vault.audit.list({ itemId })).map((e) => e.action)).toContain('item.relink_required');
      } else {
        expect([step, status]).toEqual([step, 'active']);
        const accounts = await vault.data.accounts({ userId, itemId }).catch((e: unknown) => (isVaultError(e) ? e.code : e));
        expect([step, Array.isArray(accounts) && accounts.length > 0]).toEqual([step, true]);
      }
    }
    // Killed after the lease only: no journal record, the lease simply expires; the token is untouched.
    console.info(`crash matrix (SIGKILL): ${runs.length} runs, 0 lost, report ${JSON.stringify(report)}`);
  });
});
