#!/usr/bin/env node
// Runs every benchmark in order, each in its own process (fresh heap, no JIT
// cross-talk), and prints their tables. Pass names to run a subset:
//   npm run bench -- store-hit cache
// Results are also written by each script to bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const ORDER = [
  'crypto',
  'store-hit',
  'pg-statements',
  'cache',
  'audit-modes',
  'sandbox-accounts',
  'http-accounts',
  'rekey',
  'rotate-many',
  'webhook-forgery',
  'cold-start',
];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const names = (wanted.length ? wanted : ORDER).filter((n) => existsSync(join(here, `${n}.js`)));

mkdirSync(join(here, 'results'), { recursive: true });
console.log(`# plaid-vault benchmarks\n`);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
);
console.log(`date: ${new Date().toISOString()}\n`);

let failed = 0;
for (const name of names) {
  console.log(`\n## ${name}\n`);
  const started = Date.now();
  const extra = name === 'cache' ? ['--expose-gc'] : [];
  const r = spawnSync(process.execPath, [...extra, join(here, `${name}.js`), ...passThrough], { stdio: 'inherit', env: process.env });
  console.log(`\n(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${r.status})`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
