// Benchmark: envelope seal/open per operation next to ONE raw AES-256-GCM
// decrypt of a 51-byte token (what a plaintext-key design would pay), plus
// the envelope's parts (its CRC-32 damage check). Runs the candidates interleaved in
// short rounds so machine noise hits them alike; reports median and best round.
// Usage: node bench/crypto.js [--rounds 20] [--batch 5000]
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes } from 'node:crypto';
import { crc32 } from '../packages/vault/dist/crypto/crc32.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { envelopeKid, open, rewrap, seal } from '../packages/vault/dist/crypto/envelope.js';
import { generateKeyEntry, parseKeyring } from '../packages/vault/dist/crypto/keyring.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 20);
const BATCH = arg('batch', 5000);

const TOKEN = 'access-sandbox-8ab976e8-8a2c-4e1b-b1b2-4c5d6e7f8a9b'; // 51 bytes, Plaid's shape
const ref = { itemId: 'item-0000000001', userId: 'user-0000000001' };
const keyring = parseKeyring(`${generateKeyEntry('k2')},${generateKeyEntry('k1')}`);
const envelope = seal(keyring, ref, TOKEN);

const rawKey = createSecretKey(randomBytes(32));
const rawIv = randomBytes(12);
const aad = Buffer.from(ref.itemId);
const cipher = createCipheriv('aes-256-gcm', rawKey, rawIv).setAAD(aad);
const rawCt = Buffer.concat([cipher.update(TOKEN, 'utf8'), cipher.final()]);
const rawTag = cipher.getAuthTag();

let sink = 0;
const cases = {
  'raw AES-256-GCM decrypt (1 layer)': () => {
    const d = createDecipheriv('aes-256-gcm', rawKey, rawIv).setAAD(aad).setAuthTag(rawTag);
    sink += (d.update(rawCt, undefined, 'utf8') + d.final('utf8')).length;
  },
  'envelope open (check + 2 layers)': () => {
    sink += open(keyring, ref, envelope).reveal().length;
  },
  'envelope seal': () => {
    sink += seal(keyring, ref, TOKEN).length;
  },
  'envelope rewrap': () => {
    sink += rewrap(keyring, ref, envelope).length;
  },
  'envelopeKid (parse + CRC-32 check)': () => {
    sink += envelopeKid(envelope).length;
  },
  'CRC-32 of the envelope body (the check used)': () => {
    sink += crc32(envelope, envelope.length - 4);
  },
  'SHA-256 of the envelope body (the check not used)': () => {
    sink += createHash('sha256')
      .update(envelope.subarray(0, envelope.length - 4))
      .digest()[0];
  },
};

const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (const fn of Object.values(cases)) for (let i = 0; i < 2000; i++) fn(); // warm-up (JIT)
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) fn();
    samples[name].push(Number(process.hrtime.bigint() - t0) / BATCH / 1000);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const raw = median(samples['raw AES-256-GCM decrypt (1 layer)']);
const rows = Object.entries(samples).map(([name, xs]) => ({
  operation: name,
  usPerOpMedian: +median(xs).toFixed(2),
  usPerOpBest: +Math.min(...xs).toFixed(2),
  opsPerSec: Math.round(1e6 / median(xs)),
  vsRawDecrypt: +(median(xs) / raw).toFixed(2),
}));

console.log(`envelope ${envelope.length} bytes for a ${TOKEN.length}-byte token; ${ROUNDS} rounds x ${BATCH} ops\n`);
console.log('| operation | µs/op (median) | µs/op (best round) | ops/s | x raw decrypt |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.operation} | ${r.usPerOpMedian} | ${r.usPerOpBest} | ${r.opsPerSec} | ${r.vsRawDecrypt} |`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/crypto.json', import.meta.url),
  `${JSON.stringify({ name: 'crypto', date: new Date().toISOString(), node: process.version, envelopeBytes: envelope.length, rounds: ROUNDS, batch: BATCH, rows }, null, 2)}\n`,
);
if (sink === 0) console.error('(unreachable: keeps the work observable)');
