// Secrets in logs, /metrics, audit, database dumps, Redis and the recovery
// journal. One deployment (PostgreSQL when reachable, a private redis-server,
// `plaid-vault serve` at VAULT_LOG_LEVEL=trace with /metrics on) goes through
// what a real one does: links, reads, transactions, rotations (HTTP and CLI),
// a Plaid 500, a damaged envelope, webhooks genuine and forged, a removal, and
// a rotation SIGKILLed after journaling its new token (Plaid's answer held in
// a proxy, the row locked so the write waits). Every real access token it
// ever held (read back with the vault's keys), the Plaid secret, the vault's
// keys, the service key and the metrics token, and any token-shaped string,
// are then searched in each artefact: every HTTP answer, serve's log, every
// CLI output, each database table, each Redis key and value, each journal
// file. One check = one secret or pattern in one artefact; held = not found.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startHoldProxy } from '../lib/hold-proxy.js';
import { send, takeExchanges } from '../lib/http.js';
import { forgeJwt, claims } from '../lib/jwt.js';
import { createLeakScanner } from '../lib/leaks.js';
import { cliJson, runCli } from '../lib/processes.js';
import { servedDeployment } from '../lib/served-deployment.js';
import { sleep, waitFor } from '../lib/scope.js';
import { redisDump, startPlaid, startRedisServer } from '../lib/services.js';
import { keyMaterial } from '../lib/vault-setup.js';

const INVALIDATE = '/item/access_token/invalidate';

/** The files of a directory, each as [name, latin1 text]. @param {string} dir @returns {[string, string][]} */
function files(dir) {
  try {
    return readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('latin1')]);
  } catch {
    return [];
  }
}

/** @type {import('../run.js').AdversarialClass} */
export default {
  id: 'leaks',
  label: 'secrets in logs, /metrics, audit, DB dumps, Redis, journal (checks)',
  budgetSeconds: { full: 90, quick: 60 },
  async run({ quick, scope, tally, log }) {
    const sandbox = await startPlaid(scope);
    const proxy = await startHoldProxy(scope, sandbox.url);
    const redis = await startRedisServer(scope);
    const { dialect, db, dep, serve, api } = await servedDeployment(scope, {
      name: 'leaks',
      plaid: { url: proxy.url, clientId: sandbox.clientId, secret: sandbox.secret },
      redisUrl: redis.url,
      namespace: `adv${randomBytes(4).toString('hex')}`,
      extra: { VAULT_LOG_LEVEL: 'trace' },
    });
    const vault = await dep.openVault();
    scope.defer(() => vault.close());
    /** @type {[string, string][]} */
    const artefacts = [];
    /** @type {Set<string>} */
    const tokens = new Set();
    /** @param {{ userId: string, itemId: string }} ref */
    const remember = async (ref) => tokens.add(await vault.withToken({ ...ref, purpose: 'adversarial.leaks' }, (t) => t.reveal()));
    /** @param {string} name @param {string[]} args */
    const cli = async (name, args) => {
      const r = await runCli(args, dep.env);
      artefacts.push([`CLI ${name}`, `${r.stdout}\n${r.stderr}`]);
      return r;
    };

    const refs = [];
    for (let i = 0; i < 4; i++) {
      const userId = `leak-user-${i}`;
      refs.push({ userId, itemId: await api.link(userId) });
    }
    const [r1, r2, r3, r4] = /** @type {{ userId: string, itemId: string }[]} */ (refs);
    if (!r1 || !r2 || !r3 || !r4) throw new Error('unreachable');
    for (const ref of refs) await remember(ref);
    for (const ref of [r1, r2, r3]) {
      await api.call(ref.userId, 'GET', `/items/${ref.itemId}/accounts`);
      await api.call(ref.userId, 'GET', `/items/${ref.itemId}/accounts`);
      await api.call(ref.userId, 'GET', `/items/${ref.itemId}/transactions`);
      await api.call(ref.userId, 'GET', '/items');
      await api.call(ref.userId, 'GET', '/audit');
    }
    // Rotations: over HTTP and by the CLI; the new tokens join the secrets.
    await api.call(r1.userId, 'POST', `/items/${r1.itemId}/rotate`);
    await cli('rotate --item', ['rotate', '--item', r2.itemId, '--json']);
    await remember(r1);
    await remember(r2);
    // Failures: a Plaid 500, and a damaged envelope opened by serve (never read before, so not cached) and by the CLI.
    sandbox.faults.failNext('/accounts/get', 500, 3);
    await api.call(r1.userId, 'GET', `/items/${r1.itemId}/accounts?fault=1`);
    sandbox.faults.clear();
    const envelope = Buffer.from(
      /** @type {Uint8Array} */ ((await db.query('select envelope from items where item_id = $1', [r4.itemId]))[0]?.envelope),
    );
    const damaged = Buffer.from(envelope);
    damaged[damaged.length - 30] = /** @type {number} */ (damaged[damaged.length - 30]) ^ 1;
    await db.query('update items set envelope = $1 where item_id = $2', [damaged, r4.itemId]);
    const damagedRead = await api.call(r4.userId, 'GET', `/items/${r4.itemId}/accounts`);
    await cli('rotate (damaged envelope)', ['rotate', '--item', r4.itemId, '--json', '--debug']);
    await db.query('update items set envelope = $1 where item_id = $2', [envelope, r4.itemId]);
    // Webhooks: one genuine, two forged.
    const hook = JSON.stringify({
      webhook_type: 'TRANSACTIONS',
      webhook_code: 'SYNC_UPDATES_AVAILABLE',
      item_id: r1.itemId,
      environment: 'sandbox',
    });
    const post = (/** @type {string} */ jwt) =>
      send(serve.url, {
        method: 'POST',
        path: '/webhooks/plaid',
        headers: { 'content-type': 'application/json', 'plaid-verification': jwt },
        body: hook,
      });
    await post(sandbox.signWebhook(hook));
    await post(forgeJwt({ alg: 'ES256', kid: randomUUID(), typ: 'JWT' }, claims(hook)));
    await post(sandbox.signWebhook(hook, { iat: 1 }));
    await send(serve.url, { path: '/metrics', headers: { authorization: `Bearer ${dep.metricsToken}` } });
    await send(serve.url, { path: '/healthz' });

    // The journal: a CLI rotation whose new token is journaled while its row write waits on a lock, then SIGKILLed.
    log('journal capture');
    const hold = proxy.hold(INVALIDATE);
    /** @type {import('node:child_process').ChildProcess | undefined} */
    let child;
    const rotating = runCli(['rotate', '--item', r3.itemId, '--json'], dep.env, { onSpawn: (c) => (child = c), timeoutMs: 60_000 });
    const reached = await Promise.race([hold.held.then(() => true), sleep(30_000).then(() => false)]);
    const lock = await db.lockItem(r3.itemId);
    const released = Date.now();
    hold.release();
    // The new token is journaled before the row write, so a write waiting on the lock proves the record is on disk
    // (PostgreSQL tells; on SQLite, a journal file newer than the release and a pause stand in).
    let journaled = false;
    if (reached) {
      journaled = await waitFor(
        async () =>
          (await lock.blocked()) ?? readdirSync(dep.recoveryDir).some((f) => statSync(join(dep.recoveryDir, f)).mtimeMs > released),
        15_000,
        'the journaled token',
      ).catch(() => false);
      if ((await lock.blocked()) === null) await sleep(500);
    }
    child?.kill('SIGKILL');
    const killed = await rotating;
    artefacts.push(['CLI rotate (killed)', `${killed.stdout}\n${killed.stderr}`]);
    for (const [f, text] of files(dep.recoveryDir)) artefacts.push([`journal file ${f} (rotation killed after journaling)`, text]);
    // On PostgreSQL the dead client's UPDATE still runs once the lock goes (the server finishes a statement it
    // was waiting to run): recovery then finds the row already moved on, which is also correct.
    await lock.unlock();
    const recovered = await cli('recover', ['recover', '--json']);
    const report = cliJson(recovered) ?? {};
    await remember(r3);
    await api.call(r3.userId, 'GET', `/items/${r3.itemId}/accounts`);
    await api.call(r2.userId, 'DELETE', `/items/${r2.itemId}`);
    await send(serve.url, { path: '/metrics', headers: { authorization: `Bearer ${dep.metricsToken}` } });

    await cli('audit', ['audit', '--limit', '1000', '--json']);
    if (!quick) {
      await cli('items list', ['items', 'list', '--json']);
      await cli('audit --verify', ['audit', '--verify', '--json']);
      await cli('doctor', ['doctor', '--json']);
    }
    await vault.audit.flush();
    await serve.stop();

    // Collect, then scan everything for everything.
    for (const ex of takeExchanges())
      artefacts.push([`HTTP ${ex.method} ${ex.path.slice(0, 50)} -> ${ex.status}`, `${ex.head}\n${ex.body}`]);
    artefacts.push(['serve log', serve.output()]);
    for (const block of (await db.dump()).split(/^-- /m).filter(Boolean)) artefacts.push([`database table ${block.split('\n')[0]}`, block]);
    for (const { key, text } of await redisDump(redis.url)) artefacts.push([`Redis key ${key.slice(0, 40)}`, text]);
    for (const [f, text] of files(dep.recoveryDir)) artefacts.push([`journal file ${f} (after recovery)`, text]);

    // Control: the scanner finds a token where there is one.
    const control = createLeakScanner();
    control.add('access token', [...tokens][0] ?? '');
    if (!control.scan('control', `x ${[...tokens][0]} y`).includes('access token in control'))
      throw new Error('control: the scan missed a planted token');

    const scanner = createLeakScanner();
    for (const t of tokens) scanner.add('access token', t);
    scanner.add('Plaid secret', sandbox.secret);
    scanner.add('service key', dep.apiKey);
    scanner.add('metrics token', dep.metricsToken);
    keyMaterial(dep.keys).forEach((k) => scanner.add('vault key', k));
    /** @type {Record<string, number>} */
    const kinds = {};
    for (const [name, text] of artefacts) {
      const kind = name.split(' ')[0] ?? name;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      const before = scanner.stats().checks;
      const found = scanner.scan(name, text);
      const checks = scanner.stats().checks - before;
      for (let i = 0; i < checks; i++) tally.attempt(i >= found.length, found[i] ?? name);
    }
    const { checks, findings } = scanner.stats();
    tally.note(
      `${checks} checks: ${scanner.secretCount()} secrets (${tokens.size} access tokens, old and new) + 2 token shapes, in ${artefacts.length} artefacts (${Object.entries(
        kinds,
      )
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}); ${findings.length} found; ${dialect}, VAULT_LOG_LEVEL=trace`,
    );
    tally.note(
      `damaged envelope through serve: ${damagedRead.status}; journal: ${journaled ? 'a record holding a new token was on disk when the rotation was killed' : 'the capture did not land (no token record seen)'}; ` +
        `recover: ${JSON.stringify(report)}`,
    );
  },
};
