/** Which environments give the reference app's vault its keys, and when it may generate one. */
import { describe, expect, it } from 'vitest';
import { needsGeneratedVaultKey } from '../src/server/vault-key-source.js';

describe('the web app key requirement', () => {
  it.each([
    ['VAULT_KEYS', { VAULT_KEYS: 'k1:...' }],
    ['VAULT_KEYS_FILE', { VAULT_KEYS_FILE: '/run/secrets/vault-keys' }],
    ['VAULT_KEYS_COMMAND', { VAULT_KEYS_COMMAND: 'vault kv get -field=keys secret/plaid-vault' }],
  ])('%s is a key source, with or without the emulator', (_name, env) => {
    expect(needsGeneratedVaultKey(env, false)).toBe(false);
    expect(needsGeneratedVaultKey(env, true)).toBe(false);
  });

  it('generates a development key only for the emulator', () => {
    expect(needsGeneratedVaultKey({}, true)).toBe(true);
    expect(() => needsGeneratedVaultKey({}, false)).toThrow(/VAULT_KEYS, VAULT_KEYS_FILE or VAULT_KEYS_COMMAND is required/);
  });

  it('counts an empty variable as unset', () => {
    expect(() => needsGeneratedVaultKey({ VAULT_KEYS_COMMAND: '' }, false)).toThrow(/required/);
  });
});
