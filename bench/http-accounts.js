// GET /api/items/:id/accounts through the production Next.js server (session
// cookie, vault HTTP API, token cache, audit, Plaid SDK call to the emulator),
// through the vault's standalone Hono app (same route, a fixed user: no Next.js,
// no session), and the emulator's /accounts/get called directly, same machine,
// same run. Hono − direct is what the vault adds; Next.js − Hono is the app's share.
//
// What the vault itself adds inside Next.js is measured against a baseline in
// the same server: /api/test-only/baseline-accounts, the route an app without
// plaid-vault would hand-write (session check, the token from memory, the SDK,
// the same projection). Both are measured two ways at 64 connections: closed
// loop (each connection sends as soon as its last answer came, so the server
// is saturated and latency is mostly queueing: 64 / throughput), and at a
// fixed rate of half the vault route's closed-loop throughput, spread over the
// same 64 connections (latency from each request's scheduled time, so a stall
// is not hidden by the requests it delayed).
//
//   node bench/http-accounts.js [--seconds 5] [--connections 64]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, URLSearchParams } from 'node:url';
import { ensureAppBuilt } from '../apps/web/scripts/build.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const APP = join(ROOT, 'apps/web');
// `--seconds 5` or `--seconds=5` (bench/run.js passes only dash arguments through).
const arg = (name, def) => {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return Number(eq.split('=')[1]);
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg('seconds', 5);
const CONNECTIONS = arg('connections', 64);

/** `n` distinct free ports: all listeners are held open until every port is known, so two calls cannot get the same one. */
async function freePorts(n) {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise((resolve) => {
          const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function startProcess(args, env) {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  return {
    child,
    stop: () => {
      if (child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    },
  };
}

async function waitFor(check, what) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not start within 60 s`);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

/** One request; resolves with [status, body]. */
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve([res.statusCode, Buffer.concat(chunks).toString('utf8'), res.headers]));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `connections` loops, each issuing requests back to back for `seconds`. */
async function load(makeRequest, seconds, connections = CONNECTIONS) {
  const latencies = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const t = process.hrtime.bigint();
      const [status] = await makeRequest();
      if (status !== 200) errors++;
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  return stats(latencies, errors, (performance.now() - started) / 1000);
}

/** Requests, errors, req/s, p50 and p99; the raw latencies ride along, unenumerable (kept out of the JSON). */
function stats(latencies, errors, elapsedSeconds) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const result = { requests: sorted.length, errors, reqPerSec: sorted.length / elapsedSeconds, p50Ms: pct(50), p99Ms: pct(99) };
  return Object.defineProperties(result, { latencies: { value: sorted }, seconds: { value: elapsedSeconds } });
}

/**
 * `rate` requests per second in all, request k due at start + k / rate and sent
 * by connection k mod `connections`. Latency counts from the due time: a
 * connection still waiting on its previous answer sends late, and that wait is
 * part of the latency (no coordinated omission).
 */
async function loadAtRate(makeRequest, seconds, rate, connections = CONNECTIONS) {
  const latencies = [];
  let errors = 0;
  const total = Math.max(connections, Math.round(seconds * rate));
  const start = performance.now() + 20;
  const worker = async (c) => {
    for (let k = c; k < total; k += connections) {
      const due = start + (k * 1000) / rate;
      // Idle connection: wait for the due time and count from the actual send (a timer
      // fires up to a millisecond off, which is not the server's doing). Busy past it:
      // count from the due time, so the wait the server caused is in the latency.
      const idle = due > performance.now();
      while (due > performance.now()) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      const from = idle ? performance.now() : due;
      const [status] = await makeRequest();
      if (status !== 200) errors++;
      latencies.push(performance.now() - from);
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, c) => worker(c)));
  return stats(latencies, errors, (performance.now() - start) / 1000);
}

/** Two paths in alternating slices (A B B A), each path's latencies pooled: machine drift hits both alike. */
async function paired(run, a, b, seconds) {
  const slice = seconds / 2;
  const parts = { a: [], b: [] };
  for (const [name, fn] of [
    ['a', a],
    ['b', b],
    ['b', b],
    ['a', a],
  ])
    parts[name].push(await run(fn, slice));
  const pool = (rs) =>
    stats(
      rs.flatMap((r) => r.latencies),
      rs.reduce((n, r) => n + r.errors, 0),
      rs.reduce((t, r) => t + r.seconds, 0),
    );
  return [pool(parts.a), pool(parts.b)];
}

async function main() {
  // The test build: the production build plus the test-only baseline route (DECISIONS 33).
  ensureAppBuilt(APP, { test: true, log: console.error });
  const dir = mkdtempSync(join(tmpdir(), 'pv-bench-http-'));
  const [sandboxPort, webPort] = await freePorts(2);
  const creds = { 'PLAID-CLIENT-ID': 'bench_client', 'PLAID-SECRET': randomBytes(12).toString('hex') };
  const plaidUrl = `http://127.0.0.1:${sandboxPort}`;
  const web = `http://127.0.0.1:${webPort}`;
  // The emulator runs in its own process so it competes with neither the server nor the load loop.
  const sandbox = startProcess(
    [
      join(ROOT, 'packages/plaid-sandbox/dist/cli.js'),
      '--port',
      String(sandboxPort),
      '--client-id',
      creds['PLAID-CLIENT-ID'],
      '--secret',
      creds['PLAID-SECRET'],
    ],
    {},
  );
  const plaid = (path, body) =>
    request(`${plaidUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...creds },
      body: JSON.stringify(body),
    });
  let server = null;
  let hono = null;
  try {
    await waitFor(
      async () => (await plaid('/institutions/get_by_id', { institution_id: 'ins_109508', country_codes: ['US'] }))[0] === 200,
      'plaid-sandbox',
    );
    // The same call without the vault: a token straight from the emulator, for the direct
    // calls and for the hand-written baseline route (which holds it in memory).
    const [, pub] = await plaid('/sandbox/public_token/create', { institution_id: 'ins_109508', initial_products: ['transactions'] });
    const [, exchanged] = await plaid('/item/public_token/exchange', { public_token: JSON.parse(pub).public_token });
    const directToken = JSON.parse(exchanged).access_token;
    server = startProcess([join(APP, 'scripts/start.js')], {
      PORT: String(webPort),
      NODE_ENV: 'production',
      WEB_DATA_DIR: dir,
      VAULT_DATABASE_URL: `sqlite:${join(dir, 'vault.db')}`,
      VAULT_KEYS: `bench1:${randomBytes(32).toString('base64')}`,
      SESSION_SECRET: randomBytes(32).toString('base64'),
      PLAID_ENV: 'emulator',
      PLAID_BASE_URL: plaidUrl,
      PLAID_CLIENT_ID: creds['PLAID-CLIENT-ID'],
      PLAID_SECRET: creds['PLAID-SECRET'],
      VAULT_LOG_LEVEL: 'warn',
      WEB_TEST_BUILD: '1',
      WEB_TEST_ROUTES: '1',
      WEB_BENCH_BASELINE_TOKEN: directToken,
    });
    await waitFor(async () => (await request(`${web}/signin`))[0] === 200, 'the web server');

    // A signed-in user with one bank, through the app's own routes.
    const form = new URLSearchParams({
      email: `bench-${randomBytes(4).toString('hex')}@example.com`,
      password: 'bench password 1',
    }).toString();
    const [, , signup] = await request(`${web}/auth/signup`, {
      method: 'POST',
      headers: { origin: web, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    const cookie = String(signup['set-cookie']).split(';')[0];
    const [linkStatus, linked] = await request(`${web}/api/link/sandbox`, {
      method: 'POST',
      headers: { origin: web, cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    if (linkStatus !== 201) throw new Error(`link failed: ${linkStatus}`);
    const { itemId } = JSON.parse(linked);

    const directBody = JSON.stringify({ access_token: directToken });
    const direct = () =>
      request(`${plaidUrl}/accounts/get`, { method: 'POST', headers: { 'content-type': 'application/json', ...creds }, body: directBody });
    const viaNext = () => request(`${web}/api/items/${encodeURIComponent(itemId)}/accounts`, { headers: { cookie } });
    const baseline = () => request(`${web}/api/test-only/baseline-accounts`, { headers: { cookie } });
    {
      // Same data both ways (the emulator's accounts for the same institution), or the comparison means nothing.
      const [vs, vb] = await viaNext();
      const [bs, bb] = await baseline();
      const names = (body) =>
        JSON.parse(body)
          .accounts.map((a) => a.name)
          .join();
      if (vs !== 200 || bs !== 200 || names(vb) !== names(bb)) throw new Error(`baseline route differs from the vault route: ${vs}/${bs}`);
    }
    // Next.js + the HTTP app with no vault work (an unknown /api route): separates the framework's cost from the vault's.
    const floor = () => request(`${web}/api/bench-floor`, { headers: { cookie } }).then(([s, b, h]) => [s === 404 ? 200 : s, b, h]);

    hono = await startHonoChild({ plaidUrl, creds });
    const viaHono = () => request(`${hono.url}/api/items/${encodeURIComponent(hono.itemId)}/accounts`);

    await load(direct, 1); // warm-up: JIT, sockets, the vault's token cache
    await load(viaNext, 1);
    await load(viaHono, 1);
    await load(baseline, 1);
    const sandboxResult = await load(direct, SECONDS);
    const honoResult = await load(viaHono, SECONDS);
    const nextResult = await load(viaNext, SECONDS);
    const floorResult = await load(floor, SECONDS);
    // The vault's own share inside Next.js: vault route vs hand-written route, same server.
    const [pairNext, pairBaseline] = await paired(load, viaNext, baseline, SECONDS);
    const rate = Math.max(50, Math.round(pairNext.reqPerSec / 2 / 10) * 10);
    const atRate = (fn, seconds) => loadAtRate(fn, seconds, rate);
    // Twice as long as the closed-loop runs: at a fixed rate each second holds fewer requests, and p99 needs samples.
    const rateDirect = await atRate(direct, 2 * SECONDS);
    const [rateNext, rateBaseline] = await paired(atRate, viaNext, baseline, 2 * SECONDS);
    const diff = (a, b) => ({ p50Ms: a.p50Ms - b.p50Ms, p99Ms: a.p99Ms - b.p99Ms });
    const added = diff(nextResult, sandboxResult);
    const addedVault = diff(honoResult, sandboxResult);
    const addedNext = diff(nextResult, honoResult);
    // One connection: no queueing, so the difference is the per-request cost itself.
    const serialSeconds = Math.min(SECONDS, 3);
    const serialSandbox = await load(direct, serialSeconds, 1);
    const serialHono = await load(viaHono, serialSeconds, 1);
    const serialNext = await load(viaNext, serialSeconds, 1);
    const serialBaseline = await load(baseline, serialSeconds, 1);
    const serialAdded = diff(serialNext, serialSandbox);
    const serialAddedVault = diff(serialHono, serialSandbox);
    const serialAddedNext = diff(serialNext, serialHono);

    const f = (n) => n.toFixed(2);
    console.log(`\n### GET /items/:id/accounts — ${CONNECTIONS} connections, ${SECONDS} s each\n`);
    console.log('| path | req/s | p50 ms | p99 ms | errors |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(
      `| plaid-sandbox /accounts/get (direct) | ${sandboxResult.reqPerSec.toFixed(0)} | ${f(sandboxResult.p50Ms)} | ${f(sandboxResult.p99Ms)} | ${sandboxResult.errors} |`,
    );
    console.log(
      `| vault Hono app /api/items/:id/accounts (standalone, no Next.js) | ${honoResult.reqPerSec.toFixed(0)} | ${f(honoResult.p50Ms)} | ${f(honoResult.p99Ms)} | ${honoResult.errors} |`,
    );
    console.log(
      `| Next.js /api/items/:id/accounts | ${nextResult.reqPerSec.toFixed(0)} | ${f(nextResult.p50Ms)} | ${f(nextResult.p99Ms)} | ${nextResult.errors} |`,
    );
    console.log(
      `| Next.js + HTTP app floor (unknown /api route, no vault work) | ${floorResult.reqPerSec.toFixed(0)} | ${f(floorResult.p50Ms)} | ${f(floorResult.p99Ms)} | ${floorResult.errors} |`,
    );
    console.log(`| added by the vault (Hono row − direct row) | | ${f(addedVault.p50Ms)} | ${f(addedVault.p99Ms)} | |`);
    console.log(`| added by Next.js + session (Next.js row − Hono row) | | ${f(addedNext.p50Ms)} | ${f(addedNext.p99Ms)} | |`);
    console.log(`| **added by app + vault** (Next.js row − direct row) | | **${f(added.p50Ms)}** | **${f(added.p99Ms)}** | |`);
    console.log(`\nOne connection (no queueing):\n`);
    console.log('| path | req/s | p50 ms | p99 ms |');
    console.log('| --- | ---: | ---: | ---: |');
    console.log(`| direct | ${serialSandbox.reqPerSec.toFixed(0)} | ${f(serialSandbox.p50Ms)} | ${f(serialSandbox.p99Ms)} |`);
    console.log(`| vault Hono app | ${serialHono.reqPerSec.toFixed(0)} | ${f(serialHono.p50Ms)} | ${f(serialHono.p99Ms)} |`);
    console.log(`| Next.js | ${serialNext.reqPerSec.toFixed(0)} | ${f(serialNext.p50Ms)} | ${f(serialNext.p99Ms)} |`);
    console.log(`| added by the vault (Hono − direct) | | ${f(serialAddedVault.p50Ms)} | ${f(serialAddedVault.p99Ms)} |`);
    console.log(`| added by Next.js + session (Next.js − Hono) | | ${f(serialAddedNext.p50Ms)} | ${f(serialAddedNext.p99Ms)} |`);
    console.log(`| **added** (Next.js − direct) | | **${f(serialAdded.p50Ms)}** | **${f(serialAdded.p99Ms)}** |`);
    const row = (label, r) => `| ${label} | ${r.reqPerSec.toFixed(0)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${r.errors} |`;
    const addedRow = (label, d, bold = false) => {
      const b = (x) => (bold ? `**${f(x)}**` : f(x));
      return `| ${label} | | ${b(d.p50Ms)} | ${b(d.p99Ms)} | |`;
    };
    const pairAdded = diff(pairNext, pairBaseline);
    const rateAdded = diff(rateNext, rateBaseline);
    const rateAddedApp = diff(rateNext, rateDirect);
    const serialAddedInNext = diff(serialNext, serialBaseline);
    console.log(`\n### Inside Next.js: the vault route vs a hand-written route, same server\n`);
    console.log('| load | req/s | p50 ms | p99 ms | errors |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(row(`vault route, ${CONNECTIONS} connections, closed loop`, pairNext));
    console.log(row(`hand-written route, ${CONNECTIONS} connections, closed loop`, pairBaseline));
    console.log(addedRow('added by the vault, closed loop (vault − hand-written)', pairAdded, true));
    console.log(row(`direct, ${rate} req/s over ${CONNECTIONS} connections`, rateDirect));
    console.log(row(`vault route, ${rate} req/s over ${CONNECTIONS} connections`, rateNext));
    console.log(row(`hand-written route, ${rate} req/s over ${CONNECTIONS} connections`, rateBaseline));
    console.log(addedRow(`added by the vault at ${rate} req/s (vault − hand-written)`, rateAdded, true));
    console.log(addedRow(`added by app + vault at ${rate} req/s (vault route − direct)`, rateAddedApp));
    console.log(row('vault route, 1 connection', serialNext));
    console.log(row('hand-written route, 1 connection', serialBaseline));
    console.log(addedRow('added by the vault, 1 connection (vault − hand-written)', serialAddedInNext, true));
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(
      join(ROOT, 'bench/results/http-accounts.json'),
      JSON.stringify(
        {
          connections: CONNECTIONS,
          seconds: SECONDS,
          sandbox: sandboxResult,
          hono: honoResult,
          next: nextResult,
          addedMs: added,
          addedByVaultMs: addedVault,
          addedByNextMs: addedNext,
          serial: {
            sandbox: serialSandbox,
            hono: serialHono,
            next: serialNext,
            addedMs: serialAdded,
            addedByVaultMs: serialAddedVault,
            addedByNextMs: serialAddedNext,
          },
          insideNext: {
            closedLoop: { vault: pairNext, handWritten: pairBaseline, addedByVaultMs: pairAdded },
            fixedRate: {
              reqPerSec: rate,
              direct: rateDirect,
              vault: rateNext,
              handWritten: rateBaseline,
              addedByVaultMs: rateAdded,
              addedByAppAndVaultMs: rateAddedApp,
            },
            serial: { vault: serialNext, handWritten: serialBaseline, addedByVaultMs: serialAddedInNext },
          },
          at: new Date().toISOString(),
        },
        null,
        2,
      ),
    );
  } finally {
    agent.destroy();
    hono?.stop();
    server?.stop();
    sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Start this file again in child mode and read the one JSON line it prints
 * (`{ url, itemId }`) once its vault has linked an item at the emulator.
 */
async function startHonoChild({ plaidUrl, creds }) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--hono-child'], {
    env: {
      PATH: process.env.PATH,
      BENCH_PLAID_URL: plaidUrl,
      BENCH_PLAID_CLIENT_ID: creds['PLAID-CLIENT-ID'],
      BENCH_PLAID_SECRET: creds['PLAID-SECRET'],
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const stop = () => {
    if (child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  try {
    const line = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('the Hono app did not start within 60 s')), 60_000);
      child.stdout.on('data', (c) => {
        out += c.toString('utf8');
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.slice(0, out.indexOf('\n')));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the Hono app exited (${code})`));
      });
    });
    return { ...JSON.parse(line), stop };
  } catch (err) {
    stop();
    throw err;
  }
}

/** The child: a vault on its own SQLite file, `createHttpApp` with a fixed user, `startHttpServer`. */
async function runHonoChild() {
  const { createVault } = await import('../packages/vault/dist/index.js');
  const { createHttpApp, startHttpServer } = await import('../packages/vault/dist/http/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'pv-bench-hono-'));
  const vault = await createVault({
    database: `sqlite:${join(dir, 'vault.db')}`,
    dataDir: dir,
    recoveryDir: join(dir, 'recovery'),
    keys: `bench1:${randomBytes(32).toString('base64')}`,
    logLevel: 'warn',
    plaid: {
      env: 'emulator',
      baseUrl: process.env.BENCH_PLAID_URL,
      clientId: process.env.BENCH_PLAID_CLIENT_ID,
      secret: process.env.BENCH_PLAID_SECRET,
    },
  });
  const userId = 'bench-user';
  const { itemId } = await vault.link.sandboxLink({ userId });
  const app = createHttpApp({ vault, basePath: '/api', getUserId: async () => userId });
  const server = await startHttpServer({ app, port: 0 });
  process.stdout.write(`${JSON.stringify({ url: server.url, itemId })}\n`);
  process.once('SIGTERM', async () => {
    await server.close();
    await vault.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  await new Promise(() => {}); // serve until SIGTERM
}

// `--hono-child`: the standalone vault HTTP app, in its own process as the Next.js server is.
(process.argv[2] === '--hono-child' ? runHonoChild : main)().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
