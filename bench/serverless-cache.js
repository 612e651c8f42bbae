// Benchmark (issue 13, item 2): what a warm `vault.withToken` costs in serverless
// mode, where no invalidation bus keeps instances coherent. Each option on the
// same items, over the KV REST fixture (the real @upstash/redis over HTTP to a
// local Upstash-compatible endpoint in front of the local Redis) and over TCP
// Redis (ioredis, VAULT_SERVERLESS):
//   - generation check (the default): an L1 hit is served after one GET of the
//     item's generation (a few bytes);
//   - L1 off (VAULT_CACHE_MAX=0): every use reads the generation and the value
//     (one pipelined request, ~230 bytes of base64) and opens the envelope;
//   - unchecked L1 (the TCP tier with its bus, L1 hit): no I/O at all; what an
//     L1 with a short TTL and no check would cost, at a staleness of that TTL.
// Sequential, one request at a time, after a warm-up; latencies in µs.
// Usage: node bench/serverless-cache.js [--items 200] [--ops 3000]
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';
import { createVault } from '../packages/vault/dist/index.js';
import { fakeToken, percentile } from './lib/measure.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ITEMS = arg('items', 200);
const OPS = arg('ops', 3000);
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const here = fileURLToPath(new URL('.', import.meta.url));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

// The fixture is TypeScript (test/fixtures): Vite's module runner loads it as the tests do.
const { module: fixture } = await runnerImport(join(here, '../packages/vault/test/fixtures/kv-rest-server.ts'), {
  configFile: false,
  logLevel: 'silent',
});
const kv = await fixture.createKvRestServer({ redisUrl: REDIS_URL });

const run = randomBytes(3).toString('hex');
const refs = Array.from({ length: ITEMS }, (_, i) => ({ userId: `user-${run}-${i % 7}`, itemId: `item-${run}-${i}` }));
const keys = `k1:${randomBytes(32).toString('base64')}`;

async function measure(name, options) {
  const namespace = `bench${run}${name.replace(/[^a-z]/g, '').slice(0, 12)}`;
  const vault = await createVault({ database: 'sqlite::memory:', keys, namespace, logger: silent, ...options });
  try {
    // The TCP client connects in the background: wait for it (and the bus), or the first writes fail and open the breaker.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      const { bus, breaker } = vault.stats().cache;
      if (bus !== 'down' && breaker === 'closed' && (await vault.health()).redis !== 'down') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const ref of refs) await vault.items.put({ ...ref, accessToken: fakeToken() });
    const use = (ref) => vault.withToken({ ...ref, purpose: 'bench' }, (t) => t.reveal().length);
    for (let n = 0; n < Math.min(OPS, 2 * ITEMS); n++) await use(refs[n % ITEMS]); // warm: L1 / L2 filled
    await vault.flush();
    const lat = new Float64Array(OPS);
    const before = vault.stats().cache;
    const started = performance.now();
    for (let n = 0; n < OPS; n++) {
      const t0 = performance.now();
      await use(refs[(n * 7919) % ITEMS]);
      lat[n] = (performance.now() - t0) * 1000;
    }
    const elapsed = performance.now() - started;
    const after = vault.stats().cache;
    lat.sort();
    return {
      name,
      opsPerSec: Math.round(OPS / (elapsed / 1000)),
      p50Us: +percentile(lat, 50).toFixed(1),
      p99Us: +percentile(lat, 99).toFixed(1),
      l1Hits: after.l1.hits - before.l1.hits,
      l2Hits: after.l2.hits - before.l2.hits,
      storeLoads: after.loads - before.loads,
      errors: after.l2.errors - before.l2.errors,
    };
  } finally {
    await vault.close();
  }
}

const kvOptions = { kv: { url: kv.url, token: kv.token }, cache: { l2: { timeoutMs: 1000 } } };
const tcpOptions = { redis: REDIS_URL, serverless: true, cache: { l2: { timeoutMs: 1000 } } };
const rows = [];
try {
  rows.push(await measure('KV REST: generation check (default)', kvOptions));
  rows.push(await measure('KV REST: L1 off', { ...kvOptions, cache: { l1: { max: 0 }, l2: { timeoutMs: 1000 } } }));
  rows.push(await measure('TCP Redis, serverless: generation check (default)', tcpOptions));
  rows.push(await measure('TCP Redis, serverless: L1 off', { ...tcpOptions, cache: { l1: { max: 0 }, l2: { timeoutMs: 1000 } } }));
  rows.push(await measure('TCP Redis with bus: unchecked L1 hit', { redis: REDIS_URL }));
} finally {
  await kv.close();
}

console.log(`${ITEMS} items, ${OPS} sequential withToken calls per row (warm); latencies in µs\n`);
console.log('| option | ops/s | p50 µs | p99 µs | L1 hits | L2 hits | store reads | L2 errors |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.opsPerSec} | ${r.p50Us} | ${r.p99Us} | ${r.l1Hits} | ${r.l2Hits} | ${r.storeLoads} | ${r.errors} |`);
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'serverless-cache.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, items: ITEMS, ops: OPS, rows }, null, 2),
);
