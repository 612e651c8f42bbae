// Benchmark (issue 11): what VAULT_AUDIT_MODE costs a token use on an L1 hit.
// Rows: an awaited Map.get of the token (the floor any in-process cache pays);
// vault.withToken on an L1 hit in buffered mode (the default: the audit event
// is only buffered), SQLite; the same in strict mode, where every call waits
// for its own event to be committed, on SQLite and PostgreSQL, one call at a
// time and 64 at a time (concurrent calls share one append). The paths run
// interleaved in blocks so machine noise hits them alike. At the end every
// event recorded must be in the database: the row count is checked.
// Usage: node bench/audit-modes.js [--ops 200000] [--strict-ops 2000] [--blocks 20] [--buffered-only]
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createVault, silentLogger } from '../packages/vault/dist/index.js';
import { createStore } from '../packages/vault/dist/store/create-store.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const OPS = arg('ops', 200_000);
const STRICT_OPS = arg('strict-ops', 2000);
const BLOCKS = arg('blocks', 20);
const CONCURRENCY = 64;
const BUFFERED_ONLY = process.argv.includes('--buffered-only');
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ITEMS = 100;

const itemId = (i) => `item-${String(i % ITEMS).padStart(4, '0')}`;
const userId = (i) => `user-${String(i % ITEMS).padStart(4, '0')}`;
function fakeToken() {
  const h = randomBytes(16).toString('hex');
  return `access-sandbox-${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function summary(lat, elapsedMs) {
  const sorted = Float64Array.from(lat).sort();
  return {
    ops: sorted.length,
    opsPerSec: Math.round(sorted.length / (elapsedMs / 1000)),
    p50Us: +percentile(sorted, 50).toFixed(3),
    p99Us: +percentile(sorted, 99).toFixed(3),
  };
}

async function openVault(database, mode) {
  const keys = `k1:${randomBytes(32).toString('base64')}`;
  const audit = mode === 'strict' ? { audit: { mode } } : {};
  const vault = await createVault({ database, keys, logger: silentLogger, redis: null, ...audit });
  const tokens = Array.from({ length: ITEMS }, fakeToken);
  for (let i = 0; i < ITEMS; i++) await vault.items.put({ userId: userId(i), itemId: itemId(i), accessToken: tokens[i] });
  // Warm L1 and check the tokens.
  for (let i = 0; i < ITEMS; i++) {
    const len = await vault.withToken({ userId: userId(i), itemId: itemId(i), purpose: 'bench' }, (t) => t.reveal().length);
    if (len !== tokens[i].length) throw new Error('wrong token');
  }
  return {
    vault,
    tokens,
    use: (i) => vault.withToken({ userId: userId(i), itemId: itemId(i), purpose: 'bench' }, (t) => t.reveal().length),
  };
}

/** Interleaved blocks of sequential calls; returns a summary per path. */
async function sequential(paths, ops) {
  const names = Object.keys(paths);
  const lat = Object.fromEntries(names.map((n) => [n, []]));
  const elapsed = Object.fromEntries(names.map((n) => [n, 0]));
  const perBlock = Math.ceil(ops / BLOCKS);
  for (let b = 0; b < BLOCKS; b++) {
    for (const name of b % 2 === 0 ? names : [...names].reverse()) {
      const fn = paths[name];
      const started = performance.now();
      for (let i = 0; i < perBlock; i++) {
        const t0 = performance.now();
        await fn(i);
        lat[name].push((performance.now() - t0) * 1000);
      }
      elapsed[name] += performance.now() - started;
      // Untimed: let the audit timer run, as a server does between requests. A
      // loop of L1 hits alone never yields (each await is a microtask), so the
      // buffer would only grow (see docs/DECISIONS.md 2).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return Object.fromEntries(names.map((n) => [n, summary(lat[n], elapsed[n])]));
}

/** `ops` calls, CONCURRENCY in flight at a time. */
async function concurrent(fn, ops) {
  const lat = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ops) {
        const i = next++;
        const t0 = performance.now();
        await fn(i);
        lat.push((performance.now() - t0) * 1000);
      }
    }),
  );
  return summary(lat, performance.now() - started);
}

async function countEvents(database) {
  const store = createStore({ ...database, logger: silentLogger });
  try {
    return (await store.listAudit({ limit: 1 }))[0]?.seq ?? 0;
  } finally {
    await store.close();
  }
}

async function postgresSchema() {
  const schema = `bench_audit_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
  } catch {
    await admin.end().catch(() => {});
    return undefined;
  }
  await admin.end();
  return {
    database: { url: DATABASE_URL, schema },
    async drop() {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'pv-bench-audit-'));
const rows = [];
const checks = [];
try {
  const map = new Map(Array.from({ length: ITEMS }, (_, i) => [itemId(i), fakeToken()]));
  const get = async (key) => map.get(key);
  const bufferedDb = { url: `sqlite:${join(dir, 'buffered.db')}` };
  const buffered = await openVault(bufferedDb, 'buffered');
  const strictDb = { url: `sqlite:${join(dir, 'strict.db')}` };
  const strict = BUFFERED_ONLY ? undefined : await openVault(strictDb, 'strict');

  const fast = await sequential({ mapGet: async (i) => (await get(itemId(i))).length, buffered: buffered.use }, OPS);
  rows.push(['awaited Map.get', 'sequential', fast.mapGet], ['withToken L1 hit, buffered, SQLite', 'sequential', fast.buffered]);
  if (strict) {
    const slow = await sequential({ strict: strict.use }, STRICT_OPS);
    rows.push(['withToken L1 hit, strict, SQLite', 'sequential', slow.strict]);
    rows.push(['withToken L1 hit, strict, SQLite', `${CONCURRENCY}-way`, await concurrent(strict.use, STRICT_OPS * 5)]);
  }
  for (const [name, v, db, calls] of [
    ['buffered', buffered, bufferedDb, OPS + ITEMS],
    ...(strict ? [['strict', strict, strictDb, STRICT_OPS + STRICT_OPS * 5 + ITEMS]] : []),
  ]) {
    await v.vault.close();
    checks.push({ mode: `${name}, SQLite`, tokenUses: calls, eventsStored: (await countEvents(db)) - ITEMS });
  }

  const pgTarget = BUFFERED_ONLY ? undefined : await postgresSchema();
  if (pgTarget) {
    try {
      const strictPg = await openVault(pgTarget.database, 'strict');
      const slow = await sequential({ strict: strictPg.use }, STRICT_OPS);
      rows.push(['withToken L1 hit, strict, PostgreSQL', 'sequential', slow.strict]);
      rows.push(['withToken L1 hit, strict, PostgreSQL', `${CONCURRENCY}-way`, await concurrent(strictPg.use, STRICT_OPS * 5)]);
      await strictPg.vault.close();
      checks.push({
        mode: 'strict, PostgreSQL',
        tokenUses: STRICT_OPS * 6 + ITEMS,
        eventsStored: (await countEvents(pgTarget.database)) - ITEMS,
      });
    } finally {
      await pgTarget.drop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const floor = rows[0][2].p50Us;
console.log(`${ITEMS} items, all in L1; latencies in µs; x Map.get = p50 / the awaited Map.get's p50\n`);
console.log('| path | mode | ops | ops/s | p50 µs | p99 µs | x Map.get (p50) |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
for (const [label, mode, p] of rows)
  console.log(`| ${label} | ${mode} | ${p.ops} | ${p.opsPerSec} | ${p.p50Us} | ${p.p99Us} | ${(p.p50Us / floor).toFixed(1)} |`);
console.log('\nevery token use on record after close():');
for (const c of checks) console.log(`  ${c.mode}: ${c.tokenUses} uses, ${c.eventsStored} token.decrypt events stored`);
if (checks.some((c) => c.eventsStored !== c.tokenUses)) {
  console.error('MISSING audit events');
  process.exitCode = 1;
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/audit-modes.json', import.meta.url),
  `${JSON.stringify({ name: 'audit-modes', date: new Date().toISOString(), node: process.version, rows, checks }, null, 2)}\n`,
);
