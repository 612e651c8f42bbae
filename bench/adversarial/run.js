#!/usr/bin/env node
// The adversarial run (docs/RELIABILITY.md): attacks and faults against the
// vault as users would meet it (plaid-vault serve as a child process, the CLI,
// the library, the reference app when built), one class at a time, each
// bounded in time, then a table of `class | tried | held`. Exit code 1 when
// any attempt did not hold or a class crashed.
//
//   npm run adversarial                    # full run (a few minutes)
//   npm run adversarial -- --quick         # fewer attempts per class (about a minute)
//   npm run adversarial -- --only tamper,fuzz --seed 7 --web on
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeAgent, takeExchanges } from './lib/http.js';
import { REPO } from './lib/paths.js';
import { createTally, formatReport, runFailed } from './lib/report.js';
import { createRandom, createScope } from './lib/scope.js';
import auditInsert from './classes/audit-insert.js';
import crossUser from './classes/cross-user.js';
import forgedWebhooks from './classes/forged-webhooks.js';
import fuzz from './classes/fuzz.js';
import kidFlood from './classes/kid-flood.js';
import leaks from './classes/leaks.js';
import orphans from './classes/orphans.js';
import sigkillRotate from './classes/sigkill-rotate.js';
import staleReads from './classes/stale-reads.js';
import tamper from './classes/tamper.js';

/**
 * @typedef {object} ClassContext
 * @property {boolean} quick
 * @property {ReturnType<typeof createRandom>} random seeded per class
 * @property {import('./lib/scope.js').Scope} scope
 * @property {import('./lib/report.js').Tally} tally
 * @property {() => boolean} overTime true once the class's time budget is spent: stop starting attempts
 * @property {'auto' | 'on' | 'off'} web
 * @property {(msg: string) => void} log progress on stderr
 */

/**
 * @typedef {object} AdversarialClass
 * @property {string} id
 * @property {string} label
 * @property {{ full: number, quick: number }} budgetSeconds when to stop starting attempts
 * @property {(ctx: ClassContext) => Promise<void>} run
 */

/** @type {AdversarialClass[]} */
const CLASSES = [tamper, crossUser, fuzz, forgedWebhooks, leaks, sigkillRotate, orphans, staleReads, kidFlood, auditInsert];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    skip: { type: 'string' },
    seed: { type: 'string', default: '1' },
    web: { type: 'string', default: 'auto' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run adversarial -- [--quick] [--only a,b] [--skip a,b] [--seed N] [--web auto|on|off] [--json FILE]

Classes: ${CLASSES.map((c) => c.id).join(', ')}
--web auto uses the reference app when a current build exists (apps/web/.next; full runs only), on builds it if needed, off skips it.
Results: a table on stdout, JSON in bench/results/adversarial.json (or --json FILE). Exit 1 if anything did not hold.`);
  process.exit(0);
}
const web = /** @type {'auto' | 'on' | 'off'} */ (['auto', 'on', 'off'].includes(values.web ?? '') ? values.web : 'auto');
const list = (/** @type {string | undefined} */ v) => (v ? v.split(',').map((s) => s.trim()) : []);
const only = list(values.only);
const skip = list(values.skip);
const unknown = [...only, ...skip].filter((id) => !CLASSES.some((c) => c.id === id));
if (unknown.length) {
  console.error(`unknown class(es): ${unknown.join(', ')}; known: ${CLASSES.map((c) => c.id).join(', ')}`);
  process.exit(2);
}
const selected = CLASSES.filter((c) => (only.length === 0 || only.includes(c.id)) && !skip.includes(c.id));
const seed = Number(values.seed) || 1;

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const machine = `${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`;
console.log(`# plaid-vault adversarial run (${values.quick ? 'quick' : 'full'})\n`);
console.log(`machine: ${machine}; load average at start ${loadavg()[0]?.toFixed(1)}`);
console.log(`commit: ${commit}; date: ${new Date().toISOString()}; seed: ${seed}\n`);

const started = Date.now();
/** @type {import('./lib/report.js').Tally[]} */
const tallies = [];
/** @type {import('./lib/scope.js').Scope | undefined} */
let current;
// Ctrl-C: undo what the running class started (schemas, servers, temp dirs) before leaving.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void (current?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}
for (const [index, cls] of selected.entries()) {
  const tally = createTally(cls.id, cls.label);
  tallies.push(tally);
  const scope = createScope();
  current = scope;
  takeExchanges(); // each class scans only the answers it received
  const budgetMs = (values.quick ? cls.budgetSeconds.quick : cls.budgetSeconds.full) * 1000;
  const t0 = Date.now();
  /** @param {string} msg */
  const log = (msg) => console.error(`[${cls.id} +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
  log('start');
  /** @type {NodeJS.Timeout | undefined} */
  let watchdog;
  try {
    // A class stops starting attempts at its budget; one that still hangs long after is cut off (its processes are killed below).
    const hardMs = budgetMs * 3 + 60_000;
    await Promise.race([
      cls.run({
        quick: values.quick === true,
        random: createRandom(seed * 1000 + index),
        scope,
        tally,
        overTime: () => Date.now() - t0 > budgetMs,
        web: values.quick && web === 'auto' ? 'off' : web,
        log,
      }),
      new Promise((_, reject) => {
        watchdog = setTimeout(() => reject(new Error(`still running after ${hardMs / 1000} s; stopped`)), hardMs);
      }),
    ]);
  } catch (err) {
    tally.error = err instanceof Error ? err.message : String(err);
    log(`error: ${tally.error}`);
    if (process.env.ADVERSARIAL_DEBUG) console.error(err);
  } finally {
    clearTimeout(watchdog);
    await scope.close();
  }
  tally.ms = Date.now() - t0;
  log(`${tally.verdict()}: ${tally.held}/${tally.tried} held`);
}
closeAgent();

const seconds = (Date.now() - started) / 1000;
console.log(formatReport(tallies));
console.log(`\ntotal: ${seconds.toFixed(1)} s (${values.quick ? 'quick' : 'full'}); load average at end ${loadavg()[0]?.toFixed(1)}`);

const out = values.json ?? join(REPO, 'bench', 'results', 'adversarial.json');
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      mode: values.quick ? 'quick' : 'full',
      machine,
      commit,
      date: new Date().toISOString(),
      seed,
      seconds,
      classes: tallies.map((t) => ({
        id: t.id,
        label: t.label,
        tried: t.tried,
        held: t.held,
        verdict: t.verdict(),
        seconds: t.ms / 1000,
        notes: t.notes,
        failures: t.failures,
        skipped: t.skipped,
        error: t.error,
      })),
    },
    null,
    2,
  )}\n`,
);
process.exit(runFailed(tallies) ? 1 : 0);
