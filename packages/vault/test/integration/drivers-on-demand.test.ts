/**
 * Drivers on demand (issue 12): importing plaid-vault loads no driver; a vault
 * loads the one its configuration names, on first use; a driver that is not
 * installed is ERR_CONFIG_INVALID naming the package and how to install it.
 * Each case is a fresh Node process on the built package (a module cache
 * shared with other tests would prove nothing). "Not installed" is a real
 * resolution failure, made by a module hook (without-package.mjs), not a mock.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { ensureBuilt } from './cli-harness.js';

const PACKAGE_DIR = join(import.meta.dirname, '..', '..');
const FIXTURES = join(PACKAGE_DIR, 'test', 'fixtures');
/** Loaded where first needed, not with the package (cold start, issue 13): the query builder, webhook JWTs, the default logger. */
const ON_FIRST_USE = ['kysely', 'jose', 'pino'];
/** Every package a deployment may do without, and the HTTP face's. */
const DRIVERS = ['better-sqlite3', 'pg', 'ioredis', 'plaid', 'axios', '@upstash/redis', 'plaid-sandbox', 'hono', '@hono/node-server'];

/** The vault's own folders a cold token read never loads (wire-features.ts wires them on the first call that needs them). */
const FEATURE_FOLDERS = ['rotation/', 'data/', 'webhooks/', 'keys/', 'import/', 'doctor/', 'metrics/'];
/** Under import/: the readers the package root exports (`readJsonLines`, `readPostgres`), loaded with it. */
const ROOT_READERS = ['import/json-lines-source.js', 'import/postgres-source.js', 'import/import-record.js'];
const inFeatures = (modules: string[]) =>
  modules.filter((m) => FEATURE_FOLDERS.some((f) => m.startsWith(f)) && !ROOT_READERS.includes(m)).sort();

interface Outcome {
  error: { code?: string; details?: { package?: string }; message: string } | null;
  loaded: string[];
  /** The vault's own modules (paths under dist/) loaded before a `phase first-feature` line, and after it. */
  modules: { before: string[]; after: string[] };
  answers: ({ value: unknown } | { code: string })[] | null;
}

let dir: string;
beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'pv-drivers-'));
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScenario(scenario: string, hide?: string, shared?: { dir: string; keys: string }): Outcome {
  const hooks = ['--import', join(FIXTURES, 'trace-packages.mjs'), '--import', join(FIXTURES, 'without-package.mjs')];
  const r = spawnSync(process.execPath, [...hooks, join(FIXTURES, 'drivers-script.mjs')], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      ...process.env,
      PV_SCENARIO: scenario,
      PV_DIR: shared?.dir ?? mkdtempSync(join(dir, `${scenario}-`)),
      ...(shared && { PV_KEYS: shared.keys }),
      // Unreachable on purpose: a missing driver must fail before any connection is tried.
      PV_DATABASE_URL: 'postgres://vault@127.0.0.1:1/none',
      PV_REDIS_URL: 'redis://127.0.0.1:1',
      ...(hide && { PV_HIDE_PACKAGE: hide }),
    },
  });
  expect(r.status, r.stderr).toBe(0);
  const { error, cjs, answers } = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Pick<Outcome, 'error' | 'answers'> & { cjs: string[] };
  const traced = [...r.stderr.matchAll(/^package-loaded (\S+)$/gm)].map((m) => m[1]!);
  const [before = '', after = ''] = r.stderr.split(/^phase first-feature$/m);
  const own = (text: string) => [...new Set([...text.matchAll(/^vault-module-loaded (\S+)$/gm)].map((m) => m[1]!))];
  return { error, loaded: [...new Set([...traced, ...cjs])].sort(), modules: { before: own(before), after: own(after) }, answers };
}

describe('drivers on demand', () => {
  it('importing plaid-vault loads no driver, no Plaid SDK, no emulator and no HTTP server', () => {
    const { error, loaded } = runScenario('import');
    expect(error).toBeNull();
    expect(loaded.filter((name) => DRIVERS.includes(name))).toEqual([]);
    expect(loaded.filter((name) => ON_FIRST_USE.includes(name))).toEqual([]);
  });

  it('a cold read on a migrated SQLite database loads no query builder, no jose and no pino', () => {
    const shared = { dir: mkdtempSync(join(dir, 'read-')), keys: `k1:${randomBytes(32).toString('base64')}` };
    // The first process migrates, puts the item (a builder write) and reads it.
    expect(runScenario('sqlite', undefined, shared).loaded).toContain('kysely');
    const { error, loaded } = runScenario('read', undefined, shared);
    expect(error).toBeNull();
    expect(loaded).toContain('better-sqlite3');
    expect(loaded.filter((name) => ON_FIRST_USE.includes(name))).toEqual([]);
  });

  it('a cold read loads none of the features; the first feature call loads them once, for concurrent callers alike', () => {
    const shared = { dir: mkdtempSync(join(dir, 'features-')), keys: `k1:${randomBytes(32).toString('base64')}` };
    runScenario('sqlite', undefined, shared);
    const { error, modules, answers } = runScenario('features', undefined, shared);
    expect(error).toBeNull();
    // The trace does see the vault's own modules (a hook that saw nothing would pass the next line).
    expect(modules.before).toEqual(expect.arrayContaining(['vault.js', 'lazy-features.js', 'items/with-token.js']));
    expect(inFeatures(modules.before)).toEqual([]);
    expect(modules.before).not.toContain('wire-features.js');
    expect(modules.after).toEqual(
      expect.arrayContaining([
        'wire-features.js',
        'data/create-data.js',
        'webhooks/handle.js',
        'keys/key-admin.js',
        'import/import-items.js',
        'doctor/run-doctor.js',
      ]),
    );
    // Three first calls at once, each answered as without the facade (that they share one wiring: lazy-features.test.ts).
    const usage = [{ kid: 'k1', active: true, inKeyring: true, rows: 1 }];
    expect(answers).toEqual([{ value: usage }, { value: usage }, { code: 'ERR_WEBHOOK_SIGNATURE_MISSING' }]);
  });

  it('an SQLite vault loads better-sqlite3 and nothing for PostgreSQL, Redis or Plaid', () => {
    const { error, loaded } = runScenario('sqlite');
    expect(error).toBeNull();
    expect(loaded).toContain('better-sqlite3');
    expect(loaded.filter((name) => DRIVERS.includes(name))).toEqual(['better-sqlite3']);
  });

  it.each([
    { scenario: 'postgres', pkg: 'pg' },
    { scenario: 'redis', pkg: 'ioredis' },
    { scenario: 'sqlite', pkg: 'better-sqlite3' },
    { scenario: 'plaid', pkg: 'plaid' },
  ])('$pkg not installed: the $scenario vault fails with ERR_CONFIG_INVALID naming it', ({ scenario, pkg }) => {
    const { error } = runScenario(scenario, pkg);
    expect(error?.code).toBe('ERR_CONFIG_INVALID');
    expect(error?.details?.package).toBe(pkg);
    expect(error?.message).toContain(`npm install ${pkg}`);
  });

  it('plaid-sandbox not installed: `plaid-vault sandbox` exits with the configuration code and names it', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', join(FIXTURES, 'without-package.mjs'), join(PACKAGE_DIR, 'bin', 'plaid-vault.js'), 'sandbox', '--port', '0'],
      { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PV_HIDE_PACKAGE: 'plaid-sandbox' } },
    );
    expect(r.status).toBe(EXIT.config);
    expect(r.stderr).toContain('npm install plaid-sandbox');
  });
});
