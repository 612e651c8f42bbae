#!/usr/bin/env node
// Rekey N items in PostgreSQL (default 100,000; `--size 1000000` opt-in) with
// the library's streaming rekey (keyset pages, rewrap, compare-and-swap), next
// to a raw batched UPDATE of the same rows (the database's floor: no crypto, no
// CAS). Reports items/s and peak RSS for each; target: rekey >= 0.5x raw rate,
// RSS flat (it must not grow with N).
//
// Two rekey paths: the store as shipped (`rewrapTokens`: batched CAS statements per
// page) and, on a smaller set, the per-row `rewrapToken` fallback (the store
// with `rewrapTokens` hidden), which is bound by one commit (WAL fsync) per row.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { rewrap, seal } from '../packages/vault/dist/crypto/envelope.js';
import { parseKeyring } from '../packages/vault/dist/crypto/keyring.js';
import { rekey } from '../packages/vault/dist/keys/rekey.js';
import { createStore } from '../packages/vault/dist/store/create-store.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SIZE = arg('size', 100_000);
const PER_ROW_SIZE = Math.min(SIZE, arg('per-row-size', 5000));
const BATCH = arg('batch', 1000);
const CONCURRENCY = arg('concurrency', 8);
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `bench_rekey_${randomBytes(4).toString('hex')}`;

const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;
const oldRing = parseKeyring(k1);
const newRing = parseKeyring(`${k2},${k1}`);
const clock = { now: () => new Date() };
/** The store without its batched write: rekey's per-row fallback path. */
const perRowOnly = (store) => ({
  listItems: (f) => store.listItems(f),
  getItem: (id) => store.getItem(id),
  rewrapToken: (...a) => store.rewrapToken(...a),
  countByKid: () => store.countByKid(),
  appendAudit: (e) => store.appendAudit(e),
});
const deps = (store) => ({ store, activeKid: 'k2', rewrap: (env, ref) => rewrap(newRing, ref, env), clock, actor: 'bench' });

const mb = (bytes) => +(bytes / 2 ** 20).toFixed(1);

/** Peak RSS while `fn` runs, sampled every 20 ms. */
async function measure(fn) {
  const startRss = process.memoryUsage().rss;
  let peak = startRss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = process.hrtime.bigint();
  try {
    const result = await fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, seconds, startRssMb: mb(startRss), peakRssMb: mb(peak), growthMb: mb(peak - startRss) };
  } finally {
    clearInterval(timer);
  }
}

/** Valid envelopes under k1, inserted with multi-row INSERTs (the fast way to get N real rows). */
async function populate(pool, size) {
  const now = Date.now();
  const token = `access-sandbox-${randomUUID()}`;
  for (let start = 0; start < size; start += BATCH) {
    const n = Math.min(BATCH, size - start);
    const ids = [];
    const users = [];
    const envelopes = [];
    for (let i = start; i < start + n; i++) {
      const itemId = `item-${String(i).padStart(8, '0')}`;
      const userId = `user-${i % 1000}`;
      ids.push(itemId);
      users.push(userId);
      envelopes.push(seal(oldRing, { itemId, userId }, token));
    }
    await pool.query(
      `insert into items (item_id, user_id, products, status, kid, envelope, token_version, needs_sync, created_at, updated_at)
       select id, uid, '["transactions"]', 'active', 'k1', env, 1, 0, $4, $4 from unnest($1::text[], $2::text[], $3::bytea[]) as v(id, uid, env)`,
      [ids, users, envelopes, now],
    );
  }
}

/** The floor: page by item id and UPDATE each page in one statement (no crypto, no CAS). */
async function rawUpdate(pool, kid) {
  let after = '';
  let updated = 0;
  for (;;) {
    const { rows } = await pool.query('select item_id, envelope from items where item_id > $1 order by item_id limit $2', [after, BATCH]);
    if (rows.length === 0) break;
    after = rows[rows.length - 1].item_id;
    const r = await pool.query(
      `update items set kid = $1, envelope = v.env, updated_at = $2 from unnest($3::text[], $4::bytea[]) as v(id, env) where items.item_id = v.id`,
      [kid, Date.now(), rows.map((x) => x.item_id), rows.map((x) => x.envelope)],
    );
    updated += r.rowCount;
  }
  return updated;
}

const admin = new pg.Client({ connectionString: DATABASE_URL });
try {
  await admin.connect();
} catch {
  console.log(`rekey: skipped (PostgreSQL not reachable at ${DATABASE_URL.replace(/:[^:@/]*@/, ':***@')})`);
  process.exit(0);
}
const SCHEMA2 = `${SCHEMA}_rows`;
await admin.query(`create schema ${SCHEMA}`);
await admin.query(`create schema ${SCHEMA2}`);
const store = createStore({ url: DATABASE_URL, schema: SCHEMA, poolMax: Math.max(10, CONCURRENCY + 2) });
const perRowStore = createStore({ url: DATABASE_URL, schema: SCHEMA2, poolMax: Math.max(10, CONCURRENCY + 2) });
const pool = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${SCHEMA}`, max: 4 });
const pool2 = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${SCHEMA2}`, max: 4 });
try {
  await store.migrate();
  await perRowStore.migrate();
  const fill = await measure(() => populate(pool, SIZE));
  await populate(pool2, PER_ROW_SIZE);
  // Fresh rows: set hint bits and statistics first, so neither path pays for the bulk load.
  await pool.query('vacuum analyze items');
  await pool2.query('vacuum analyze items');

  const check = (r, size) => {
    if (r.result.rewrapped !== size || r.result.failed.length > 0) throw new Error(`rekey rewrapped ${r.result.rewrapped} of ${size}`);
  };
  const batched = await measure(() => rekey(deps(store), { batch: BATCH, concurrency: CONCURRENCY }));
  check(batched, SIZE);
  const counts = await store.countByKid();
  if (counts.k2 !== SIZE) throw new Error(`expected ${SIZE} rows under k2, found ${JSON.stringify(counts)}`);
  const perRow = await measure(() => rekey(deps(perRowOnly(perRowStore)), { batch: BATCH, concurrency: CONCURRENCY }));
  check(perRow, PER_ROW_SIZE);

  const raw = await measure(() => rawUpdate(pool, 'k3'));
  if (raw.result !== SIZE) throw new Error(`raw update touched ${raw.result} of ${SIZE}`);

  const rate = (r, size) => Math.round(size / r.seconds);
  const row = (path, r, size) => ({
    path,
    items: size,
    itemsPerSec: rate(r, size),
    seconds: +r.seconds.toFixed(2),
    peakRssMb: r.peakRssMb,
    growthMb: r.growthMb,
  });
  const rows = [
    row('rekey (store rewrapTokens: CAS statements, up to 3 per page)', batched, SIZE),
    row('rekey, per-row fallback (rewrapToken: 1 commit per row)', perRow, PER_ROW_SIZE),
    row(`raw batched UPDATE (${BATCH} rows/statement, no crypto, no CAS)`, raw, SIZE),
  ];
  const ratio = +(rate(batched, SIZE) / rate(raw, SIZE)).toFixed(2);
  const perRowRatio = +(rate(perRow, PER_ROW_SIZE) / rate(raw, SIZE)).toFixed(2);
  console.log(`PostgreSQL; batch ${BATCH}, concurrency ${CONCURRENCY}; populate ${SIZE} rows in ${fill.seconds.toFixed(1)} s\n`);
  console.log('| path | items | items/s | seconds | peak RSS MB | RSS growth MB |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.path} | ${r.items} | ${r.itemsPerSec} | ${r.seconds} | ${r.peakRssMb} | ${r.growthMb} |`);
  console.log(`\nrekey / raw rate: batched ${ratio}, per-row ${perRowRatio} (target >= 0.5)`);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(
    join(here, 'results', 'rekey.json'),
    `${JSON.stringify({ size: SIZE, perRowSize: PER_ROW_SIZE, batch: BATCH, concurrency: CONCURRENCY, rows, ratio, perRowRatio, date: new Date().toISOString() }, null, 2)}\n`,
  );
} finally {
  await store.close();
  await perRowStore.close();
  await pool.end();
  await pool2.end();
  await admin.query(`drop schema if exists ${SCHEMA} cascade`);
  await admin.query(`drop schema if exists ${SCHEMA2} cascade`);
  await admin.end();
}
