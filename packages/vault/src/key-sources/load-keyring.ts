/**
 * Where the keyring comes from: VAULT_KEYS, VAULT_KEYS_FILE, VAULT_KEYS_COMMAND
 * or the development key file. This module and its neighbours do the I/O
 * (files, a child process); parsing the text they return is crypto/keyring.ts.
 */
import { ConfigInvalidError } from '../errors.js';
import { parseKeyring, type Keyring } from '../crypto/keyring.js';
import type { Logger } from '../types/logger.js';
import { runKeysCommand } from './key-command.js';
import { loadOrCreateDevKeys, readKeysFile } from './key-files.js';
import { keySourcesIn } from './key-variables.js';

export interface LoadKeyringOptions {
  /** VAULT_KEYS. */
  keys?: string;
  /** VAULT_KEYS_FILE: a file holding the same spec (whitespace and newlines allowed). */
  keysFile?: string;
  /** VAULT_KEYS_COMMAND: a shell command printing the same spec, run once (see key-command.ts). */
  keysCommand?: string;
  /** VAULT_KEYS_COMMAND_TIMEOUT_MS; default 10 000. */
  keysCommandTimeoutMs?: number;
  /** NODE_ENV: `production` refuses the development key. */
  nodeEnv?: string;
  /** Where the development key lives; default `.data/dev-keys`. */
  devKeyFile?: string;
  logger?: Logger;
}

/**
 * The key settings of a parsed configuration, as loadKeyring takes them. Picked
 * one by one: `keys` and `keysCommand` are non-enumerable there (secret), so a spread would drop them.
 *
 * @example
 * const keyring = loadKeyring({ ...keyringOptionsFrom(config), logger });
 */
export function keyringOptionsFrom(config: Omit<LoadKeyringOptions, 'logger'>): Omit<LoadKeyringOptions, 'logger'> {
  const { keys, keysFile, keysCommand, keysCommandTimeoutMs, nodeEnv, devKeyFile } = config;
  return { keys, keysFile, keysCommand, keysCommandTimeoutMs, nodeEnv, devKeyFile };
}

/**
 * The keyring from configuration: exactly one of `keys`, `keysFile` or
 * `keysCommand`, else (outside production only) a development key generated
 * once into `devKeyFile` with one loud warning. More than one source is an
 * error, as is no key in production.
 *
 * @example
 * const keyring = loadKeyring({ keysCommand: 'vault kv get -field=keys secret/plaid-vault', nodeEnv: 'production', logger });
 */
export function loadKeyring(opts: LoadKeyringOptions): Keyring {
  const set = keySourcesIn(opts).map((source) => source.variable);
  if (set.length > 1) {
    const names =
      set.length === 2 ? `${set[0]} and ${set[1]} are both set` : `${set.slice(0, -1).join(', ')} and ${set.at(-1)} are all set`;
    throw new ConfigInvalidError(`${names}: keep only one key source.`, { details: { variable: set[0], variables: set } });
  }
  if (opts.keys !== undefined) return parseKeyring(opts.keys, 'VAULT_KEYS');
  if (opts.keysFile !== undefined) return parseKeyring(readKeysFile(opts.keysFile, opts.logger), 'VAULT_KEYS_FILE');
  if (opts.keysCommand !== undefined) return keyringFromCommand(opts.keysCommand, opts);
  if (opts.nodeEnv === 'production') {
    throw new ConfigInvalidError(
      'No encryption key: NODE_ENV=production requires VAULT_KEYS, VAULT_KEYS_FILE or VAULT_KEYS_COMMAND. Set one; generate a key with `plaid-vault keygen`.',
      { details: { variable: 'VAULT_KEYS' } },
    );
  }
  const file = opts.devKeyFile ?? '.data/dev-keys';
  return parseKeyring(loadOrCreateDevKeys(file, opts.logger), file);
}

function keyringFromCommand(command: string, opts: LoadKeyringOptions): Keyring {
  const started = performance.now();
  const output = runKeysCommand(command, opts.keysCommandTimeoutMs === undefined ? {} : { timeoutMs: opts.keysCommandTimeoutMs });
  // The output is secret as a whole, and may not be a keyring at all: no kid is echoed until it parses.
  const keyring = parseKeyring(output, 'VAULT_KEYS_COMMAND', { anonymous: true });
  opts.logger?.info(
    { variable: 'VAULT_KEYS_COMMAND', kids: keyring.kids.length, ms: Math.round(performance.now() - started) },
    'keyring loaded from VAULT_KEYS_COMMAND',
  );
  return keyring;
}
