// Benchmark (issue 13, PgBouncer): the vault's hot read on PostgreSQL as a named
// prepared statement (pg parses and plans it once per connection, as the vault did
// until then) next to the same query unnamed (Parse + Bind + Execute in one round
// trip, planned every time), on a direct connection; and the unnamed query through
// PgBouncer in transaction mode, where a named statement does not work at all.
// Same pool size, same rows, same item order; the paths run interleaved in blocks
// so machine noise hits them alike. Sequential (one query in flight) and 16 in
// flight on a pool of 10.
// Usage: node bench/pg-statements.js [--items 1000] [--ops 4000] [--blocks 10]
// TEST_DATABASE_URL (direct), TEST_POOLED_DATABASE_URL (PgBouncer; skipped if down).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import pg from 'pg';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ITEMS = arg('items', 1000);
const OPS = arg('ops', 4000);
const BLOCKS = arg('blocks', 10);
const DIRECT_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const POOLED_URL = process.env.TEST_POOLED_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:6432/test';
const SCHEMA = `bench_stmt_${randomBytes(4).toString('hex')}`;

// The vault's hot read (postgres-backend.ts), schema-qualified.
const TEXT = `select user_id as "userId", kid, envelope, token_version as "tokenVersion", status from "${SCHEMA}".items where item_id = $1`;
const itemId = (i) => `item-${String(i).padStart(6, '0')}`;

function* order(n, seed = 42) {
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    yield x % ITEMS;
  }
}

async function setup() {
  const c = new pg.Client({ connectionString: DIRECT_URL });
  await c.connect();
  await c.query(`create schema "${SCHEMA}"`);
  await c.query(`create table "${SCHEMA}".items (item_id text collate "C" primary key, user_id text not null, kid text not null,
    envelope bytea not null, token_version integer not null, status text not null)`);
  await c.query(
    `insert into "${SCHEMA}".items select 'item-' || lpad(i::text, 6, '0'), 'user-' || (i % 97), 'k1', $1, 1, 'active' from generate_series(0, $2 - 1) i`,
    [randomBytes(120), ITEMS],
  );
  await c.query(`analyze "${SCHEMA}".items`);
  await c.end();
}

async function teardown() {
  const c = new pg.Client({ connectionString: DIRECT_URL });
  await c.connect();
  await c.query(`drop schema if exists "${SCHEMA}" cascade`);
  await c.end();
}

const paths = {
  'direct, named': { url: DIRECT_URL, query: (id) => ({ name: 'bench_get_envelope', text: TEXT, values: [id] }) },
  'direct, unnamed': { url: DIRECT_URL, query: (id) => ({ text: TEXT, values: [id] }) },
  'PgBouncer, unnamed': { url: POOLED_URL, query: (id) => ({ text: TEXT, values: [id] }) },
};

async function reachable(url) {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/** Run `ids` through `pool` with `inFlight` queries outstanding; returns per-query latencies in µs. */
async function drive(pool, query, ids, inFlight) {
  const lat = [];
  let next = 0;
  async function worker() {
    while (next < ids.length) {
      const id = itemId(ids[next++]);
      const t0 = process.hrtime.bigint();
      const r = await pool.query(query(id));
      lat.push(Number(process.hrtime.bigint() - t0) / 1000);
      if (r.rows.length !== 1) throw new Error('row missing');
    }
  }
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { lat, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

await setup();
try {
  const pooledUp = await reachable(POOLED_URL);
  const names = Object.keys(paths).filter((n) => pooledUp || !n.startsWith('PgBouncer'));
  const pools = Object.fromEntries(names.map((n) => [n, new pg.Pool({ connectionString: paths[n].url, max: 10 })]));
  const ids = [...order(OPS)];
  const perBlock = Math.ceil(OPS / BLOCKS);
  console.log(`${ITEMS} items, ${OPS} reads per path and mode, ${BLOCKS} interleaved blocks; pool of 10; latencies in µs\n`);
  const rows = [];
  console.log('| path | in flight | ops/s | p50 µs | p99 µs |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const inFlight of [1, 16]) {
    // Warm every connection of every pool (and, for the named path, prepare on each).
    for (const n of names) await drive(pools[n], paths[n].query, ids.slice(0, 200), 16);
    const acc = Object.fromEntries(names.map((n) => [n, { lat: [], ms: 0 }]));
    for (let b = 0; b < BLOCKS; b++) {
      const block = ids.slice(b * perBlock, (b + 1) * perBlock);
      for (const n of b % 2 ? [...names].reverse() : names) {
        const r = await drive(pools[n], paths[n].query, block, inFlight);
        acc[n].lat.push(...r.lat);
        acc[n].ms += r.ms;
      }
    }
    for (const n of names) {
      const sorted = acc[n].lat.sort((x, y) => x - y);
      const opsPerSec = Math.round((sorted.length / acc[n].ms) * 1000);
      const row = { path: n, inFlight, ops: sorted.length, opsPerSec, p50Us: pct(sorted, 50), p99Us: pct(sorted, 99) };
      rows.push(row);
      console.log(`| ${n} | ${inFlight} | ${opsPerSec} | ${row.p50Us.toFixed(1)} | ${row.p99Us.toFixed(1)} |`);
    }
  }
  if (!pooledUp) console.log(`\nPgBouncer: skipped (not reachable at ${POOLED_URL})`);
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('results/pg-statements.json', import.meta.url),
    `${JSON.stringify({ name: 'pg-statements', date: new Date().toISOString(), node: process.version, items: ITEMS, rows }, null, 2)}\n`,
  );
  await Promise.all(Object.values(pools).map((p) => p.end()));
} finally {
  await teardown();
}
