// Benchmark (issue 13, item 6): cold start. Each run is a fresh Node process
// that imports, opens and reads one token on PostgreSQL + Redis:
//
// - baseline: import pg + ioredis + node:crypto, connect to both, one Redis GET
//   (a miss), one SELECT of a sealed row, one AES-256-GCM decrypt, one Redis SET
//   (the fill): the round trips a hand-written app makes for a cold read;
// - vault: import plaid-vault, createVault on PostgreSQL + Redis, one withToken
//   on an item put beforehand (L1 empty, L2 a miss: a namespace of its own per
//   run), so the read goes to the store and opens the envelope;
// - vault, no migration check: the same with autoMigrate off (a deployment that
//   runs `plaid-vault migrate` as a release step), to show what the check costs.
//
// The commands alternate (A B C A B C ...) so machine drift hits them alike.
// Figures are the child's own clock (performance.now(): from process start,
// so Node's boot counts) at the end of the read, split into import / open /
// read, plus the whole process as the parent saw it (exit included).
// An import-only row times `import('plaid-vault')` alone; `--entry FILE`
// times another build of the package's index (e.g. main's dist) beside it.
// Target: the vault within 1.5x of the baseline (medians).
// Usage: node bench/cold-start.js [--runs 15] [--entry path/to/other/dist/index.js]
import { spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const VAULT_SCHEMA = 'bench_cold_vault';
const RAW_SCHEMA = 'bench_cold_raw';
const ITEM = { userId: 'user-cold', itemId: 'item-cold' };

const argValue = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

// ---------------------------------------------------------------- children
// Each child prints one JSON line: { importMs, openMs, readMs, totalMs } where
// totalMs is performance.now() at the end (time since the process started).

async function vaultChild(env) {
  const t0 = performance.now();
  const { createVault } = await import('plaid-vault');
  const t1 = performance.now();
  const vault = await createVault({
    database: { url: DATABASE_URL, schema: VAULT_SCHEMA },
    redis: REDIS_URL,
    namespace: env.COLD_NAMESPACE,
    keys: env.COLD_KEYS,
    logLevel: 'silent',
    autoMigrate: env.COLD_MIGRATE === '1',
  });
  const t2 = performance.now();
  const length = await vault.withToken({ ...ITEM, purpose: 'cold-start' }, (token) => token.reveal().length);
  const t3 = performance.now();
  await vault.close();
  if (length === 0) throw new Error('empty token');
  return { importMs: t1 - t0, openMs: t2 - t1, readMs: t3 - t2, totalMs: t3 };
}

async function baselineChild(env) {
  const t0 = performance.now();
  const [{ default: pg }, { Redis }, { createDecipheriv }] = await Promise.all([import('pg'), import('ioredis'), import('node:crypto')]);
  const t1 = performance.now();
  const client = new pg.Client({ connectionString: DATABASE_URL });
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await Promise.all([client.connect(), redis.connect()]);
  const key = Buffer.from(env.COLD_RAW_KEY, 'base64');
  const t2 = performance.now();
  const cacheKey = `${env.COLD_NAMESPACE}:${ITEM.itemId}`;
  const cached = await redis.getBuffer(cacheKey);
  if (cached) throw new Error('the baseline expects a cache miss');
  const { rows } = await client.query(`select iv, tag, ct from ${RAW_SCHEMA}.tokens where item_id = $1`, [ITEM.itemId]);
  const row = rows[0];
  const d = createDecipheriv('aes-256-gcm', key, row.iv).setAAD(Buffer.from(ITEM.itemId));
  d.setAuthTag(row.tag);
  const token = Buffer.concat([d.update(row.ct), d.final()]).toString('utf8');
  await redis.set(cacheKey, Buffer.concat([row.iv, row.tag, row.ct]), 'EX', 60);
  const t3 = performance.now();
  await Promise.all([client.end(), redis.quit()]);
  if (!token) throw new Error('empty token');
  return { importMs: t1 - t0, openMs: t2 - t1, readMs: t3 - t2, totalMs: t3 };
}

async function importChild(env) {
  const t0 = performance.now();
  await import(env.COLD_ENTRY ? pathToFileURL(env.COLD_ENTRY).href : 'plaid-vault');
  const t1 = performance.now();
  return { importMs: t1 - t0, openMs: 0, readMs: 0, totalMs: t1 };
}

const CHILDREN = { vault: vaultChild, baseline: baselineChild, import: importChild };

const child = argValue('child');
if (child) {
  const result = await CHILDREN[child](process.env);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------- parent

const RUNS = Number(argValue('runs') ?? 15);
const OTHER_ENTRY = argValue('entry');

async function prepare() {
  const { default: pg } = await import('pg');
  const { createVault } = await import('plaid-vault');
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const keys = `cold1:${randomBytes(32).toString('base64')}`;
  const rawKey = randomBytes(32);
  const token = `access-sandbox-${randomUUID()}`;
  try {
    for (const schema of [VAULT_SCHEMA, RAW_SCHEMA]) {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.query(`create schema ${schema}`);
    }
    await admin.query(`create table ${RAW_SCHEMA}.tokens (item_id text primary key, user_id text not null, iv bytea, tag bytea, ct bytea)`);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', rawKey, iv).setAAD(Buffer.from(ITEM.itemId));
    const ct = Buffer.concat([c.update(token, 'utf8'), c.final()]);
    await admin.query(`insert into ${RAW_SCHEMA}.tokens values ($1, $2, $3, $4, $5)`, [ITEM.itemId, ITEM.userId, iv, c.getAuthTag(), ct]);
    const vault = await createVault({ database: { url: DATABASE_URL, schema: VAULT_SCHEMA }, redis: null, keys, logLevel: 'silent' });
    await vault.items.put({ ...ITEM, accessToken: token });
    await vault.close();
  } finally {
    await admin.end();
  }
  return { keys, rawKey: rawKey.toString('base64') };
}

async function cleanup(namespaces) {
  const { default: pg } = await import('pg');
  const { Redis } = await import('ioredis');
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  for (const schema of [VAULT_SCHEMA, RAW_SCHEMA]) await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.end();
  const redis = new Redis(REDIS_URL);
  for (const ns of namespaces) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${ns}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  await redis.quit();
}

function runChild(name, env) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--child', name], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const processMs = performance.now() - started;
  if (r.status !== 0) throw new Error(`${name} child failed (exit ${r.status}): ${r.stderr.slice(0, 2000)}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').at(-1)), processMs };
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const FIELDS = ['importMs', 'openMs', 'readMs', 'totalMs', 'processMs'];
function summarise(samples) {
  return Object.fromEntries(
    FIELDS.map((f) => [
      f,
      {
        p50: +quantile(
          samples.map((s) => s[f]),
          0.5,
        ).toFixed(1),
        p90: +quantile(
          samples.map((s) => s[f]),
          0.9,
        ).toFixed(1),
      },
    ]),
  );
}

const secrets = await prepare();
const ROWS = [
  { name: 'baseline', label: 'baseline: pg + ioredis + node:crypto', child: 'baseline', env: {} },
  { name: 'vault', label: 'vault (autoMigrate on, the default)', child: 'vault', env: { COLD_MIGRATE: '1' } },
  { name: 'vaultNoMigrate', label: 'vault (autoMigrate off)', child: 'vault', env: { COLD_MIGRATE: '0' } },
  { name: 'importOnly', label: "import('plaid-vault') only", child: 'import', env: {} },
  ...(OTHER_ENTRY
    ? [{ name: 'importOther', label: `import of ${OTHER_ENTRY} only`, child: 'import', env: { COLD_ENTRY: OTHER_ENTRY } }]
    : []),
];
const samples = Object.fromEntries(ROWS.map((r) => [r.name, []]));
const namespaces = [];
try {
  // One warm-up round (disk cache), not counted.
  for (let run = -1; run < RUNS; run++) {
    for (const row of ROWS) {
      const namespace = `cold-${process.pid}-${row.name}-${run + 1}`;
      namespaces.push(namespace);
      const result = runChild(row.child, {
        ...row.env,
        COLD_NAMESPACE: namespace,
        COLD_KEYS: secrets.keys,
        COLD_RAW_KEY: secrets.rawKey,
      });
      if (run >= 0) samples[row.name].push(result);
    }
  }
} finally {
  await cleanup(namespaces);
}

const summary = Object.fromEntries(ROWS.map((r) => [r.name, summarise(samples[r.name])]));
const base = summary.baseline.totalMs.p50;
console.log(
  `${RUNS} fresh processes per row (after one warm-up round); ms; median (p90); total = child clock from process start to the token read`,
);
console.log('target: vault total within 1.5x of the baseline total (medians)\n');
console.log('| path | import | open | first read | total | whole process | total / baseline |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of ROWS) {
  const s = summary[row.name];
  const cell = (f) => `${s[f].p50} (${s[f].p90})`;
  const ratio = row.child === 'import' ? '' : (s.totalMs.p50 / base).toFixed(2);
  const dash = (f) => (row.child === 'import' ? '' : cell(f));
  console.log(
    `| ${row.label} | ${cell('importMs')} | ${dash('openMs')} | ${dash('readMs')} | ${cell('totalMs')} | ${cell('processMs')} | ${ratio} |`,
  );
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/cold-start.json', import.meta.url),
  `${JSON.stringify({ name: 'cold-start', date: new Date().toISOString(), node: process.version, runs: RUNS, summary, samples }, null, 2)}\n`,
);
