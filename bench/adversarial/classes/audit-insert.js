// Inserted audit rows detected (issue 11, item 5), SQLite and PostgreSQL. A
// vault writes a real chain; each scenario then edits the database the way
// someone with write access would, linking and hashing forged rows exactly as
// the vault does (the chain's hash is unkeyed), and asks the vault to verify.
// Scenarios: a row beyond the head; beyond it with a gap; before the first;
// a middle row deleted; the tail cut; the tail cut and the head rewritten to
// match, and a row inserted mid-chain with every later row rehashed and the
// head rewritten (these two only an anchor taken before can show). Checked
// through the library (vault.audit.verify, with { anchor } from
// vault.audit.head()), and through the CLI: `audit --verify` on the forged
// row, `audit anchor` + `audit verify --anchor`, and `doctor`, which must fail
// while a forged row blocks every append. A missing anchor API counts as not
// detected ("not available"). Held = detected.
import { createHash } from 'node:crypto';
import { cliJson, runCli } from '../lib/processes.js';
import { createDatabase, postgresAvailable } from '../lib/services.js';
import { deployment, fakeAccessToken } from '../lib/vault-setup.js';

const GENESIS = '0'.repeat(64);
const COLUMNS = ['seq', 'at', 'actor', 'user_id', 'item_id', 'action', 'purpose', 'outcome', 'request_id', 'prev_hash', 'hash'];

/** The vault's chain hash (src/store/audit-hash.ts), recomputed by whoever forges a row. @param {string} prev @param {Record<string, any>} r */
function chainHash(prev, r) {
  const fields = [
    Number(r.seq),
    new Date(Number(r.at)).toISOString(),
    r.actor,
    r.user_id,
    r.item_id,
    r.action,
    r.purpose,
    r.outcome,
    r.request_id,
  ];
  return createHash('sha256')
    .update(`${prev}\n${JSON.stringify(fields)}`)
    .digest('hex');
}

/** A plausible row at `seq` linked to `prev`. @param {number} seq @param {string} prev @param {Record<string, any>} like */
function forged(seq, prev, like) {
  const row = { ...like, seq, at: Date.now(), actor: like.actor, outcome: 'ok', prev_hash: prev };
  return { ...row, hash: chainHash(prev, row) };
}

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'audit',
  label: 'inserted audit rows detected (beyond the head, gaps, rewritten head with/without anchor; goal all)',
  budgetSeconds: { full: 90, quick: 40 },
  async run({ quick, scope, tally, overTime, log }) {
    const dialects = quick ? ['sqlite'] : ['sqlite', 'postgres'];
    for (const dialect of /** @type {('sqlite' | 'postgres')[]} */ (dialects)) {
      if (overTime()) break;
      if (dialect === 'postgres' && !(await postgresAvailable())) {
        tally.note('PostgreSQL not reachable: SQLite only');
        continue;
      }
      const dir = scope.tempDir(`audit-${dialect}`);
      const db = await createDatabase(scope, dialect, dir);
      const dep = deployment({ db, dataDir: dir });
      const vault = await dep.openVault();
      scope.defer(() => vault.close());
      for (let i = 0; i < 4; i++) {
        const ref = { userId: `audit-user-${i % 2}`, itemId: `audit-item-${i}` };
        await vault.items.put({ ...ref, accessToken: fakeAccessToken() });
        await vault.withToken({ ...ref, purpose: 'accounts.get' }, () => null);
      }
      await vault.items.delete({ userId: 'audit-user-1', itemId: 'audit-item-3' });
      await vault.audit.flush();

      const rows = await db.query(`select ${COLUMNS.join(', ')} from audit_events order by seq`);
      const head = /** @type {Record<string, any>} */ ((await db.query('select last_seq, last_hash from audit_head where id = 1'))[0]);
      const last = Number(head.last_seq);
      const like = /** @type {Record<string, any>} */ (rows.at(-1));
      const insert = async (/** @type {Record<string, any>[]} */ list) => {
        for (const r of list) {
          await db.query(
            `insert into audit_events (${COLUMNS.join(', ')}) values (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
            COLUMNS.map((c) => r[c]),
          );
        }
      };
      const setHead = (/** @type {number} */ seq, /** @type {string} */ hash) =>
        db.query('update audit_head set last_seq = $1, last_hash = $2 where id = 1', [seq, hash]);
      const restore = async () => {
        await db.query('delete from audit_events');
        await insert(rows);
        await setHead(last, head.last_hash);
      };
      const audit = /** @type {any} */ (vault.audit);
      const anchorApi = typeof audit.head === 'function';
      const anchor = anchorApi ? await audit.head() : null;
      /** @param {boolean} [withAnchor] */
      const verify = async (withAnchor = false) =>
        /** @type {{ ok: boolean, reason?: string }} */ (await audit.verify(withAnchor ? { anchor } : undefined));
      const control = await verify();
      if (!control.ok) throw new Error(`${dialect}: the untouched chain does not verify`);

      /** @type {[string, () => Promise<void>, 'plain' | 'anchor'][]} */
      const scenarios = [
        ['row beyond the head', () => insert([forged(last + 1, head.last_hash, like)]), 'plain'],
        ['row beyond the head, after a gap', () => insert([forged(last + 3, head.last_hash, like)]), 'plain'],
        ['row before the first', () => insert([forged(0, GENESIS, like)]), 'plain'],
        ['middle row deleted', () => db.query('delete from audit_events where seq = $1', [Math.ceil(last / 2)]).then(() => {}), 'plain'],
        ['tail cut (head left)', () => db.query('delete from audit_events where seq > $1', [last - 2]).then(() => {}), 'plain'],
        [
          'tail cut, head rewritten to match',
          async () => {
            await db.query('delete from audit_events where seq > $1', [last - 2]);
            await setHead(last - 2, /** @type {string} */ (rows[last - 3]?.hash));
          },
          'anchor',
        ],
        [
          'row inserted mid-chain, later rows rehashed, head rewritten',
          async () => {
            const at = Math.ceil(last / 2);
            const kept = rows.slice(0, at - 1);
            let prev = /** @type {string} */ (kept.at(-1)?.hash ?? GENESIS);
            const rewritten = [];
            for (const [i, r] of [forged(at, prev, like), ...rows.slice(at - 1)].entries()) {
              const row = { ...r, seq: at + i, prev_hash: prev };
              row.hash = chainHash(prev, row);
              prev = row.hash;
              rewritten.push(row);
            }
            await db.query('delete from audit_events where seq >= $1', [at]);
            await insert(rewritten);
            await setHead(at + rewritten.length - 1, prev);
          },
          'anchor',
        ],
      ];
      for (const [what, tamper, kind] of scenarios) {
        await restore();
        await tamper();
        const plain = await verify();
        if (kind === 'plain') {
          tally.attempt(!plain.ok, `${dialect}: ${what}: verify says ok`);
          continue;
        }
        tally.note(
          `${dialect}: ${what}, no anchor: ${plain.ok ? 'not detected (nothing in the database can tell)' : `detected (${plain.reason})`}`,
        );
        if (!anchorApi) tally.attempt(false, `${dialect}: ${what}, against an anchor: not available (no vault.audit.head())`);
        else tally.attempt(!(await verify(true)).ok, `${dialect}: ${what}, against an anchor: verify says ok`);
      }

      // The CLI, black-box: the forged row, the anchor round trip, and doctor while appends are blocked.
      await restore();
      const baseline = cliJson(await runCli(['doctor', '--json'], dep.env));
      const anchorOut = await runCli(['audit', 'anchor', '--json'], dep.env);
      const anchorText = anchorOut.code === 0 ? cliJson(anchorOut)?.anchor : undefined;
      await insert([forged(last + 1, head.last_hash, like)]);
      const cliVerify = await runCli(['audit', '--verify', '--json'], dep.env);
      tally.attempt(cliVerify.code === 1, `${dialect}: CLI audit --verify with a row beyond the head: exit ${cliVerify.code}`);
      // A token use now has to append after the forged row.
      await vault.withToken({ userId: 'audit-user-0', itemId: 'audit-item-0', purpose: 'accounts.get' }, () => null);
      await vault.audit.flush().catch(() => {});
      const doctor = cliJson(await runCli(['doctor', '--json'], dep.env));
      const failing = (/** @type {any} */ d) => new Set((d?.checks ?? []).filter((c) => c.status === 'fail').map((c) => c.id));
      const newFails = [...failing(doctor)].filter((id) => !failing(baseline).has(id));
      tally.attempt(newFails.length > 0, `${dialect}: doctor with a row blocking appends: no new failing check`);
      await restore();
      if (typeof anchorText !== 'string') {
        tally.attempt(false, `${dialect}: CLI audit anchor: not available (exit ${anchorOut.code})`);
      } else {
        await db.query('delete from audit_events where seq > $1', [last - 2]);
        await setHead(last - 2, /** @type {string} */ (rows[last - 3]?.hash));
        const anchored = await runCli(['audit', 'verify', '--anchor', anchorText, '--json'], dep.env);
        tally.attempt(
          anchored.code === 1,
          `${dialect}: CLI audit verify --anchor after the tail was cut and the head rewritten: exit ${anchored.code}`,
        );
      }
      log(`${dialect} done`);
    }
  },
};
