#!/usr/bin/env node
// `plaid-vault rotate --older-than 90d` on N items (default 10,000) against
// plaid-sandbox with a 2% injected error rate on /item/access_token/invalidate,
// through the real CLI binary. Afterwards every item must be rotated or
// reported (failed by code, or relink_required), and none lost: each stored
// token is checked at the sandbox with /item/get.
//   node bench/rotate-many.js [--size N] [--concurrency C] [--error-rate 0.02]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { Configuration, PlaidApi, Products } from 'plaid';
import { startSandbox } from '../packages/plaid-sandbox/dist/index.js';
import { seal } from '../packages/vault/dist/crypto/envelope.js';
import { parseKeyring } from '../packages/vault/dist/crypto/keyring.js';
import { createVault } from '../packages/vault/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', 'packages', 'vault', 'dist', 'cli', 'main.js');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SIZE = arg('size', 10_000);
const CONCURRENCY = arg('concurrency', 32);
const ERROR_RATE = arg('error-rate', 0.02);
const DAY = 86_400_000;

/** Run `fn` over 0..n-1 with `limit` in flight. */
async function pool(n, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

function runCli(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'pv-bench-rotate-'));
const dbFile = join(dir, 'vault.db');
const keys = `k1:${randomBytes(32).toString('base64')}`;
const sandbox = await startSandbox({ port: 0 });
const plaid = new PlaidApi(
  new Configuration({
    basePath: sandbox.url,
    baseOptions: { headers: { 'PLAID-CLIENT-ID': sandbox.clientId, 'PLAID-SECRET': sandbox.secret } },
  }),
);
const plaidConfig = { env: 'emulator', baseUrl: sandbox.url, clientId: sandbox.clientId, secret: sandbox.secret };
const vault = await createVault({
  database: `sqlite:${dbFile}`,
  keys,
  recoveryDir: join(dir, 'recovery-bench'),
  plaid: plaidConfig,
  cache: { l1: { max: 0 } },
});
try {
  // 1. N linked items, sealed into the vault's table directly (one transaction, 100 days old):
  //    the setup is not what is measured.
  const items = new Array(SIZE);
  const t0 = Date.now();
  await pool(SIZE, 32, async (i) => {
    const pub = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: [Products.Transactions] });
    const ex = await plaid.itemPublicTokenExchange({ public_token: pub.data.public_token });
    items[i] = { userId: `user-${i % 500}`, itemId: ex.data.item_id, accessToken: ex.data.access_token };
  });
  const keyring = parseKeyring(keys);
  const old = Date.now() - 100 * DAY;
  const db = new BetterSqlite3(dbFile);
  const insert = db.prepare(
    `insert into items (item_id, user_id, products, status, kid, envelope, token_version, needs_sync, created_at, updated_at)
     values (?, ?, '["transactions"]', 'active', ?, ?, 1, 0, ?, ?)`,
  );
  db.transaction(() => {
    for (const it of items) insert.run(it.itemId, it.userId, keyring.activeKid, seal(keyring, it, it.accessToken), old, old);
  })();
  db.close();
  for (const it of items) delete it.accessToken;
  const setupSeconds = (Date.now() - t0) / 1000;

  // 3. The CLI run under faults.
  sandbox.faults.set({ errorRates: { '/item/access_token/invalidate': { status: 500, rate: ERROR_RATE } }, seed: 7 });
  const started = Date.now();
  const env = {
    VAULT_DATABASE_URL: `sqlite:${dbFile}`,
    VAULT_KEYS: keys,
    VAULT_RECOVERY_DIR: join(dir, 'recovery'),
    PLAID_ENV: 'emulator',
    PLAID_BASE_URL: sandbox.url,
    PLAID_CLIENT_ID: sandbox.clientId,
    PLAID_SECRET: sandbox.secret,
  };
  const run = await runCli(['rotate', '--older-than', '90d', '--concurrency', String(CONCURRENCY), '--json'], env);
  const seconds = (Date.now() - started) / 1000;
  sandbox.faults.clear();
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    throw new Error(`rotate printed no JSON (exit ${run.code}): ${run.stderr.slice(0, 500)}`);
  }

  // 4. Zero lost: every item's stored token works at Plaid, or the item is marked relink_required.
  let lost = 0;
  let relink = 0;
  await pool(SIZE, 32, async (i) => {
    const { userId, itemId } = items[i];
    try {
      await vault.withToken({ userId, itemId, purpose: 'bench.check' }, (token) => plaid.itemGet({ access_token: token.reveal() }));
    } catch {
      const row = (await vault.items.list(userId)).find((s) => s.itemId === itemId);
      if (row?.status === 'relink_required') relink++;
      else lost++;
    }
  });

  const accounted = report.rotated + report.relinkRequired + report.failed.length;
  const result = {
    items: SIZE,
    concurrency: CONCURRENCY,
    errorRate: ERROR_RATE,
    seconds: +seconds.toFixed(1),
    itemsPerSec: Math.round(SIZE / seconds),
    considered: report.considered,
    rotated: report.rotated,
    relinkRequired: report.relinkRequired,
    failed: report.failed.length,
    failedByCode: report.failedByCode,
    accounted,
    lost,
    exitCode: run.code,
    setupSeconds: +setupSeconds.toFixed(1),
  };
  console.log(
    `${SIZE} items (SQLite), plaid-sandbox with ${ERROR_RATE * 100}% 500s on invalidate, concurrency ${CONCURRENCY}; setup ${result.setupSeconds} s\n`,
  );
  console.log('| items | seconds | items/s | rotated | relink_required | failed (by code) | accounted | lost |');
  console.log('| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
  console.log(
    `| ${SIZE} | ${result.seconds} | ${result.itemsPerSec} | ${result.rotated} | ${result.relinkRequired} | ${result.failed} (${
      Object.entries(report.failedByCode)
        .map(([c, n]) => `${c}: ${n}`)
        .join(', ') || '-'
    }) | ${accounted} | ${lost} |`,
  );
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'rotate-many.json'), `${JSON.stringify({ ...result, date: new Date().toISOString() }, null, 2)}\n`);
  if (lost > 0 || accounted !== SIZE || report.considered !== SIZE) {
    console.error(`FAILED: ${lost} lost, ${accounted} of ${SIZE} accounted for`);
    process.exitCode = 1;
  }
  void relink;
} finally {
  await vault.close();
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
