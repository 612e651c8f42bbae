/**
 * VAULT_KEYS_COMMAND with real child processes (test/fixtures/keys-command.mjs
 * stands in for a secret manager's CLI): what loads, what is refused, and that
 * no refusal carries the command's output, its standard error or the command.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveSubkey, parseKeyring } from '../../../src/crypto/keyring.js';
import { runKeysCommand } from '../../../src/key-sources/key-command.js';
import { loadKeyring, type LoadKeyringOptions } from '../../../src/key-sources/load-keyring.js';
import { isVaultError, type VaultError } from '../../../src/errors.js';
import type { Logger } from '../../../src/types/logger.js';
import { setProcessEnv } from '../../helpers/process-env.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'keys-command.mjs');
const fixture = (mode: string, ...args: string[]) => [process.execPath, FIXTURE, mode, ...args].map((a) => `'${a}'`).join(' ');

const spec = (...kids: string[]) => kids.map((kid) => `${kid}:${randomBytes(32).toString('base64')}`).join(',');
const KEYS = spec('k2', 'k1');
const MARKER = `tok-${randomBytes(12).toString('hex')}`;
let restoreEnv: () => void;
let root: string;

// The command inherits the environment: the fixture reads its keyring and marker from it.
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pv-keys-cmd-'));
  restoreEnv = setProcessEnv({ PV_TEST_KEYS: KEYS, PV_TEST_MARKER: MARKER });
});
afterAll(() => {
  restoreEnv();
  rmSync(root, { recursive: true, force: true });
});

/** The VaultError `fn` throws (fails the test if it returns or throws anything else). */
function refusal(fn: () => unknown): VaultError {
  try {
    fn();
  } catch (error) {
    if (isVaultError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** Everything a refusal could show: message, details, inspect and JSON renderings. */
const rendered = (error: VaultError) =>
  [error.message, JSON.stringify(error.details), inspect(error, { depth: 5 }), JSON.stringify(error)].join('\n');

function expectSilentAbout(error: VaultError, ...secrets: string[]): void {
  const text = rendered(error);
  for (const secret of secrets) expect(text).not.toContain(secret);
  for (const entry of KEYS.split(',')) expect(text).not.toContain(entry.split(':')[1]);
}

describe('VAULT_KEYS_COMMAND loads the keyring', () => {
  it('from the standard output of a command, newlines allowed, first kid active', () => {
    const keyring = loadKeyring({ keysCommand: fixture('keyring'), nodeEnv: 'production' });
    expect(keyring.kids).toEqual(['k2', 'k1']);
    // The same key bytes as the spec itself: subkeys of the active key agree.
    expect(deriveSubkey(keyring, 'test/v1').equals(deriveSubkey(parseKeyring(KEYS), 'test/v1'))).toBe(true);
  });

  it('through a shell pipeline', () => {
    const encoded = Buffer.from(KEYS).toString('base64');
    const keyring = loadKeyring({ keysCommand: `printf '%s' '${encoded}' | base64 -d | tr ',' '\\n'`, nodeEnv: 'production' });
    expect(keyring.kids).toEqual(['k2', 'k1']);
  });

  it('with the environment inherited and no stdin', () => {
    expect(runKeysCommand('printf "%s" "$PV_TEST_KEYS"')).toBe(KEYS);
    expect(loadKeyring({ keysCommand: fixture('stdin') }).kids).toEqual(['k2', 'k1']);
  });

  it('logs one line with the kid count and no command, key or output', () => {
    const lines: { fields: object; message: string | undefined }[] = [];
    const record = (fields: object, message?: string) => void lines.push({ fields, message });
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    const command = `PV_TOKEN=${MARKER} ${fixture('keyring')}`;
    loadKeyring({ keysCommand: command, logger });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.fields).toMatchObject({ variable: 'VAULT_KEYS_COMMAND', kids: 2 });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(MARKER);
    expect(text).not.toContain('keys-command.mjs');
    for (const entry of KEYS.split(',')) expect(text).not.toContain(entry.split(':')[1]);
  });
});

describe('VAULT_KEYS_COMMAND fails closed with ERR_CONFIG_INVALID', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['output that is not a keyring', fixture('garbage'), {}],
    ['a secret-looking "kid" (never quoted)', fixture('secret-kid'), { entry: 1 }],
    ['exit code 3, even with a keyring on stdout', fixture('exit-3'), { exitCode: 3 }],
    ['the keyring on stderr and nothing on stdout', fixture('stderr-only'), {}],
    ['a keyring on stdout, a secret on stderr, then exit 1', fixture('print-then-fail'), { exitCode: 1 }],
    ['a command that is not found (127)', 'pv-no-such-command-8f3a', { exitCode: 127 }],
    ['a signal', 'kill -TERM $$', { signal: 'SIGTERM' }],
    ['more than 64 KiB of output', fixture('flood'), { maxBytes: 64 * 1024 }],
    ['only whitespace', "printf ' \\n\\n'", {}],
  ];

  it.each(cases)('%s', (_label, command, details) => {
    const error = refusal(() => loadKeyring({ keysCommand: command, nodeEnv: 'production' }));
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('VAULT_KEYS_COMMAND');
    expect(error.details).toMatchObject({ variable: 'VAULT_KEYS_COMMAND', ...details });
    expectSilentAbout(error, MARKER, 'SecretString');
  });

  it('names the exit code and says to run the command by hand, never quoting the command', () => {
    const error = refusal(() => loadKeyring({ keysCommand: `PV_TOKEN=${MARKER} ${fixture('exit-3')}` }));
    expect(error.message).toMatch(/exited with code 3\b/);
    expect(error.message).toMatch(/run the command yourself/i);
    expectSilentAbout(error, MARKER, 'keys-command.mjs', 'PV_TOKEN');
  });

  it('stops a command past the timeout, with everything it started', async () => {
    const pidFile = join(root, 'sleeper.pid');
    // A pipeline: the fixture is a grandchild of the vault, not the shell itself.
    const error = refusal(() => loadKeyring({ keysCommand: `${fixture('sleep', pidFile)} | cat`, keysCommandTimeoutMs: 1500 }));
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.details).toMatchObject({ variable: 'VAULT_KEYS_COMMAND', timeoutMs: 1500 });
    expect(error.message).toContain('VAULT_KEYS_COMMAND_TIMEOUT_MS');
    expect(existsSync(pidFile)).toBe(true);
    expect(await exited(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('refuses more than one key source, naming each', () => {
    const withFile: LoadKeyringOptions = { keys: KEYS, keysCommand: fixture('keyring') };
    expect(refusal(() => loadKeyring(withFile)).details).toMatchObject({ variables: ['VAULT_KEYS', 'VAULT_KEYS_COMMAND'] });
    const all = refusal(() => loadKeyring({ keys: KEYS, keysFile: join(root, 'keys'), keysCommand: fixture('keyring') }));
    expect(all.details).toMatchObject({ variables: ['VAULT_KEYS', 'VAULT_KEYS_FILE', 'VAULT_KEYS_COMMAND'] });
    expectSilentAbout(all, 'keys-command.mjs');
  });

  it('runs nothing when it refuses more than one source', () => {
    const runs = join(root, 'runs-two-sources');
    const keysCommand = `PV_TEST_RUNS_FILE='${runs}' ${fixture('keyring')}`;
    expect(refusal(() => loadKeyring({ keysFile: join(root, 'keys'), keysCommand })).code).toBe('ERR_CONFIG_INVALID');
    expect(existsSync(runs)).toBe(false);
  });

  it('names the command in the production refusal when no source is set', () => {
    const error = refusal(() => loadKeyring({ nodeEnv: 'production', devKeyFile: join(root, 'dev-keys') }));
    expect(error.message).toContain('VAULT_KEYS_COMMAND');
  });
});

describe('parseKeyring anonymous (for text that may not be a keyring)', () => {
  const good = randomBytes(32).toString('base64');
  it.each([
    ['a duplicate kid', `${MARKER}:${good},${MARKER}:${randomBytes(32).toString('base64')}`],
    ['bad base64', `${MARKER}:***`],
    ['a short key', `${MARKER}:${randomBytes(16).toString('base64')}`],
    ['a repeated-byte key', `${MARKER}:${Buffer.alloc(32, 9).toString('base64')}`],
    ['the same key twice', `a1:${good},${MARKER}:${good}`],
  ])('%s: names entries by position, never by kid', (_label, text) => {
    const error = refusal(() => parseKeyring(text, 'VAULT_KEYS_COMMAND', { anonymous: true }));
    expect(error.message).toMatch(/entr(y|ies) \d/);
    expect(rendered(error)).not.toContain(MARKER);
    // Without `anonymous` the kid is named, as for VAULT_KEYS.
    expect(refusal(() => parseKeyring(text, 'VAULT_KEYS')).message).toContain(MARKER);
  });
});

/** True once `pid` is gone or a zombie (dead, waiting for a reaper that is not us). */
async function exited(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return true;
    }
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
