// Benchmark (issue 11, item 2): what one forged webhook costs the vault, by how
// far it gets, next to a genuine one; and how many Plaid key look-ups a flood
// of random kids causes. vault.webhooks.handle in process (no HTTP), SQLite
// file, plaid-sandbox for Plaid's keys. JWTs are signed before the timed loops.
// Each class but the first runs after the look-up budget is spent, as under a flood.
// Usage: node bench/webhook-forgery.js [--posts 2000]
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from 'plaid-sandbox';
import { createVault, silentLogger } from '../packages/vault/dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const POSTS = arg('posts', 2000);

const sb = await startSandbox({ port: 0 });
const dir = mkdtempSync(join(tmpdir(), 'pv-bench-wh-'));
const vault = await createVault({
  database: `sqlite:${join(dir, 'vault.db')}`,
  dataDir: dir,
  keys: `k1:${randomBytes(32).toString('base64')}`,
  redis: null,
  logger: silentLogger,
  plaid: { env: 'emulator', baseUrl: sb.url, clientId: sb.clientId, secret: sb.secret, products: ['transactions'] },
});
const { itemId } = await vault.link.sandboxLink({ userId: 'bench-user' });
const lookups = () => sb.state.counters['/webhook_verification_key/get'] ?? 0;

const b64 = (v) => Buffer.from(v).toString('base64url');
const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const body = (item) =>
  JSON.stringify(
    { webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', item_id: item, environment: 'sandbox', n: randomUUID() },
    null,
    2,
  );
function jwt(raw, { alg = 'ES256', kid = randomUUID(), iat = Math.floor(Date.now() / 1000), hash } = {}) {
  const payload = { iat, request_body_sha256: hash ?? createHash('sha256').update(raw).digest('hex') };
  const input = `${b64(JSON.stringify({ alg, kid, typ: 'JWT' }))}.${b64(JSON.stringify(payload))}`;
  return alg === 'none' ? `${input}.` : `${input}.${b64(sign('sha256', Buffer.from(input), { key: forger, dsaEncoding: 'ieee-p1363' }))}`;
}

/** Per-post latency of `make()`'s requests through handle (results ignored: all but `genuine` are refused). */
async function time(make) {
  const posts = Array.from({ length: POSTS }, make);
  const us = [];
  for (const [raw, header] of posts) {
    const t = process.hrtime.bigint();
    await vault.webhooks.handle(raw, { 'plaid-verification': header }).catch(() => {});
    us.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  us.sort((a, b) => a - b);
  return { p50Us: Math.round(us[us.length >> 1]), p99Us: Math.round(us[Math.floor(us.length * 0.99)]) };
}

// Plaid's key, learnt once before the flood (as on any vault that has received a webhook).
const warm = body(itemId);
await vault.webhooks.handle(warm, { 'plaid-verification': sb.signWebhook(warm) });

// Before the flood, while the budget lasts: one forged kid, looked up once, then refused from memory.
const repeatedKid = randomUUID();
const atNegative = lookups();
const negative = await time(() => {
  const raw = body(null);
  return [raw, jwt(raw, { kid: repeatedKid })];
});
const negativeRow = { name: 'one kid Plaid refused, posted again (negative cache)', ...negative, lookups: lookups() - atNegative };

// The flood: random kids, well-formed, fresh, true body hash; half name unknown items, half a held one.
const before = lookups();
const flood = await time((_, i) => {
  const raw = body(i % 2 ? itemId : `item-${randomUUID()}`);
  return [raw, jwt(raw)];
});
const floodLookups = lookups() - before;

const classes = {
  'alg none': () => {
    const raw = body(null);
    return [raw, jwt(raw, { alg: 'none' })];
  },
  'iat 10 min old': () => {
    const raw = body(null);
    return [raw, jwt(raw, { iat: Math.floor(Date.now() / 1000) - 600 })];
  },
  'hash of another body': () => {
    const raw = body(null);
    return [raw, jwt(raw, { hash: 'ab'.repeat(32) })];
  },
  'random kid, no item (saved-key read)': () => {
    const raw = body(null);
    return [raw, jwt(raw)];
  },
  'random kid, unknown item (saved-key + item read)': () => {
    const raw = body(`item-${randomUUID()}`);
    return [raw, jwt(raw)];
  },
  'genuine (known key, marker write, dispatch, audit)': () => {
    const raw = body(itemId);
    return [raw, sb.signWebhook(raw)];
  },
};
const rows = [negativeRow];
for (const [name, make] of Object.entries(classes)) {
  const at = lookups();
  rows.push({ name, ...(await time(make)), lookups: lookups() - at });
}

console.log(`${POSTS} posts per row, SQLite, in process; µs per post\n`);
console.log(
  `flood of ${POSTS} random kids (half naming a held item): ${floodLookups} Plaid key look-ups; p50 ${flood.p50Us} µs, p99 ${flood.p99Us} µs\n`,
);
console.log('| forged post | p50 µs | p99 µs | Plaid look-ups |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.name} | ${r.p50Us} | ${r.p99Us} | ${r.lookups} |`);

await vault.close();
await sb.close();
rmSync(dir, { recursive: true, force: true });
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/webhook-forgery.json', import.meta.url),
  `${JSON.stringify({ name: 'webhook-forgery', date: new Date().toISOString(), node: process.version, posts: POSTS, flood: { ...flood, lookups: floodLookups }, rows }, null, 2)}\n`,
);
