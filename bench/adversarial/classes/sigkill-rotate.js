// SIGKILL during `plaid-vault rotate` (the CLI as a child process). 24 items
// at plaid-sandbox, in two lanes of 12 (each its own database and sandbox, run
// side by side: CLI start-up dominates a run). Each run rotates a lane's items
// (`rotate --older-than 0s --restart --concurrency 4`) and is SIGKILLed 0-50 ms
// after Plaid answered a random number of invalidate calls, so kills land at
// every step of the protocol. The journal is then replayed (vault.recover() in
// another process, as at start-up) and every item checked: its token must work
// at Plaid (a real /accounts/get), or the item must be relink_required, loudly.
// Held = an item is not silently lost (active, with a token Plaid refuses).
// A lease the killed process took but never journaled is cleared by SQL, as
// its expiry (60 s) would, so the next run does not wait for it.
import { runCli } from '../lib/processes.js';
import { sleep } from '../lib/scope.js';
import { createDatabase, preferredDialect, startPlaid } from '../lib/services.js';
import { deployment } from '../lib/vault-setup.js';

const INVALIDATE = '/item/access_token/invalidate';
const LANES = 2;
const ITEMS_PER_LANE = 12;

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'sigkill',
  label: 'SIGKILL during `plaid-vault rotate` (24 items; held = not silently lost)',
  budgetSeconds: { full: 75, quick: 25 },
  async run({ quick, random, scope, tally, overTime, log }) {
    const dialect = await preferredDialect();
    const runs = quick ? 4 : 38;
    const totals = { runs: 0, killedMidRun: 0, loud: 0, silent: 0, replayed: 0, relinkRequired: 0, alreadyApplied: 0, remaining: 0 };

    const lane = async (/** @type {number} */ index) => {
      // A little latency at Plaid spreads each rotation's steps, so kills land between them.
      const sandbox = await startPlaid(scope);
      sandbox.faults.set({ latencyMs: 5 });
      const dir = scope.tempDir(`sigkill-${index}`);
      const db = await createDatabase(scope, dialect, dir);
      const dep = deployment({ db, dataDir: dir, plaid: sandbox });
      const vault = await dep.openVault();
      scope.defer(() => vault.close());
      /** @type {{ userId: string, itemId: string }[]} */
      const items = [];
      for (let i = 0; i < ITEMS_PER_LANE; i++) {
        const userId = `kill-user-${index}-${i}`;
        items.push({ userId, itemId: (await vault.link.sandboxLink({ userId })).itemId });
      }
      const invalidations = () => sandbox.state.counters[INVALIDATE] ?? 0;

      for (let run = index; run < runs && !overTime(); run += LANES) {
        const base = invalidations();
        const target = 1 + random.int(items.length);
        /** @type {import('node:child_process').ChildProcess | undefined} */
        let child;
        let killed = false;
        let finished = false;
        const done = runCli(['rotate', '--older-than', '0s', '--restart', '--concurrency', '4', '--json'], dep.env, {
          onSpawn: (c) => (child = c),
        });
        void done.then(() => (finished = true));
        while (!finished) {
          if (invalidations() - base >= target) {
            // 0-50 ms on: from "Plaid just answered" to a few steps later.
            await sleep(random.int(51));
            killed = child?.kill('SIGKILL') ?? false;
            break;
          }
          await sleep(1);
        }
        await done;
        totals.runs++;
        if (killed) totals.killedMidRun++;
        await db.query('update items set rotation_lease_owner = null, rotation_lease_until = null where rotation_lease_owner = $1', [
          `cli-${child?.pid}`,
        ]);
        const report = await vault.recover();
        for (const k of /** @type {const} */ (['replayed', 'relinkRequired', 'alreadyApplied', 'remaining'])) totals[k] += report[k];

        const checks = await Promise.all(
          items.map(async (ref) => {
            const row = (await db.query('select status from items where item_id = $1', [ref.itemId]))[0];
            if (row?.status === 'relink_required') return 'loud';
            try {
              await vault.data.accounts(ref);
              return 'ok';
            } catch (err) {
              const code = /** @type {{ code?: string }} */ (err).code;
              return code === 'ERR_ITEM_RELINK_REQUIRED' ? 'loud' : `silent:${code}`;
            }
          }),
        );
        checks.forEach((c, i) => {
          if (c === 'loud') totals.loud++;
          if (c.startsWith('silent')) totals.silent++;
          tally.attempt(!c.startsWith('silent'), `run ${run + 1}, ${items[i]?.itemId}: ${c}`);
        });
        // An item flagged relink_required is done with; a freshly linked one takes its place, so each run has a full lane.
        for (let i = 0; i < items.length; i++) {
          if (checks[i] !== 'loud') continue;
          const userId = `kill-user-${index}-${i}-${run}`;
          items[i] = { userId, itemId: (await vault.link.sandboxLink({ userId })).itemId };
        }
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    log(`${totals.runs} runs`);
    tally.note(
      `${totals.runs} runs on ${dialect} (${totals.killedMidRun} killed mid-run), ${LANES * ITEMS_PER_LANE} items; tried = items checked after each run: ` +
        `${totals.silent} silently lost, ${totals.loud} flagged relink_required (the new token existed only in the killed process); ` +
        `recovery: ${totals.replayed} replayed, ${totals.relinkRequired} relink_required, ${totals.alreadyApplied} already applied, ${totals.remaining} remaining`,
    );
  },
};
