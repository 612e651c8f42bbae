// Orphaned Items under rotate/remove races (issue 11, item 1). Through
// `plaid-vault serve`, with a proxy between the vault and plaid-sandbox that
// holds Plaid's answer to /item/access_token/invalidate: each pair links an
// item, starts a rotation, and once Plaid has invalidated the old token (its
// answer, with the only copy of the new token, held in the proxy) removes the
// item, as a user clicking "remove" during a scheduled rotation would. Half the
// pairs let the answer go once the removal answered (or after 1.5 s), half
// after 0-40 ms. A removal answered 409 is retried as an app would (Retry-After,
// at most 5 times). Then `plaid-vault recover` runs, and each Item still alive
// at the sandbox with no row in the vault is an orphan: billed, and nothing
// holds its token. Held = no orphan, and no row left behind a 204.
import { startHoldProxy } from '../lib/hold-proxy.js';
import { cliJson, runCli } from '../lib/processes.js';
import { servedDeployment } from '../lib/served-deployment.js';
import { sleep } from '../lib/scope.js';
import { startPlaid } from '../lib/services.js';

const INVALIDATE = '/item/access_token/invalidate';

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'orphans',
  label: 'orphaned Items under rotate/remove races (goal 0)',
  budgetSeconds: { full: 90, quick: 30 },
  async run({ quick, random, scope, tally, overTime, log }) {
    const sandbox = await startPlaid(scope);
    const proxy = await startHoldProxy(scope, sandbox.url);
    const { dialect, db, dep, serve, api } = await servedDeployment(scope, {
      name: 'orphans',
      plaid: { url: proxy.url, clientId: sandbox.clientId, secret: sandbox.secret },
    });

    const pairs = quick ? 8 : 30;
    /** @type {{ userId: string, itemId: string, told: number[], rotate: number, reached: boolean }[]} */
    const runs = [];
    for (let i = 0; i < pairs && !overTime(); i++) {
      const userId = `orphan-user-${i}`;
      const itemId = await api.link(userId);
      const path = `/items/${encodeURIComponent(itemId)}`;
      const hold = proxy.hold(INVALIDATE);
      const rotating = api.call(userId, 'POST', `${path}/rotate`);
      const reached = await Promise.race([hold.held.then(() => true), sleep(5000).then(() => false)]);
      const removing = api.call(userId, 'DELETE', path);
      await Promise.race([removing, sleep(i % 2 === 0 ? 1500 : random.int(41))]);
      hold.release();
      let answer = await removing;
      const told = [answer.status];
      // As an app would: wait what Retry-After says (at most 1 s), try again, at most 5 times.
      for (let retry = 0; retry < 5 && answer.status === 409; retry++) {
        await sleep(Math.min(1000, 1000 * Number(/retry-after: (\d+)/i.exec(answer.head)?.[1] ?? 0.2)));
        answer = await api.call(userId, 'DELETE', path);
        told.push(answer.status);
      }
      runs.push({ userId, itemId, told, rotate: (await rotating).status, reached });
    }
    // Recovery gets its chance: the server stops (a record of a live process is left alone) and recover replays the journal.
    log(`${runs.length} pairs done; stopping serve, running plaid-vault recover`);
    await serve.stop();
    const recovered = await runCli(['recover', '--json'], dep.env);
    tally.note(
      `plaid-vault recover: exit ${recovered.code} ${JSON.stringify(cliJson(recovered) ?? recovered.stderr.trim().slice(0, 200))}`,
    );

    let orphans = 0;
    let ghostRows = 0;
    let refused = 0;
    for (const run of runs) {
      const row = (await db.query('select status from items where item_id = $1', [run.itemId]))[0];
      const item = sandbox.state.item(run.itemId);
      const alive = item !== undefined && item.status !== 'removed' && item.liveAccessTokens > 0;
      const toldRemoved = run.told.at(-1) === 204;
      const orphan = alive && !row;
      const ghost = toldRemoved && row !== undefined;
      if (orphan) orphans++;
      if (ghost) ghostRows++;
      if (!toldRemoved) refused++;
      tally.attempt(
        !orphan && !ghost,
        `${run.itemId}: ${orphan ? 'Item alive at Plaid, no row' : 'row kept after 204'} (delete answers ${run.told.join(',')}, rotate ${run.rotate})`,
      );
    }
    const unreached = runs.filter((r) => !r.reached).length;
    const statuses = (/** @type {(r: typeof runs[number]) => number} */ f) => {
      /** @type {Record<string, number>} */
      const out = {};
      for (const r of runs) out[f(r)] = (out[f(r)] ?? 0) + 1;
      return JSON.stringify(out);
    };
    tally.note(
      `${runs.length} pairs on ${dialect}: ${orphans} orphaned Item(s), ${ghostRows} row(s) kept after a 204, ${refused} removal(s) not done after retries; ` +
        `final delete answers ${statuses((r) => /** @type {number} */ (r.told.at(-1)))}, rotate answers ${statuses((r) => r.rotate)}` +
        (unreached ? `; ${unreached} rotation(s) never reached invalidate` : ''),
    );
  },
};
