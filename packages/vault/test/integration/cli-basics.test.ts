/**
 * The CLI's contract that needs no data: help, exit codes, usage errors,
 * keygen/apikey output, configuration errors and an unreachable database.
 * Every case runs the real binary.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, ensureBuilt, json, runCli } from './cli-harness.js';

const COMMANDS = [
  'keygen',
  'migrate',
  'doctor',
  'items',
  'rotate',
  'rekey',
  'retire-key',
  'recover',
  'audit',
  'import',
  'serve',
  'apikey',
  'sandbox',
];
const ERROR_LINE = /^error ERR_[A-Z_]+: [^\n]+ — [^\n]+$/;
const CLOSED_PORT_DB = 'postgres://postgres@127.0.0.1:1/test';

let dir: string;
let keys: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'pv-cli-basics-'));
  keys = `k1:${randomBytes(32).toString('base64')},k0:${randomBytes(32).toString('base64')}`;
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('help and usage', () => {
  it('lists every command and the exit codes, and exits 2 without a command', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    for (const name of COMMANDS) expect(r.stdout).toContain(`  ${name} `);
    expect(r.stdout).toContain('Exit codes:');
  });

  it.each(COMMANDS)('%s --help shows its usage and the exit codes', async (name) => {
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: plaid-vault ${name}`);
    expect(r.stdout).toMatch(/4 {2}a service is unavailable/);
  });

  it('an unknown command or option is a usage error (exit 2) that does not echo the argument', async () => {
    const secretish = `access-sandbox-${randomBytes(8).toString('hex')}`;
    const unknownCommand = await runCli([secretish]);
    expect(unknownCommand.code).toBe(2);
    expect(errorCode(unknownCommand)).toBe('ERR_INPUT_INVALID');
    expect(unknownCommand.stderr).not.toContain(secretish);

    const unknownOption = await runCli(['items', 'list', `--${secretish}`]);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).not.toContain(secretish);

    const stray = await runCli(['migrate', secretish]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).not.toContain(secretish);
  });

  it('a usage error with --json also prints a JSON error on stdout', async () => {
    const r = await runCli(['rotate', '--json']);
    expect(r.code).toBe(2);
    expect(json<{ ok: boolean; error: { code: string } }>(r)).toMatchObject({ ok: false, error: { code: 'ERR_INPUT_INVALID' } });
    expect(r.stderr.trim()).toMatch(ERROR_LINE);
  });
});

describe('keygen and apikey', () => {
  it('keygen prints one kid:base64 entry of 32 random bytes, different every time', async () => {
    const [a, b] = await Promise.all([runCli(['keygen', '--kid', 'k9']), runCli(['keygen', '--kid', 'k9'])]);
    for (const r of [a, b]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^k9:[A-Za-z0-9+/]{43}=\n$/);
      expect(Buffer.from(r.stdout.trim().slice(3), 'base64')).toHaveLength(32);
    }
    expect(a.stdout).not.toBe(b.stdout);
    const generated = json<{ kid: string; entry: string }>(await runCli(['keygen', '--json']));
    expect(generated.entry.startsWith(`${generated.kid}:`)).toBe(true);
  });

  it('keygen refuses a malformed kid', async () => {
    const r = await runCli(['keygen', '--kid', 'bad kid!']);
    expect(r.code).toBe(3);
    expect(errorCode(r)).toBe('ERR_CONFIG_INVALID');
  });

  it('apikey prints a key once and an entry holding only its SHA-256', async () => {
    const r = json<{ id: string; key: string; entry: string }>(await runCli(['apikey', '--id', 'billing', '--json']));
    expect(r.key).toMatch(/^pvk_[A-Za-z0-9_-]{43}$/);
    const digest = createHash('sha256').update(r.key).digest('base64url');
    expect(r.entry).toBe(`billing:sha256:${digest}`);
    expect(r.entry).not.toContain(r.key);
  });
});

describe.concurrent('configuration errors (exit 3)', () => {
  it.each([
    ['a short key', 'k1:' + randomBytes(16).toString('base64')],
    ['a repeated-byte key', 'k1:' + Buffer.alloc(32, 7).toString('base64')],
  ])('%s is refused with one error line and no key bytes', async (_label, bad) => {
    const r = await runCli(['items', 'list'], { env: { VAULT_KEYS: bad, VAULT_DATABASE_URL: `sqlite:${join(dir, 'bad.db')}` } });
    expect(r.code).toBe(3);
    expect(errorCode(r)).toBe('ERR_CONFIG_INVALID');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(ERROR_LINE);
    const keyPart = bad.split(':')[1];
    if (keyPart) expect(r.stderr).not.toContain(keyPart);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints the stack trace only with --debug', async () => {
    const env = { VAULT_KEYS: 'k1:nope', VAULT_DATABASE_URL: `sqlite:${join(dir, 'bad.db')}` };
    const plain = await runCli(['items', 'list'], { env });
    const debug = await runCli(['items', 'list', '--debug'], { env });
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    expect(debug.stderr).toMatch(/\n\s+at /);
    expect(debug.code).toBe(3);
  });

  it('NODE_ENV=production without VAULT_KEYS refuses to start', async () => {
    const r = await runCli(['items', 'list'], { env: { NODE_ENV: 'production', VAULT_DATABASE_URL: `sqlite:${join(dir, 'prod.db')}` } });
    expect(r.code).toBe(3);
    expect(errorCode(r)).toBe('ERR_CONFIG_INVALID');
  });

  it('an invalid variable is named in the error', async () => {
    const r = await runCli(['items', 'list'], { env: { VAULT_KEYS: keys, VAULT_DATABASE_URL: 'mysql://x' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('VAULT_DATABASE_URL');
  });
});

describe.concurrent('database down (exit 4)', () => {
  const env = () => ({ VAULT_KEYS: keys, VAULT_DATABASE_URL: CLOSED_PORT_DB });

  it.each([[['items', 'list']], [['migrate', '--status']], [['rekey']]])('%j exits 4 with ERR_STORE_UNAVAILABLE', async (args) => {
    const r = await runCli(args, { env: env() });
    expect(errorCode(r)).toBe('ERR_STORE_UNAVAILABLE');
    expect(r.code).toBe(4);
    expect(r.stderr).not.toContain('postgres://');
  });

  it('doctor reports an invalid configuration as a fail line naming the variable', async () => {
    const r = await runCli(['doctor', '--json'], { env: { VAULT_KEYS: keys, VAULT_DATABASE_URL: 'mysql://x' } });
    expect(r.code).toBe(1);
    const checks = json<{ checks: { id: string; status: string; message: string }[] }>(r).checks;
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ id: 'configuration', status: 'fail' });
    expect(checks[0]!.message).toContain('VAULT_DATABASE_URL');
  });

  it('doctor reports the database as a fail line with its fix and exits 1', async () => {
    const r = await runCli(['doctor', '--json'], { env: env() });
    expect(r.code).toBe(1);
    const report = json<{ ok: boolean; checks: { id: string; status: string; fix?: string }[] }>(r);
    expect(report.ok).toBe(false);
    const database = report.checks.find((c) => c.id === 'database');
    expect(database).toMatchObject({ status: 'fail' });
    expect(database?.fix).toContain('VAULT_DATABASE_URL');
  });
});
