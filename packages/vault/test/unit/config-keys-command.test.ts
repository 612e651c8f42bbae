/** VAULT_KEYS_COMMAND in the configuration: read, one key source with the others, never printed. */
import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.js';
import { configChecks } from '../../src/doctor/config-checks.js';
import { keySourceOf } from '../../src/key-sources/key-variables.js';
import { isVaultError } from '../../src/errors.js';

const COMMAND = 'VAULT_TOKEN=hvs.cmd-credential-31337 vault kv get -field=keys secret/plaid-vault';

function refusal(run: () => unknown): { message: string; details: unknown } {
  try {
    run();
  } catch (error) {
    if (isVaultError(error) && error.code === 'ERR_CONFIG_INVALID') return { message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected ERR_CONFIG_INVALID');
}
const refusedVariables = (run: () => unknown) => (refusal(run).details as { variables?: unknown }).variables;

describe('VAULT_KEYS_COMMAND configuration', () => {
  it('reads the command and its timeout (default 10 s)', () => {
    const c = parseConfig({}, { VAULT_KEYS_COMMAND: COMMAND });
    expect([c.keysCommand, c.keysCommandTimeoutMs]).toEqual([COMMAND, 10_000]);
    expect(parseConfig({}, { VAULT_KEYS_COMMAND: COMMAND, VAULT_KEYS_COMMAND_TIMEOUT_MS: '2500' }).keysCommandTimeoutMs).toBe(2500);
    expect(parseConfig({ keysCommand: COMMAND, keysCommandTimeoutMs: 700 }, {}).keysCommandTimeoutMs).toBe(700);
  });

  it('is one key source with the others: explicit input replaces all three variables', () => {
    const env = { VAULT_KEYS: 'k1:x', VAULT_KEYS_FILE: '/run/keys', VAULT_KEYS_COMMAND: 'from-env' };
    const fromCommand = parseConfig({ keysCommand: COMMAND }, env);
    expect([fromCommand.keys, fromCommand.keysFile, fromCommand.keysCommand]).toEqual([undefined, undefined, COMMAND]);
    const fromKeys = parseConfig({ keys: 'k1:y' }, env);
    expect([fromKeys.keys, fromKeys.keysFile, fromKeys.keysCommand]).toEqual(['k1:y', undefined, undefined]);
    // From the environment all three are kept: loadKeyring refuses more than one, naming them.
    const all = parseConfig({}, env);
    expect([all.keys, all.keysFile, all.keysCommand]).toEqual(['k1:x', '/run/keys', 'from-env']);
  });

  it.each([
    ['an empty VAULT_KEYS_COMMAND (never a silent development key)', { VAULT_KEYS_COMMAND: '' }, 'VAULT_KEYS_COMMAND'],
    ['a blank VAULT_KEYS_COMMAND', { VAULT_KEYS_COMMAND: '   ' }, 'VAULT_KEYS_COMMAND'],
    ['a zero timeout', { VAULT_KEYS_COMMAND: COMMAND, VAULT_KEYS_COMMAND_TIMEOUT_MS: '0' }, 'VAULT_KEYS_COMMAND_TIMEOUT_MS'],
    ['a timeout in words', { VAULT_KEYS_COMMAND: COMMAND, VAULT_KEYS_COMMAND_TIMEOUT_MS: '10s' }, 'VAULT_KEYS_COMMAND_TIMEOUT_MS'],
  ])('refuses %s', (_label, env, variable) => {
    expect(refusedVariables(() => parseConfig({}, env))).toContain(variable);
  });

  it('never prints the command (it may carry a credential), but hands it to code that asks', () => {
    const c = parseConfig({}, { VAULT_KEYS_COMMAND: COMMAND });
    expect(c.keysCommand).toBe(COMMAND);
    for (const text of [inspect(c, { depth: Infinity, showHidden: true }), format('%o', c), JSON.stringify(c), JSON.stringify({ ...c })]) {
      expect(text).not.toContain('cmd-credential-31337');
    }
    expect(JSON.stringify(c)).toContain('"keysCommand":"[redacted]"');
  });

  it('keeps the command out of configuration errors', () => {
    const error = refusal(() =>
      parseConfig({}, { VAULT_KEYS_COMMAND: COMMAND, VAULT_KEYS_COMMAND_TIMEOUT_MS: 'soon', PLAID_ENV: 'bogus' }),
    );
    expect(JSON.stringify(error)).toContain('VAULT_KEYS_COMMAND_TIMEOUT_MS');
    expect(JSON.stringify(error)).not.toContain('cmd-credential-31337');
  });
});

describe('doctor key source', () => {
  it('reports keys from VAULT_KEYS_COMMAND by name, never the command', () => {
    const c = parseConfig({}, { VAULT_KEYS_COMMAND: COMMAND, NODE_ENV: 'production' });
    expect(keySourceOf(c)).toBe('command');
    const facts = {
      nodeEnv: 'production',
      databaseUrl: 'sqlite:x.db',
      redisUrl: null,
      webhookUrl: null,
      products: ['transactions'],
      kids: ['k2', 'k1'],
      keySource: keySourceOf(c),
    };
    const keys = configChecks(facts).find((r) => r.id === 'keys');
    expect(keys).toMatchObject({ status: 'pass', message: '2 key(s) from VAULT_KEYS_COMMAND, each 32 bytes; active kid k2' });
  });
});
