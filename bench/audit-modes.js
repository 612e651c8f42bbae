// Benchmark (issues 11 and 12): what auditing costs a token use on an L1 hit.
// Tight loop (issue 12): an awaited Map.get of the token (the floor any
// in-process cache pays) next to vault.withToken on an L1 hit, buffered mode,
// with every event persisted (SQLite; PostgreSQL too when it is reachable).
// Neither loop ever yields to the event loop: each await resolves as a
// microtask, as in a batch script, so whatever writes the audit log has to do
// it inside the loop, and its cost is in the figures. Per block, each path runs
// twice: timed call by call (p50/p99/p99.9) and untimed (mean = elapsed / calls:
// the throughput figure, free of the timer's own cost). A withToken block ends
// with `await audit.flush()`, inside its time, so the events still buffered are
// paid for too; the untimed pass also counts the process's CPU time (on a shared
// machine it moves far less than wall time). Paths alternate in blocks so machine
// noise hits them alike. Floors, as calls of their own in the same blocks: one
// audit row inserted with better-sqlite3 directly, one sha256 chain link.
// Strict mode (issue 11): every call waits for its own event to be committed,
// on SQLite and PostgreSQL, one at a time and 64 at a time.
// At the end every token use must be in the database (rows counted), and a
// single loop of --starve calls (more than the 100,000-event buffer) with no
// yield and no flush must lose none.
// Usage: node bench/audit-modes.js [--ops 200000] [--pg-ops 50000] [--strict-ops 2000]
//        [--blocks 10] [--starve 150000] [--buffered-only]
import { hash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createVault, silentLogger } from '../packages/vault/dist/index.js';
import { createStore } from '../packages/vault/dist/store/create-store.js';
import { fakeToken, percentile } from './lib/measure.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const OPS = arg('ops', 200_000);
const PG_OPS = arg('pg-ops', 50_000);
const STRICT_OPS = arg('strict-ops', 2000);
const BLOCKS = arg('blocks', 10);
const STARVE = arg('starve', 150_000);
const CONCURRENCY = 64;
const BUFFERED_ONLY = process.argv.includes('--buffered-only');
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ITEMS = 100;

const itemId = (i) => `item-${String(i % ITEMS).padStart(4, '0')}`;
const userId = (i) => `user-${String(i % ITEMS).padStart(4, '0')}`;

function summary(lat, elapsedMs, meanUs, cpuUs) {
  const sorted = Float64Array.from(lat).sort();
  return {
    ops: sorted.length,
    opsPerSec: Math.round(sorted.length / (elapsedMs / 1000)),
    p50Us: +percentile(sorted, 50).toFixed(3),
    p99Us: +percentile(sorted, 99).toFixed(3),
    p999Us: +percentile(sorted, 99.9).toFixed(3),
    meanUs: +(meanUs ?? (elapsedMs * 1000) / sorted.length).toFixed(3),
    ...(cpuUs !== undefined && { cpuUs: +cpuUs.toFixed(3) }),
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
  // One TokenUse per item, made once: the loop measures the call, not building its argument.
  const uses = Array.from({ length: ITEMS }, (_, i) => ({ userId: userId(i), itemId: itemId(i), purpose: 'bench' }));
  const reveal = (t) => t.reveal().length;
  const v = {
    vault,
    database,
    calls: ITEMS,
    use: (i) => vault.withToken(uses[i % ITEMS], reveal),
  };
  return v;
}

/**
 * Interleaved blocks of calls that never yield. Each path's block runs timed
 * (per-call latency) and untimed (mean); `after` (the audit flush) runs inside
 * both blocks' time. Returns a summary per path.
 */
async function tightLoop(paths, ops) {
  const names = Object.keys(paths);
  const lat = Object.fromEntries(names.map((n) => [n, []]));
  const elapsed = Object.fromEntries(names.map((n) => [n, 0]));
  const untimed = Object.fromEntries(names.map((n) => [n, { ms: 0, cpuUs: 0, ops: 0 }]));
  const perBlock = Math.ceil(ops / BLOCKS);
  for (let b = 0; b < BLOCKS; b++) {
    for (const name of b % 2 === 0 ? names : [...names].reverse()) {
      const { fn, after } = paths[name];
      let started = performance.now();
      for (let i = 0; i < perBlock; i++) {
        const t0 = performance.now();
        await fn(i);
        lat[name].push((performance.now() - t0) * 1000);
      }
      if (after) await after();
      elapsed[name] += performance.now() - started;
      started = performance.now();
      const cpu = process.cpuUsage();
      for (let i = 0; i < perBlock; i++) await fn(i);
      if (after) await after();
      const used = process.cpuUsage(cpu);
      untimed[name].ms += performance.now() - started;
      untimed[name].cpuUs += used.user + used.system;
      untimed[name].ops += perBlock;
      // Untimed and outside both loops: let anything else due run (GC finalisers, timers).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return Object.fromEntries(
    names.map((n) => [n, summary(lat[n], elapsed[n], (untimed[n].ms * 1000) / untimed[n].ops, untimed[n].cpuUs / untimed[n].ops)]),
  );
}

/** Interleaved blocks of sequential calls, yielding between blocks (the strict rows). */
async function sequential(fn, ops) {
  const lat = [];
  let elapsed = 0;
  const perBlock = Math.ceil(ops / BLOCKS);
  for (let b = 0; b < BLOCKS; b++) {
    const started = performance.now();
    for (let i = 0; i < perBlock; i++) {
      const t0 = performance.now();
      await fn(i);
      lat.push((performance.now() - t0) * 1000);
    }
    elapsed += performance.now() - started;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return summary(lat, elapsed);
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

/** token.decrypt events in the chain (the vault also wrote one item.put per item). */
async function countTokenEvents(database) {
  const store = createStore({ ...database, logger: silentLogger });
  try {
    const head = (await store.listAudit({ limit: 1 }))[0]?.seq ?? 0;
    const verified = await store.verifyAudit();
    if (!verified.ok) throw new Error(`audit chain does not verify: ${JSON.stringify(verified)}`);
    return head - ITEMS;
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

/**
 * The floors under an audited call, as calls of their own: one audit row
 * inserted with better-sqlite3 directly (the vault's schema and pragmas, 500
 * rows a transaction, as the vault's batches), and one link of the chain (the
 * sha256 every event costs). No vault code runs in either.
 */
async function floors(dir) {
  const file = join(dir, 'floor.db');
  const store = createStore({ url: `sqlite:${file}`, logger: silentLogger });
  await store.migrate();
  await store.close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare(
    'insert into audit_events (seq, at, actor, user_id, item_id, action, purpose, outcome, request_id, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const hashes = Array.from({ length: 1024 }, () => randomBytes(32).toString('hex'));
  const actor = `vault-${randomBytes(16).toString('hex')}`;
  let pending = [];
  let seq = 0;
  const commit = db.transaction((rows) => {
    for (const r of rows) insert.run(r[0], r[1], actor, userId(r[0]), itemId(r[0]), 'token.decrypt', 'bench', 'ok', null, r[2], r[3]);
  });
  const flush = () => {
    if (pending.length > 0) commit.immediate(pending);
    pending = [];
  };
  const tail = `"${new Date().toISOString()}","${actor}","user-0001","item-0001","token.decrypt","bench","ok",null]`;
  let prev = hashes[0];
  return {
    insert: {
      fn: () => {
        seq += 1;
        pending.push([seq, Date.now(), hashes[seq & 1023], hashes[(seq + 1) & 1023]]);
        if (pending.length === 500) flush();
      },
      after: flush,
    },
    link: {
      fn: (i) => {
        prev = hash('sha256', `${prev}\n[${i},${tail}`, 'hex');
      },
    },
    close: () => db.close(),
  };
}

/** A counting wrapper: every call of `v.use` is a token use that must be on record. */
function counted(v) {
  return {
    fn: (i) => {
      v.calls += 1;
      return v.use(i);
    },
    after: () => v.vault.audit.flush(),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'pv-bench-audit-'));
const rows = [];
const checks = [];
let starve;
const pgTargets = BUFFERED_ONLY ? [] : [await postgresSchema(), await postgresSchema()];
const [pgBuffered, pgStrict] = pgTargets;
try {
  const map = new Map(Array.from({ length: ITEMS }, (_, i) => [itemId(i), fakeToken()]));
  const get = async (key) => map.get(key);
  // Keys built once, like the vault's TokenUse objects: neither loop measures building its argument.
  const keys = Array.from({ length: ITEMS }, (_, i) => itemId(i));
  const mapGet = { fn: async (i) => (await get(keys[i % ITEMS])).length };

  const buffered = await openVault({ url: `sqlite:${join(dir, 'buffered.db')}` }, 'buffered');
  const floor = await floors(dir);
  const fast = await tightLoop({ mapGet, buffered: counted(buffered), insert: floor.insert, link: floor.link }, OPS);
  floor.close();
  rows.push(
    ['awaited Map.get', 'tight loop', fast.mapGet],
    ['withToken L1 hit, buffered, SQLite', 'tight loop', fast.buffered],
    ['floor: one audit row insert (raw better-sqlite3, 500 a transaction)', 'tight loop', fast.insert],
    ['floor: one chain link (sha256 of an event)', 'tight loop', fast.link],
  );
  const vaults = [['buffered, SQLite', buffered]];

  if (pgBuffered) {
    const bufferedPg = await openVault(pgBuffered.database, 'buffered');
    const r = await tightLoop({ mapGet, bufferedPg: counted(bufferedPg) }, PG_OPS);
    rows.push(['awaited Map.get', 'tight loop', r.mapGet], ['withToken L1 hit, buffered, PostgreSQL', 'tight loop', r.bufferedPg]);
    vaults.push(['buffered, PostgreSQL', bufferedPg]);
  }

  // The loop that used to starve the flush timer: no yield, no flush, more calls than the buffer holds.
  const starved = await openVault({ url: `sqlite:${join(dir, 'starved.db')}` }, 'buffered');
  const started = performance.now();
  for (let i = 0; i < STARVE; i++) await starved.use(i);
  starve = { calls: STARVE, ms: performance.now() - started, dropped: starved.vault.stats().audit.dropped };
  starved.calls += STARVE;
  vaults.push(['one loop, no yield, no flush, SQLite', starved]);

  if (!BUFFERED_ONLY) {
    const strict = await openVault({ url: `sqlite:${join(dir, 'strict.db')}` }, 'strict');
    const strictUse = counted(strict).fn;
    rows.push(['withToken L1 hit, strict, SQLite', 'sequential', await sequential(strictUse, STRICT_OPS)]);
    rows.push(['withToken L1 hit, strict, SQLite', `${CONCURRENCY}-way`, await concurrent(strictUse, STRICT_OPS * 5)]);
    vaults.push(['strict, SQLite', strict]);
    if (pgStrict) {
      const strictPg = await openVault(pgStrict.database, 'strict');
      const use = counted(strictPg).fn;
      rows.push(['withToken L1 hit, strict, PostgreSQL', 'sequential', await sequential(use, STRICT_OPS)]);
      rows.push(['withToken L1 hit, strict, PostgreSQL', `${CONCURRENCY}-way`, await concurrent(use, STRICT_OPS * 5)]);
      vaults.push(['strict, PostgreSQL', strictPg]);
    }
  }

  for (const [mode, v] of vaults) {
    await v.vault.close();
    checks.push({ mode, tokenUses: v.calls, eventsStored: await countTokenEvents(v.database) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  for (const target of pgTargets) await target?.drop();
}

console.log(
  `${ITEMS} items, all in L1; latencies in µs. Tight loops: mean = untimed wall time / calls, cpu = the process's CPU time / calls (both with the audit writes); other rows: mean = wall time / calls\n`,
);
console.log('| path | mode | ops | p50 µs | p99 µs | p99.9 µs | mean µs | cpu µs | x Map.get (p50) | x Map.get (mean) | x Map.get (cpu) |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
let floor = rows[0][2];
for (const [label, mode, p] of rows) {
  if (label === 'awaited Map.get') floor = p;
  const x = (k) => (p[k] === undefined ? '' : (p[k] / floor[k]).toFixed(1));
  console.log(
    `| ${label} | ${mode} | ${p.ops} | ${p.p50Us} | ${p.p99Us} | ${p.p999Us} | ${p.meanUs} | ${p.cpuUs ?? ''} | ${x('p50Us')} | ${x('meanUs')} | ${x('cpuUs')} |`,
  );
}
const byLabel = (label) => rows.find(([l]) => l === label)?.[2];
const withTokenRow = byLabel('withToken L1 hit, buffered, SQLite');
const mapRow = rows[0][2];
const insertRow = byLabel('floor: one audit row insert (raw better-sqlite3, 500 a transaction)');
const times = (k, p) => `${(p[k] / mapRow[k]).toFixed(1)}x`;
console.log(
  `\nissue 12 goal, withToken within 20x of an awaited Map.get with every event persisted (SQLite): p50 ${times('p50Us', withTokenRow)}, mean ${times('meanUs', withTokenRow)}, cpu ${times('cpuUs', withTokenRow)}; the row insert alone: mean ${times('meanUs', insertRow)}, cpu ${times('cpuUs', insertRow)}`,
);
console.log(
  `one loop of ${starve.calls} withToken calls, no yield, no flush: ${((starve.ms / starve.calls) * 1000).toFixed(3)} µs per call, ${starve.dropped} events dropped`,
);
console.log('every token use on record after close() (chain verified):');
for (const c of checks) console.log(`  ${c.mode}: ${c.tokenUses} uses, ${c.eventsStored} token.decrypt events stored`);
if (checks.some((c) => c.eventsStored !== c.tokenUses) || starve.dropped !== 0) {
  console.error('MISSING audit events');
  process.exitCode = 1;
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/audit-modes.json', import.meta.url),
  `${JSON.stringify({ name: 'audit-modes', date: new Date().toISOString(), node: process.version, rows, starve, checks }, null, 2)}\n`,
);
