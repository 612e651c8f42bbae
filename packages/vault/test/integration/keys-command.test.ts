/**
 * VAULT_KEYS_COMMAND end to end: a vault on a real SQLite file whose keys come
 * from a real child process (test/fixtures/keys-command.mjs), the library
 * option, and the `plaid-vault` binary run as a child process.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, createVaultFromEnv, isVaultError } from '../../src/index.js';
import { silentLogger } from '../../src/types/logger.js';
import { fakeAccessToken, testKeys } from '../helpers/services.js';
import { ensureBuilt, errorCode, json, runCli } from './cli-harness.js';
import { setProcessEnv } from '../helpers/process-env.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'keys-command.mjs');
const command = (mode: string) => `'${process.execPath}' '${FIXTURE}' ${mode}`;

const KEYS = testKeys('k2', 'k1');
const MARKER = `tok-${randomBytes(12).toString('hex')}`;
const keyBytes = KEYS.split(',').map((entry) => entry.split(':')[1]!);
let restoreEnv: () => void;
let dir: string;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'pv-keys-command-'));
  // The command inherits the environment of the process that runs it.
  restoreEnv = setProcessEnv({ PV_TEST_KEYS: KEYS, PV_TEST_MARKER: MARKER });
}, 180_000);

afterAll(() => {
  restoreEnv();
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<{ code: string; text: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isVaultError(error)) throw error;
    return { code: error.code, text: `${error.message} ${JSON.stringify(error.details)}` };
  }
  throw new Error('expected the vault to refuse to start');
}

describe('a vault whose keys come from VAULT_KEYS_COMMAND (SQLite)', () => {
  it('seals and opens a token; a vault with VAULT_KEYS holding the same keys opens it too', async () => {
    const database = `sqlite:${join(dir, 'env.db')}`;
    const token = fakeAccessToken();
    const env = { NODE_ENV: 'production', VAULT_DATABASE_URL: database, VAULT_KEYS_COMMAND: command('keyring') };
    const vault = await createVaultFromEnv(env, { logger: silentLogger });
    try {
      await vault.items.put({ userId: 'u1', itemId: 'item-cmd', accessToken: token });
      expect(await vault.withToken({ userId: 'u1', itemId: 'item-cmd', purpose: 'test' }, (t) => t.reveal())).toBe(token);
    } finally {
      await vault.close();
    }
    // Same key bytes from another source: the row was sealed under the command's keys, not some other key.
    const again = await createVaultFromEnv(
      { NODE_ENV: 'production', VAULT_DATABASE_URL: database, VAULT_KEYS: KEYS },
      { logger: silentLogger },
    );
    try {
      expect(await again.withToken({ userId: 'u1', itemId: 'item-cmd', purpose: 'test' }, (t) => t.reveal())).toBe(token);
    } finally {
      await again.close();
    }
  });

  it.each([
    ['output that is not a keyring', 'garbage'],
    ['a keyring, a secret on stderr, then exit 1', 'print-then-fail'],
    ['the keyring on stderr only', 'stderr-only'],
  ])('refuses to start on %s, quoting none of it', async (_label, mode) => {
    const env = { NODE_ENV: 'production', VAULT_DATABASE_URL: `sqlite:${join(dir, `${mode}.db`)}`, VAULT_KEYS_COMMAND: command(mode) };
    const refused = await rejection(createVaultFromEnv(env, { logger: silentLogger }));
    expect(refused.code).toBe('ERR_CONFIG_INVALID');
    expect(refused.text).toContain('VAULT_KEYS_COMMAND');
    for (const secret of [MARKER, FIXTURE, ...keyBytes]) expect(refused.text).not.toContain(secret);
  });

  it('refuses VAULT_KEYS_COMMAND next to VAULT_KEYS', async () => {
    const env = { VAULT_DATABASE_URL: `sqlite:${join(dir, 'two.db')}`, VAULT_KEYS: KEYS, VAULT_KEYS_COMMAND: command('keyring') };
    const refused = await rejection(createVaultFromEnv(env, { logger: silentLogger }));
    expect(refused.code).toBe('ERR_CONFIG_INVALID');
    expect(refused.text).toContain('VAULT_KEYS and VAULT_KEYS_COMMAND are both set');
  });

  it('takes `keysCommand` as a createVault option', async () => {
    const vault = await createVault({
      database: `sqlite:${join(dir, 'option.db')}`,
      keysCommand: command('keyring'),
      logger: silentLogger,
    });
    try {
      const token = fakeAccessToken();
      await vault.items.put({ userId: 'u2', itemId: 'item-opt', accessToken: token });
      expect(await vault.withToken({ userId: 'u2', itemId: 'item-opt', purpose: 'test' }, (t) => t.reveal())).toBe(token);
    } finally {
      await vault.close();
    }
  });
});

describe('plaid-vault with VAULT_KEYS_COMMAND', () => {
  const cliEnv = (mode: string, extra: Record<string, string> = {}) => ({
    VAULT_DATABASE_URL: `sqlite:${join(dir, 'cli.db')}`,
    VAULT_KEYS_COMMAND: command(mode),
    PV_TEST_KEYS: KEYS,
    PV_TEST_MARKER: MARKER,
    ...extra,
  });

  it('doctor reports the keys and their source', async () => {
    const r = await runCli(['doctor', '--json'], { env: cliEnv('keyring') });
    const checks = json<{ checks: { id: string; status: string; message: string }[] }>(r).checks;
    expect(checks.find((c) => c.id === 'keys')).toMatchObject({
      status: 'pass',
      message: '2 key(s) from VAULT_KEYS_COMMAND, each 32 bytes; active kid k2',
    });
    for (const secret of keyBytes) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('runs the command once per invocation', async () => {
    const runs = join(dir, 'runs');
    const r = await runCli(['audit', '--limit', '1'], { env: cliEnv('keyring', { PV_TEST_RUNS_FILE: runs }) });
    expect(r.code).toBe(0);
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('exits 3 with ERR_CONFIG_INVALID when the command fails, quoting none of its output', async () => {
    const r = await runCli(['items', 'list'], { env: cliEnv('print-then-fail') });
    expect(r.code).toBe(3);
    expect(errorCode(r)).toBe('ERR_CONFIG_INVALID');
    expect(r.stderr).toContain('VAULT_KEYS_COMMAND exited with code 1');
    for (const secret of [MARKER, FIXTURE, ...keyBytes]) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('doctor fails the keys check with the fix for the command', async () => {
    const r = await runCli(['doctor', '--json'], { env: cliEnv('exit-3') });
    expect(r.code).toBe(1);
    const keys = json<{ checks: { id: string; status: string; message: string; fix?: string }[] }>(r).checks.find((c) => c.id === 'keys');
    expect(keys?.status).toBe('fail');
    expect(keys?.message).toContain('exited with code 3');
    expect(keys?.fix).toContain('VAULT_KEYS_COMMAND');
    for (const secret of [MARKER, ...keyBytes]) expect(r.stdout + r.stderr).not.toContain(secret);
  });
});
