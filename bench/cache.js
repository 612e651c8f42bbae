// Benchmark (issue 3): the tiered token cache next to the usual recipe
// (bench/baseline-recipe.js: plaintext token in Redis under plaid_token:{user_id},
// on a miss SELECT + decrypt + SET EX 3600), in one run, on the same 1,000 items.
// Rows: baseline Redis hit; vault L1 hit (TokenCache.resolve alone: the user-facing
// call, vault.withToken with its audit event, is in bench/audit-modes.js); vault L2
// hit (L1 off) next to its reference, a raw ioredis GET + one envelope open; vault store hit (L1 off, no
// Redis) on SQLite and PostgreSQL; cold stampede (1,000 concurrent on one item:
// store reads); 64-way concurrent throughput; heap added by 100k L1 entries.
// Targets: L1 >= 100x the baseline's Redis-hit ops/s and p50 < 1 µs; L2 p50 within
// 1.2x of GET + decrypt; stampede 1 store read (baseline: 1,000); 100k entries < 64 MB.
// Usage: node --expose-gc bench/cache.js [--items 1000] [--l1-ops 1000000]
//        [--redis-ops 10000] [--store-ops 5000] [--heap-items 100000]
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTokenCache } from '../packages/vault/dist/cache/tiered-token-cache.js';
import { l2ValueEnvelope } from '../packages/vault/dist/cache/l2-value.js';
import { createRedisClient } from '../packages/vault/dist/cache/redis-client.js';
import { open, seal } from '../packages/vault/dist/crypto/envelope.js';
import { parseKeyring } from '../packages/vault/dist/crypto/keyring.js';
import { createStore } from '../packages/vault/dist/store/create-store.js';
import { createBaselineRecipe, createBaselineTable, encryptToken } from './baseline-recipe.js';
import { closedLoop, fakeToken, percentile } from './lib/measure.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ITEMS = arg('items', 1000);
const L1_OPS = arg('l1-ops', 1_000_000);
const REDIS_OPS = arg('redis-ops', 10_000);
const STORE_OPS = arg('store-ops', 5000);
const HEAP_ITEMS = arg('heap-items', 100_000);
const STAMPEDE = 1000;
const CONCURRENCY = 64;
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomBytes(4).toString('hex');

const itemId = (i) => `item-${run}-${String(i).padStart(6, '0')}`;
const userId = (i) => `user-${run}-${String(i).padStart(6, '0')}`;
const pick = (n) => (Math.imul(n + 1, 2654435761) >>> 0) % ITEMS; // deterministic spread over the items

/** Sequential: per-op latency; ops/s from a separate untimed pass when the op is too fast for the timer. */
async function sequential(fn, ops, { untimed = false } = {}) {
  for (let n = 0; n < Math.min(ops, 2000); n++) await fn(pick(n)); // warm-up
  const lat = new Float64Array(ops);
  let started = performance.now();
  for (let n = 0; n < ops; n++) {
    const t0 = performance.now();
    await fn(pick(n));
    lat[n] = (performance.now() - t0) * 1000;
  }
  let elapsed = performance.now() - started;
  if (untimed) {
    started = performance.now();
    for (let n = 0; n < ops; n++) await fn(pick(n));
    elapsed = performance.now() - started;
  }
  return summarize(lat, elapsed);
}

/** Ops/s over `elapsedMs`, and p50/p99 of the latencies (µs; sorted in place). */
function summarize(lat, elapsedMs) {
  lat.sort();
  return {
    ops: lat.length,
    opsPerSec: Math.round(lat.length / (elapsedMs / 1000)),
    p50Us: +percentile(lat, 50).toFixed(3),
    p99Us: +percentile(lat, 99).toFixed(3),
  };
}

/** `workers` loops sharing `ops` operations; throughput over the wall time. */
async function concurrent(fn, ops, workers = CONCURRENCY) {
  const { lat, elapsedMs } = await closedLoop(fn, ops, workers, pick);
  return summarize(lat, elapsedMs);
}

/** Heap added by HEAP_ITEMS L1 entries, in a child with --expose-gc (a fresh heap). */
async function heapChild() {
  const keyring = parseKeyring(`k1:${randomBytes(32).toString('base64')}`);
  const rows = new Map();
  for (let i = 0; i < HEAP_ITEMS; i++)
    rows.set(itemId(i), { userId: userId(i), envelope: seal(keyring, { itemId: itemId(i), userId: userId(i) }, fakeToken()), version: 1 });
  const source = { load: async (id) => rows.get(id), open: (envelope, ref) => open(keyring, ref, envelope) };
  const cache = createTokenCache({ source, l1: { max: HEAP_ITEMS } });
  // The refs exist before and after: they are the caller's, not the cache's.
  const refs = Array.from({ length: HEAP_ITEMS }, (_, i) => ({ itemId: itemId(i), userId: userId(i) }));
  const settle = () => {
    for (let i = 0; i < 3; i++) globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  const before = settle();
  for (let i = 0; i < HEAP_ITEMS; i += 1000) await Promise.all(refs.slice(i, i + 1000).map((ref) => cache.resolve(ref)));
  const after = settle();
  if (cache.stats().l1.size !== HEAP_ITEMS) throw new Error('not every item is cached');
  cache.clearLocal();
  const cleared = settle();
  // Keep everything that existed before the fill reachable until here, or the GC would
  // reclaim it between the two readings and hide the cache's own cost.
  globalThis.__keep = [refs, rows, source];
  // Two readings: filled minus empty-before, and filled minus emptied-after (robust to
  // unrelated garbage dying in between). The larger one is reported.
  const added = Math.max(after - before, after - cleared);
  process.stdout.write(
    JSON.stringify({
      items: HEAP_ITEMS,
      addedBytes: added,
      bytesPerItem: Math.round(added / HEAP_ITEMS),
      fillMinusBefore: after - before,
      fillMinusCleared: after - cleared,
    }),
  );
}

if (process.argv.includes('--heap-child')) {
  await heapChild();
  process.exit(0);
}

async function main() {
  const keyring = parseKeyring(`k1:${randomBytes(32).toString('base64')}`);
  const tokens = Array.from({ length: ITEMS }, fakeToken);
  const refs = Array.from({ length: ITEMS }, (_, i) => ({ itemId: itemId(i), userId: userId(i) }));
  const schema = `bench_cache_${run}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  const dir = mkdtempSync(join(tmpdir(), 'pv-bench-cache-'));
  const stores = {
    sqlite: createStore({ url: `sqlite:${join(dir, 'vault.db')}` }),
    postgres: createStore({ url: DATABASE_URL, schema }),
  };
  const db = new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}`, max: 10 });
  const redis = await createRedisClient(REDIS_URL);
  await new Promise((resolve, reject) => (redis.status === 'ready' ? resolve() : redis.once('ready', resolve).once('end', reject)));
  const namespace = `bench${run}`;
  const hmacKey = randomBytes(32);
  const caches = [];
  try {
    // The same 1,000 tokens in the vault's tables (both dialects) and the recipe's table.
    const now = new Date();
    const inChunks = async (fn) => {
      for (let i = 0; i < ITEMS; i += 50) await Promise.all(refs.slice(i, i + 50).map((_, k) => fn(i + k)));
    };
    for (const store of Object.values(stores)) {
      await store.migrate();
      await inChunks((i) =>
        store.insertItem(
          {
            ...refs[i],
            institutionId: null,
            institutionName: null,
            products: [],
            kid: keyring.activeKid,
            envelope: seal(keyring, refs[i], tokens[i]),
          },
          now,
        ),
      );
    }
    const baselineKey = randomBytes(32);
    await createBaselineTable(db);
    await inChunks((i) =>
      db.query('INSERT INTO plaid_items (user_id, access_token) VALUES ($1, $2)', [userId(i), encryptToken(baselineKey, tokens[i])]),
    );
    let baselineSelects = 0;
    const countingDb = { query: (...a) => (baselineSelects++, db.query(...a)) };
    const getAccessToken = createBaselineRecipe({ db: countingDb, redis, key: baselineKey });

    const sourceOf = (store) => {
      const source = {
        loads: 0,
        load: async (id) => {
          source.loads++;
          const row = await store.getEnvelope(id);
          return row && { userId: row.userId, envelope: row.envelope, version: row.tokenVersion };
        },
        open: (envelope, ref) => open(keyring, ref, envelope),
      };
      return source;
    };
    const make = (opts) => {
      const cache = createTokenCache(opts);
      caches.push(cache);
      return cache;
    };
    const pgSource = sourceOf(stores.postgres);
    const l1 = make({ source: pgSource, l1: { max: ITEMS * 2 } });
    const l2 = make({ source: pgSource, l1: { max: 0 }, redis: { client: redis, namespace, hmacKey } });
    const storeOnly = {
      sqlite: make({ source: sourceOf(stores.sqlite), l1: { max: 0 } }),
      postgres: make({ source: pgSource, l1: { max: 0 } }),
    };
    const l2Keys = refs.map((r) => `pv:${namespace}:{${createHmac('sha256', hmacKey).update(r.itemId).digest('base64url')}}`);

    // Correctness and warm-up: every path returns the right token; L1, L2 and the recipe's Redis are full.
    for (let i = 0; i < ITEMS; i++) {
      const got = [
        await getAccessToken(userId(i)),
        (await l1.resolve(refs[i])).reveal(),
        (await l2.resolve(refs[i])).reveal(),
        (await storeOnly.sqlite.resolve(refs[i])).reveal(),
      ];
      if (got.some((t) => t !== tokens[i])) throw new Error(`wrong token for item ${i}`);
    }
    // Fills are best effort (a slow Redis drops some): resolve the missing ones again until L2 is full.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const present = await Promise.all(l2Keys.map((k) => redis.exists(k)));
      const missing = present.flatMap((p, i) => (p ? [] : [i]));
      if (missing.length === 0) break;
      if (Date.now() > deadline) throw new Error(`L2 did not fill (${missing.length} missing)`);
      await new Promise((r) => setTimeout(r, 50));
      for (const i of missing) await l2.resolve(refs[i]);
    }

    const paths = {
      baselineHit: (i) => getAccessToken(userId(i)),
      l1Hit: (i) => l1.resolve(refs[i]),
      l2Hit: (i) => l2.resolve(refs[i]),
      // The envelope inside the L2 value, unchecked: the vault's MAC check and version floor are its own cost.
      rawGetDecrypt: async (i) => open(keyring, refs[i], l2ValueEnvelope(await redis.getBuffer(l2Keys[i]))),
      storeSqlite: (i) => storeOnly.sqlite.resolve(refs[i]),
      storePostgres: (i) => storeOnly.postgres.resolve(refs[i]),
    };
    const seq = {};
    // The compared paths interleaved in blocks (order rotating), so machine noise hits them
    // alike; each figure is the median over the blocks.
    const BLOCKS = 12;
    const blockOps = { baselineHit: REDIS_OPS, l2Hit: REDIS_OPS, rawGetDecrypt: REDIS_OPS, l1Hit: L1_OPS };
    const compared = Object.keys(blockOps);
    const blocks = Object.fromEntries(compared.map((n) => [n, []]));
    for (let b = 0; b < BLOCKS; b++) {
      for (let k = 0; k < compared.length; k++) {
        const name = compared[(b + k) % compared.length];
        blocks[name].push(await sequential(paths[name], Math.ceil(blockOps[name] / BLOCKS), { untimed: name === 'l1Hit' }));
      }
    }
    for (const [name, parts] of Object.entries(blocks)) {
      const mid = (k) => +[...parts.map((p) => p[k])].sort((a, b) => a - b)[Math.floor(parts.length / 2)].toFixed(3);
      seq[name] = { ops: blockOps[name], opsPerSec: Math.round(mid('opsPerSec')), p50Us: mid('p50Us'), p99Us: mid('p99Us') };
    }
    seq.storeSqlite = await sequential(paths.storeSqlite, STORE_OPS);
    seq.storePostgres = await sequential(paths.storePostgres, STORE_OPS);
    if (l1.stats().loads !== 0 && l1.stats().l1.misses !== ITEMS) throw new Error('L1 path left L1');

    const conc = {
      baselineHit: await concurrent(paths.baselineHit, REDIS_OPS * 2),
      l1Hit: await concurrent(paths.l1Hit, L1_OPS),
      l2Hit: await concurrent(paths.l2Hit, REDIS_OPS * 2),
      rawGetDecrypt: await concurrent(paths.rawGetDecrypt, REDIS_OPS * 2),
      storePostgres: await concurrent(paths.storePostgres, STORE_OPS * 2),
    };

    // Cold stampede: one item nobody has read, 1,000 concurrent requests.
    const coldSource = sourceOf(stores.postgres);
    const cold = make({ source: coldSource, redis: { client: redis, namespace: `${namespace}c`, hmacKey } });
    await new Promise((r) => setTimeout(r, 200)); // let its subscriber connect (not needed for the count)
    const coldRef = refs[ITEMS - 1];
    const vaultTokens = await Promise.all(Array.from({ length: STAMPEDE }, () => cold.resolve(coldRef)));
    await redis.del(`plaid_token:${coldRef.userId}`);
    baselineSelects = 0;
    const baselineTokens = await Promise.all(Array.from({ length: STAMPEDE }, () => getAccessToken(coldRef.userId)));
    if (![...vaultTokens.map((t) => t.reveal()), ...baselineTokens].every((t) => t === tokens[ITEMS - 1]))
      throw new Error('stampede: wrong token');
    const stampede = { requests: STAMPEDE, vaultStoreReads: coldSource.loads, baselineStoreReads: baselineSelects };

    // Heap, in a fresh process with --expose-gc.
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--heap-child', '--heap-items', String(HEAP_ITEMS)],
      { encoding: 'utf8' },
    );
    if (child.status !== 0) throw new Error(`heap child failed: ${child.stderr}`);
    const heap = JSON.parse(child.stdout);

    const l2Stats = l2.stats();
    return { seq, conc, stampede, heap, l2Health: { errors: l2Stats.l2.errors, breaker: l2Stats.breaker, loads: l2Stats.loads } };
  } finally {
    await Promise.all(caches.map((c) => c.close()));
    const plaintextKeys = refs.map((r) => `plaid_token:${r.userId}`);
    await redis.del(...plaintextKeys, ...(await redis.keys(`pv:${namespace}*`)));
    await redis.quit();
    await db.end();
    for (const store of Object.values(stores)) await store.close();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const r = await main();
const ratio = (a, b) => +(a / b).toFixed(2);
const targets = {
  l1VsBaselineThroughput: { value: ratio(r.seq.l1Hit.opsPerSec, r.seq.baselineHit.opsPerSec), target: '>= 100' },
  l1P50Us: { value: r.seq.l1Hit.p50Us, target: '< 1' },
  l2VsRawP50: { value: ratio(r.seq.l2Hit.p50Us, r.seq.rawGetDecrypt.p50Us), target: '<= 1.2' },
  stampedeStoreReads: { value: `${r.stampede.vaultStoreReads} vs ${r.stampede.baselineStoreReads}`, target: '1 vs 1000' },
  heapMbPer100k: { value: +(((r.heap.addedBytes / r.heap.items) * 100_000) / 2 ** 20).toFixed(1), target: '< 64' },
};
const LABELS = {
  baselineHit: 'baseline recipe: Redis hit (GET plaintext)',
  l1Hit: 'vault L1 hit (the cache tier alone: no withToken, no audit; see audit-modes)',
  l2Hit: 'vault L2 hit (L1 off)',
  rawGetDecrypt: 'reference: raw GET + 1 envelope open',
  storeSqlite: 'vault store hit, SQLite (L1 off, no Redis)',
  storePostgres: 'vault store hit, PostgreSQL (L1 off, no Redis)',
};
console.log(`${ITEMS} items; sequential (one request at a time) and ${CONCURRENCY}-way concurrent; latencies in µs\n`);
console.log('| path | mode | ops | ops/s | p50 µs | p99 µs |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const [name, label] of Object.entries(LABELS)) {
  for (const [mode, set] of [
    ['sequential', r.seq],
    [`${CONCURRENCY}-way`, r.conc],
  ]) {
    const p = set[name];
    if (p) console.log(`| ${label} | ${mode} | ${p.ops} | ${p.opsPerSec} | ${p.p50Us} | ${p.p99Us} |`);
  }
}
console.log(
  `\ncold stampede (${STAMPEDE} concurrent on one item): store reads, vault ${r.stampede.vaultStoreReads}, baseline ${r.stampede.baselineStoreReads}`,
);
console.log(
  `heap added by ${r.heap.items} L1 entries: ${(r.heap.addedBytes / 2 ** 20).toFixed(1)} MB (${r.heap.bytesPerItem} B per item)\n`,
);
console.log('| target | measured | goal |');
console.log('| --- | ---: | --- |');
for (const [name, t] of Object.entries(targets)) console.log(`| ${name} | ${t.value} | ${t.target} |`);
console.log(
  `\nL2 cache during the run: ${r.l2Health.errors} Redis errors/timeouts, ${r.l2Health.loads} store loads, breaker ${r.l2Health.breaker}`,
);
console.log(`\n64-way: L1 ops/s = ${ratio(r.conc.l1Hit.opsPerSec, r.conc.baselineHit.opsPerSec)}x the baseline's 64-way Redis-hit ops/s`);

const here = fileURLToPath(new URL('.', import.meta.url));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'cache.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, items: ITEMS, ...r, targets }, null, 2),
);
