// Cross-user access: user B (the attacker) goes after user A's item through
// the library, `plaid-vault serve` (service key, B in the trusted user header)
// and the reference app (B's own session), naming it in every odd way
// (lib/id-variants.js): encodings, traversal, SQL and LIKE metacharacters.
// Also A's exact item id under variants of A's user id. Held = B gets an
// error (a removal may be a silent no-op), nothing of A's (token, account
// ids or names) is in what B receives, Plaid is not called during the attempt
// (the library and serve; the app's sandbox runs in the same process) and A's
// item is untouched (same row, token version and status; alive at Plaid).
import { randomBytes } from 'node:crypto';
import { idVariants, pathSegment, userVariants } from '../lib/id-variants.js';
import { jsonOf, serveClient } from '../lib/http.js';
import { servedDeployment } from '../lib/served-deployment.js';
import { plaidCalls, startPlaid } from '../lib/services.js';
import { makeKeys } from '../lib/vault-setup.js';
import { startWebApp, webUnavailable, webUser } from '../lib/web-app.js';

const A = 'victim-user';
const B = 'attacker-user';

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'cross-user',
  label: 'cross-user access (library, serve, web; odd encodings, traversal, SQL metachars)',
  budgetSeconds: { full: 120, quick: 45 },
  async run({ quick, scope, tally, overTime, web, log }) {
    const sandbox = await startPlaid(scope);
    const { dialect, db, dep, serve, api } = await servedDeployment(scope, { name: 'cross', plaid: sandbox });
    const vault = await dep.openVault();
    scope.defer(() => vault.close());

    const itemId = await api.link(A);
    const accounts = /** @type {{ accountId: string, name: string }[]} */ (
      jsonOf(await api.call(A, 'GET', `/items/${itemId}/accounts`))?.accounts ?? []
    );
    const token = await vault.withToken({ userId: A, itemId, purpose: 'adversarial.setup' }, (t) => t.reveal());
    // Control: A reaches its own item on both surfaces, so a refusal below is about B, not a broken setup.
    if (accounts.length === 0 || !token) throw new Error('control: A cannot read its own item');
    const secrets = [token, ...accounts.map((a) => a.accountId)];
    const rowOf = async () => (await db.query('select user_id, token_version, status from items where item_id = $1', [itemId]))[0];
    const before = JSON.stringify(await rowOf());
    const intact = async () => JSON.stringify(await rowOf()) === before && sandbox.state.item(itemId)?.status === 'active';

    let variants = idVariants(itemId);
    let users = userVariants(A);
    if (quick) {
      variants = variants.filter((_, i) => i % 3 === 0);
      users = users.filter((_, i) => i % 3 === 0);
    }
    /** @type {Record<string, number>} */
    const perSurface = {};

    /**
     * One attempt: run it, then judge what B got and what happened to A's item.
     * @param {string} surface
     * @param {string} what
     * @param {() => Promise<{ ok: boolean, text: string }>} fn ok = the call succeeded in a way that grants access
     * @param {{ plaidCheck?: boolean }} [opts]
     */
    const attempt = async (surface, what, fn, opts = {}) => {
      const calls = plaidCalls(sandbox);
      const { ok, text } = await fn();
      const leaked = secrets.some((s) => text.includes(s));
      const calledPlaid = opts.plaidCheck !== false && plaidCalls(sandbox) !== calls;
      const untouched = await intact();
      perSurface[surface] = (perSurface[surface] ?? 0) + 1;
      const why = [
        ok && 'access granted',
        leaked && "A's data in the answer",
        calledPlaid && 'Plaid was called',
        !untouched && "A's item changed",
      ]
        .filter(Boolean)
        .join(', ');
      tally.attempt(!why, `${surface}: ${what}: ${why}`);
    };

    // ---- the library (B's id as the caller, A's item named in every way; then A's exact item under variants of A's id)
    /** @param {() => Promise<unknown>} call @param {boolean} [noOpOk] */
    const lib = async (call, noOpOk = false) => {
      try {
        const out = await call();
        return { ok: !noOpOk, text: JSON.stringify(out ?? null) };
      } catch (err) {
        return { ok: false, text: `${String(err)} ${JSON.stringify(err)}` };
      }
    };
    /** @param {string} user @param {string} id */
    const libOps = (user, id) =>
      /** @type {[string, () => Promise<{ ok: boolean, text: string }>][]} */ ([
        ['withToken', () => lib(() => vault.withToken({ userId: user, itemId: id, purpose: 'x' }, (t) => t.reveal()))],
        ['data.accounts', () => lib(() => vault.data.accounts({ userId: user, itemId: id }))],
        ['data.transactions', () => lib(() => vault.data.transactions({ userId: user, itemId: id }))],
        ['items.get', () => lib(() => vault.items.get({ userId: user, itemId: id }))],
        ['items.rotate', () => lib(() => vault.items.rotate({ userId: user, itemId: id }))],
        ['link.createLinkToken (update mode)', () => lib(() => vault.link.createLinkToken({ userId: user, itemId: id }))],
        ['items.remove', () => lib(() => vault.items.remove({ userId: user, itemId: id }), true)],
        ['items.delete', () => lib(() => vault.items.delete({ userId: user, itemId: id }), true)],
      ]);
    for (const [label, id] of variants) for (const [op, fn] of libOps(B, id)) await attempt('library', `${op}, ${label}`, fn);
    for (const [label, user] of users)
      for (const [op, fn] of libOps(user, itemId)) await attempt('library', `${op} as A's id, ${label}`, fn);
    await attempt('library', "items.list as B holds none of A's", async () => {
      const items = await vault.items.list(B);
      return { ok: items.some((i) => i.itemId === itemId), text: JSON.stringify(items) };
    });
    // B's trail holds B's own denied attempts on A's item (that is the point of it), never A's events.
    const foreign = (/** @type {{ itemId: string | null, outcome: string }[]} */ events) =>
      events.some((e) => e.itemId === itemId && e.outcome !== 'denied');
    await attempt('library', "audit.list for B shows none of A's events", async () => {
      const events = await vault.audit.list({ userId: B, limit: 1000 });
      return { ok: foreign(events), text: JSON.stringify(events) };
    });
    log(`library: ${perSurface.library} attempts`);

    // ---- plaid-vault serve (a backend with a service key acting for B)
    /** @param {import('../lib/http.js').Exchange} ex @param {boolean} [listing] */
    const judged = (ex, listing = false) => ({
      ok: listing ? ex.body.includes(itemId) : ex.status >= 200 && ex.status < 300,
      text: `${ex.head}\n${ex.body}`,
    });
    /** @param {(method: string, path: string, json?: unknown) => Promise<import('../lib/http.js').Exchange>} call */
    const httpOps = (call, prefix = '') =>
      /** @type {[string, (id: string) => Promise<{ ok: boolean, text: string }>][]} */ ([
        ['GET accounts', async (id) => judged(await call('GET', `${prefix}/items/${pathSegment(id)}/accounts`))],
        ['GET transactions', async (id) => judged(await call('GET', `${prefix}/items/${pathSegment(id)}/transactions`))],
        ['POST rotate', async (id) => judged(await call('POST', `${prefix}/items/${pathSegment(id)}/rotate`, {}))],
        ['DELETE item', async (id) => judged(await call('DELETE', `${prefix}/items/${pathSegment(id)}`))],
        ['POST link/token {itemId}', async (id) => judged(await call('POST', `${prefix}/link/token`, { itemId: id }))],
      ]);
    const asB = (/** @type {string} */ m, /** @type {string} */ p, /** @type {unknown} */ j) => api.call(B, m, p, j);
    for (const [label, id] of variants) {
      if (overTime()) break;
      for (const [op, fn] of httpOps(asB)) await attempt('serve', `${op}, ${label}`, () => fn(id));
    }
    // Variants of A's id in the user header (values HTTP would not trim to A's id, and that a client can send).
    for (const [label, user] of users.filter(([, u]) => u.trim() !== A && /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(u))) {
      await attempt('serve', `GET /items as user header ${label}`, async () => judged(await api.call(user, 'GET', '/items'), true));
      await attempt('serve', `GET accounts as user header ${label}`, async () =>
        judged(await api.call(user, 'GET', `/items/${itemId}/accounts`)),
      );
    }
    await attempt('serve', 'GET /items as B', async () => judged(await api.call(B, 'GET', '/items'), true));
    await attempt('serve', 'GET /audit as B', async () => {
      const ex = await api.call(B, 'GET', '/audit?limit=200');
      return { ok: ex.status === 200 && foreign(jsonOf(ex)?.events ?? []), text: ex.body };
    });
    const wrongKey = serveClient(serve.url, `pvk_${randomBytes(32).toString('base64url')}`);
    await attempt('serve', "A's accounts with a wrong service key", async () =>
      judged(await wrongKey.call(A, 'GET', `/items/${itemId}/accounts`)),
    );
    await attempt('serve', "A's accounts with no user header", async () =>
      judged(await api.call(null, 'GET', `/items/${itemId}/accounts`)),
    );
    log(`serve: ${perSurface.serve ?? 0} attempts`);

    // ---- the reference app (B signed in with its own session)
    const unavailable = await webUnavailable(web, log);
    if (unavailable) {
      tally.note(`web: skipped, ${unavailable}`);
    } else if (!overTime()) {
      const webDir = scope.tempDir('cross-web');
      const app = await startWebApp(scope, {
        WEB_DATA_DIR: webDir,
        VAULT_DATABASE_URL: `sqlite:${webDir}/vault.db`,
        VAULT_KEYS: makeKeys('w1'),
        SESSION_SECRET: randomBytes(32).toString('base64'),
        PLAID_ENV: 'emulator',
        PLAID_BASE_URL: sandbox.url,
        PLAID_CLIENT_ID: sandbox.clientId,
        PLAID_SECRET: sandbox.secret,
        VAULT_LOG_LEVEL: 'warn',
      });
      const victim = await webUser(app.url, `victim-${randomBytes(3).toString('hex')}@example.com`);
      const attacker = await webUser(app.url, `attacker-${randomBytes(3).toString('hex')}@example.com`);
      const linked = await victim.call('POST', '/api/link/sandbox', {});
      const webItem = jsonOf(linked)?.itemId;
      if (linked.status !== 201 || typeof webItem !== 'string') throw new Error(`web: link failed (${linked.status})`);
      const webAccounts = /** @type {{ accountId: string, name: string }[]} */ (
        jsonOf(await victim.call('GET', `/api/items/${webItem}/accounts`))?.accounts ?? []
      );
      // What B must never see: A's account ids and names (B has no bank, so no page of B's shows a name).
      const webSecrets = [...webAccounts.map((a) => a.accountId), ...new Set(webAccounts.map((a) => a.name))];
      secrets.push(...webSecrets);
      const webRow = async () => {
        const r = await victim.call('GET', '/api/items');
        return r.status === 200 && r.body.includes(webItem);
      };
      /** @param {string} what @param {() => Promise<{ ok: boolean, text: string }>} fn */
      const webAttempt = async (what, fn) => {
        // The app's own plaid-sandbox calls are not attributable per request here: judged on answers and effects.
        await attempt('web', what, fn, { plaidCheck: false });
        if (!(await webRow())) throw new Error(`web: A's item is gone after "${what}"`);
      };
      let webFive = 0;
      const webCall = async (/** @type {string} */ m, /** @type {string} */ p, /** @type {unknown} */ j, signedOut = false) => {
        const ex = await attacker.call(m, p, j, { signedOut });
        if (ex.status >= 500) webFive++;
        return ex;
      };
      for (const [label, id] of variants) {
        if (overTime()) break;
        for (const [op, fn] of httpOps((m, p, j) => webCall(m, p, j), '/api')) await webAttempt(`${op}, ${label}`, () => fn(id));
        await webAttempt(`page /items/:id, ${label}`, async () => {
          const ex = await webCall('GET', `/items/${pathSegment(id)}`);
          return { ok: ex.status === 200 && webSecrets.some((s) => ex.body.includes(s)), text: ex.body };
        });
      }
      for (const [op, fn] of httpOps((m, p, j) => webCall(m, p, j, true), '/api')) await webAttempt(`signed out: ${op}`, () => fn(webItem));
      tally.note(`web: ${perSurface.web ?? 0} attempts, ${webFive} answered 5xx (no access, so held here; issue 11 item 8)`);
      await app.stop();
    }
    tally.note(
      `${dialect}; attempts by surface: ${Object.entries(perSurface)
        .map(([s, k]) => `${s} ${k}`)
        .join(', ')}; ${variants.length} ways to name the item, ${users.length} variants of the owner's id`,
    );
  },
};
