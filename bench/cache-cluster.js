// Benchmark (issue 13, item 5): the L2 tier on one Redis next to the same tier on
// a Redis Cluster, in one run: L2 hit (L1 off) sequential and 64-way, the raw
// reference (GET + one envelope open) on each, and the kid sweep (purgeKids, as
// `rekey` runs it) over --sweep entries, half of them dropped.
// The cluster is TEST_REDIS_CLUSTER_NODES (default the 3 masters `.ci/services`
// starts on 127.0.0.1:7001-7003); nothing outside this run's namespaces is touched.
// Usage: node bench/cache-cluster.js [--items 1000] [--redis-ops 10000] [--sweep 20000]
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectBatchRedis } from '../packages/vault/dist/cache/batch-redis-client.js';
import { eachMaster } from '../packages/vault/dist/cache/cluster-topology.js';
import { createTokenCache } from '../packages/vault/dist/cache/tiered-token-cache.js';
import { deriveL2MacKey, encodeL2Value, l2ValueEnvelope } from '../packages/vault/dist/cache/l2-value.js';
import { purgeKids } from '../packages/vault/dist/cache/purge-kids.js';
import { createRedisClient } from '../packages/vault/dist/cache/redis-client.js';
import { connectBatchRedisCluster, createRedisClusterClient } from '../packages/vault/dist/cache/redis-cluster-client.js';
import { parseClusterNodes } from '../packages/vault/dist/config/redis-cluster-config.js';
import { open, seal } from '../packages/vault/dist/crypto/envelope.js';
import { parseKeyring } from '../packages/vault/dist/crypto/keyring.js';
import { closedLoop, fakeToken, percentile } from './lib/measure.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ITEMS = arg('items', 1000);
const REDIS_OPS = arg('redis-ops', 10_000);
const SWEEP = arg('sweep', 20_000);
const CONCURRENCY = 64;
const BLOCKS = 10;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLUSTER_NODES = process.env.TEST_REDIS_CLUSTER_NODES ?? '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003';
const run = randomBytes(4).toString('hex');
const keyring = parseKeyring(`k2:${randomBytes(32).toString('base64')}`);
const oldRing = parseKeyring(`k1:${randomBytes(32).toString('base64')}`);

const pick = (n) => (Math.imul(n + 1, 2654435761) >>> 0) % ITEMS;
const ready = (client) =>
  new Promise((resolve, reject) => (client.status === 'ready' ? resolve() : client.once('ready', resolve).once('end', reject)));

async function timed(fn, ops, workers) {
  const { lat, elapsedMs } = await closedLoop(fn, ops, workers, pick);
  return {
    ops,
    opsPerSec: Math.round(ops / (elapsedMs / 1000)),
    p50Us: +percentile(lat, 50).toFixed(1),
    p99Us: +percentile(lat, 99).toFixed(1),
  };
}

/** Every key under `pattern` on every master, deleted one by one (the keys lie in many slots). */
async function dropPattern(client, pattern) {
  for (const node of eachMaster(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      await Promise.all(keys.map((k) => node.del(k)));
      cursor = next;
    } while (cursor !== '0');
  }
}

async function l2Paths(name, client) {
  const namespace = `benchcl${run}${name}`;
  const hmacKey = randomBytes(32);
  const refs = Array.from({ length: ITEMS }, (_, i) => ({ itemId: `item-${run}-${i}`, userId: `user-${run}-${i % 50}` }));
  const rows = new Map(refs.map((r) => [r.itemId, { userId: r.userId, envelope: seal(keyring, r, fakeToken()), version: 1 }]));
  const source = { load: async (id) => rows.get(id), open: (envelope, ref) => open(keyring, ref, envelope) };
  const cache = createTokenCache({ source, l1: { max: 0 }, redis: { client, namespace, hmacKey } });
  const keys = refs.map((r) => `pv:${namespace}:{${createHmac('sha256', hmacKey).update(r.itemId).digest('base64url')}}`);
  try {
    for (let tries = 0; ; tries++) {
      const missing = (await Promise.all(keys.map((k) => client.exists(k)))).flatMap((e, i) => (e ? [] : [i]));
      if (missing.length === 0) break;
      if (tries > 400) throw new Error(`${name}: L2 did not fill`);
      for (const i of missing) await cache.resolve(refs[i]);
      await new Promise((r) => setTimeout(r, 20));
    }
    return {
      cache,
      paths: {
        l2Hit: (i) => cache.resolve(refs[i]),
        rawGetDecrypt: async (i) => open(keyring, refs[i], l2ValueEnvelope(await client.getBuffer(keys[i]))),
      },
      async close() {
        await cache.close();
        await dropPattern(client, `pv:${namespace}:*`);
      },
    };
  } catch (err) {
    await cache.close();
    throw err;
  }
}

/** SWEEP entries (half under k1, half under k2) in a fresh namespace, then one purgeKids keeping k2. */
async function sweep(name, client, batch) {
  const namespace = `benchsw${run}${name}`;
  const macKey = deriveL2MacKey(randomBytes(32));
  const envelopes = [seal(oldRing, { itemId: 'x', userId: 'y' }, fakeToken()), seal(keyring, { itemId: 'x', userId: 'y' }, fakeToken())];
  for (let i = 0; i < SWEEP; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, SWEEP - i) }, (_, k) => {
        const key = `pv:${namespace}:{${randomBytes(32).toString('base64url')}}`;
        return client.set(key, encodeL2Value(macKey, key, 1, envelopes[(i + k) % 2]), 'EX', 600);
      }),
    );
  }
  const started = performance.now();
  const report = await purgeKids({ client: batch, namespace, keep: ['k2'], ttlSeconds: 600 });
  const seconds = (performance.now() - started) / 1000;
  await dropPattern(client, `pv:${namespace}:*`);
  return {
    entries: SWEEP,
    scanned: report.scanned,
    purged: report.purged,
    seconds: +seconds.toFixed(2),
    entriesPerSec: Math.round(report.scanned / seconds),
  };
}

async function main() {
  const spec = parseClusterNodes(CLUSTER_NODES).spec;
  const single = await createRedisClient(REDIS_URL);
  const cluster = await createRedisClusterClient(spec);
  await Promise.all([ready(single), ready(cluster)]);
  // The cluster is ready before every node connection is; a command for a node still connecting fails at once.
  while (!cluster.nodes('master').every((node) => node.status === 'ready')) await new Promise((r) => setTimeout(r, 10));
  const targets = { single: await l2Paths('s', single), cluster: await l2Paths('c', cluster) };
  try {
    await new Promise((r) => setTimeout(r, 200));
    // Interleaved blocks, the order rotating, so machine noise hits every path alike; medians over the blocks.
    const names = ['single.l2Hit', 'cluster.l2Hit', 'single.rawGetDecrypt', 'cluster.rawGetDecrypt'];
    const blocks = Object.fromEntries(names.map((n) => [n, []]));
    for (let b = 0; b < BLOCKS; b++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(b + k) % names.length];
        const [target, path] = name.split('.');
        blocks[name].push(await timed(targets[target].paths[path], Math.ceil(REDIS_OPS / BLOCKS), 1));
      }
    }
    const seq = {};
    for (const [name, parts] of Object.entries(blocks)) {
      const mid = (k) => [...parts.map((p) => p[k])].sort((a, b) => a - b)[Math.floor(parts.length / 2)];
      seq[name] = { ops: REDIS_OPS, opsPerSec: mid('opsPerSec'), p50Us: mid('p50Us'), p99Us: mid('p99Us') };
    }
    const conc = {};
    for (const name of ['single.l2Hit', 'cluster.l2Hit']) {
      const [target, path] = name.split('.');
      conc[name] = await timed(targets[target].paths[path], REDIS_OPS * 2, CONCURRENCY);
    }
    const health = Object.fromEntries(
      Object.entries(targets).map(([n, t]) => [n, { errors: t.cache.stats().l2.errors, breaker: t.cache.stats().breaker }]),
    );

    const batchSingle = await connectBatchRedis(REDIS_URL);
    const batchCluster = await connectBatchRedisCluster(spec);
    const sweeps = {};
    try {
      sweeps.single = await sweep('s', single, batchSingle);
      sweeps.cluster = await sweep('c', cluster, batchCluster);
    } finally {
      batchSingle.disconnect();
      batchCluster.disconnect();
    }
    return { seq, conc, sweeps, health };
  } finally {
    for (const t of Object.values(targets)) await t.close();
    await single.quit();
    await cluster.quit();
  }
}

const r = await main();
console.log(`${ITEMS} items, L1 off; sequential (medians of ${BLOCKS} interleaved blocks) and ${CONCURRENCY}-way; latencies in µs\n`);
console.log('| path | mode | ops | ops/s | p50 µs | p99 µs |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
const LABELS = {
  'single.l2Hit': 'L2 hit, one Redis',
  'cluster.l2Hit': 'L2 hit, Redis Cluster (3 masters)',
  'single.rawGetDecrypt': 'reference: GET + open, one Redis',
  'cluster.rawGetDecrypt': 'reference: GET + open, Redis Cluster',
};
for (const [name, label] of Object.entries(LABELS)) {
  for (const [mode, set] of [
    ['sequential', r.seq],
    [`${CONCURRENCY}-way`, r.conc],
  ]) {
    const p = set[name];
    if (p) console.log(`| ${label} | ${mode} | ${p.ops} | ${p.opsPerSec} | ${p.p50Us} | ${p.p99Us} |`);
  }
}
console.log('\n| kid sweep (purgeKids, keep k2) | entries | purged | seconds | entries/s |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, s] of Object.entries(r.sweeps))
  console.log(`| ${name} | ${s.scanned} | ${s.purged} | ${s.seconds} | ${s.entriesPerSec} |`);
console.log(
  `\ncluster/single: L2 hit p50 ${(r.seq['cluster.l2Hit'].p50Us / r.seq['single.l2Hit'].p50Us).toFixed(2)}x, ` +
    `64-way ops/s ${(r.conc['cluster.l2Hit'].opsPerSec / r.conc['single.l2Hit'].opsPerSec).toFixed(2)}x, ` +
    `sweep ${(r.sweeps.cluster.entriesPerSec / r.sweeps.single.entriesPerSec).toFixed(2)}x`,
);
console.log(`L2 during the run: ${JSON.stringify(r.health)}`);
const here = fileURLToPath(new URL('.', import.meta.url));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'cache-cluster.json'),
  JSON.stringify({ date: new Date().toISOString(), node: process.version, items: ITEMS, ...r }, null, 2),
);
