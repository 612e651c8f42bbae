// Benchmark: /accounts/get through the official plaid SDK against plaid-sandbox, at
// 64 concurrent callers for ~5 s, with the sandbox in-process (how tests use it) and
// in a child process (the CLI; client and server then get a core each), next to a
// bare node:http server with a canned body (the floor set by the SDK client itself).
// Usage: node bench/sandbox-accounts.js [--seconds 5] [--concurrency 64]
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Configuration, PlaidApi } from 'plaid';
import { startSandbox } from '../packages/plaid-sandbox/dist/index.js';
import { percentile } from './lib/measure.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 5);
const CONCURRENCY = arg('concurrency', 64);
const CLI = fileURLToPath(new URL('../packages/plaid-sandbox/dist/cli.js', import.meta.url));

const client = (url) =>
  new PlaidApi(
    new Configuration({
      basePath: url,
      baseOptions: { headers: { 'PLAID-CLIENT-ID': 'test_client_id', 'PLAID-SECRET': 'test_secret' } },
    }),
  );

async function newAccessToken(plaid) {
  const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions'] });
  return (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data.access_token;
}

async function load(url, token) {
  const plaid = client(url);
  // Warm-up at full concurrency, so every keep-alive connection exists before measuring.
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = 0; i < 3; i++) await plaid.accountsGet({ access_token: token });
    }),
  );
  const latencies = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await plaid.accountsGet({ access_token: token });
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds: +elapsed.toFixed(2),
    reqPerSec: Math.round(latencies.length / elapsed),
    p50Ms: +percentile(latencies, 50).toFixed(2),
    p99Ms: +percentile(latencies, 99).toFixed(2),
  };
}

// Baseline: a bare node:http server answering a canned /accounts/get body, measured with
// the same SDK client at the same moment, so the sandbox's own cost can be read off
// even on a busy machine.
async function bareBaseline() {
  const sb = await startSandbox();
  const plaid = client(sb.url);
  const token = await newAccessToken(plaid);
  const canned = JSON.stringify((await plaid.accountsGet({ access_token: token })).data);
  await sb.close();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(canned) });
      res.end(canned);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await load(`http://127.0.0.1:${server.address().port}`, token);
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

async function inProcess() {
  const sb = await startSandbox();
  try {
    return await load(sb.url, await newAccessToken(client(sb.url)));
  } finally {
    await sb.close();
  }
}

async function childProcess() {
  const child = spawn(process.execPath, [CLI, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('sandbox CLI did not start')), 10_000);
      child.stdout.on('data', (c) => {
        out += c;
        const m = /listening on (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    return await load(url, await newAccessToken(client(url)));
  } finally {
    child.kill('SIGTERM');
  }
}

const rows = [
  { mode: 'baseline: bare node:http, canned body', ...(await bareBaseline()) },
  { mode: 'in-process', ...(await inProcess()) },
  { mode: 'child process (CLI)', ...(await childProcess()) },
];

console.log(`\n### plaid-sandbox /accounts/get via the plaid SDK, ${CONCURRENCY} concurrent, ${SECONDS} s\n`);
console.log('| mode | requests | errors | req/s | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.mode} | ${r.requests} | ${r.errors} | ${r.reqPerSec} | ${r.p50Ms} | ${r.p99Ms} |`);

const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(
  `${dir}sandbox-accounts.json`,
  JSON.stringify(
    { name: 'sandbox-accounts', concurrency: CONCURRENCY, seconds: SECONDS, node: process.version, at: new Date().toISOString(), rows },
    null,
    2,
  ),
);
