// Genuine webhooks under a kid flood (issue 11, item 2). `plaid-vault serve`
// receives a flood of forged webhooks (well-formed, fresh, the true body hash,
// ES256 by a forger's key, a random kid each; half name made-up items, half
// the attacker's own item: the attacker is a user who linked a bank), then a
// genuine webhook from plaid-sandbox for each of two other users' items.
// Rounds: a vault that has never seen a key; after Plaid rotates its signing
// key (a kid new to the vault); after Plaid rotates again and serve restarts
// (full runs; --quick skips the restart).
// Tried = genuine webhooks sent after a flood; held = accepted.
import { randomUUID } from 'node:crypto';
import { jsonOf, send } from '../lib/http.js';
import { claims, forgeJwt } from '../lib/jwt.js';
import { startServe } from '../lib/processes.js';
import { servedDeployment } from '../lib/served-deployment.js';
import { startPlaid } from '../lib/services.js';

const LOOKUP = '/webhook_verification_key/get';

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'kid-flood',
  label: 'genuine webhooks refused under a kid flood (goal 0)',
  budgetSeconds: { full: 75, quick: 30 },
  async run({ quick, scope, tally, overTime, log }) {
    const sandbox = await startPlaid(scope);
    const setup = await servedDeployment(scope, { name: 'kid-flood', plaid: sandbox });
    const { dialect, dep, api } = setup;
    let serve = setup.serve;
    const held = [await api.link('flood-user-1'), await api.link('flood-user-2')];
    const attackers = await api.link('flood-attacker');
    /** @type {[string, number][]} round, forged posts */
    const rounds = quick
      ? [
          ['first key', 300],
          ['rotated key', 300],
        ]
      : [
          ['first key', 1000],
          ['rotated key', 500],
          ['rotated key, serve restarted', 1000],
        ];
    const lookups = () => sandbox.state.counters[LOOKUP] ?? 0;
    /** @param {string} body @param {string} jwt */
    const post = (body, jwt) =>
      send(serve.url, {
        method: 'POST',
        path: '/webhooks/plaid',
        headers: { 'content-type': 'application/json', 'plaid-verification': jwt },
        body,
      });
    /** @param {string | null} itemId */
    const body = (itemId) =>
      JSON.stringify({
        webhook_type: 'TRANSACTIONS',
        webhook_code: 'SYNC_UPDATES_AVAILABLE',
        item_id: itemId,
        environment: 'sandbox',
        n: randomUUID(),
      });

    for (const [r, [round, floodSize]] of rounds.entries()) {
      if (overTime()) break;
      if (r > 0) sandbox.state.rotateWebhookKey();
      if (round.includes('restart')) {
        await serve.stop();
        serve = await startServe(scope, dep.env);
      }
      const before = lookups();
      let sent = 0;
      let accepted = 0;
      // 16 at a time, as a flood would come in.
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (sent < floodSize) {
            sent++;
            const raw = body(sent % 2 ? attackers : `item-${randomUUID()}`);
            const ex = await post(raw, forgeJwt({ alg: 'ES256', kid: randomUUID(), typ: 'JWT' }, claims(raw)));
            if (jsonOf(ex)?.accepted === true) accepted++;
          }
        }),
      );
      const floodLookups = lookups() - before;
      for (const itemId of held) {
        const raw = body(itemId);
        const ex = await post(raw, sandbox.signWebhook(raw));
        tally.attempt(
          jsonOf(ex)?.accepted === true,
          `${round}: genuine webhook for a held item refused (${ex.status} ${ex.body.slice(0, 80)})`,
        );
      }
      const line = `${round}: ${floodSize} forged posts (${accepted} accepted), Plaid key look-ups: ${floodLookups} during the flood, ${lookups() - before - floodLookups} for the genuine webhooks`;
      log(line);
      tally.note(line);
    }
    tally.note(
      `${dialect}; half the flood names the attacker's own item (SECURITY.md, known limits: whoever knows an item's id can spend that item's look-up, so the genuine webhooks name other users' items)`,
    );
  },
};
