/**
 * The file key sources: reading VAULT_KEYS_FILE and keeping the development
 * key file (created once, mode 0600, agreed on by processes starting at once).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigInvalidError } from '../errors.js';
import type { Logger } from '../types/logger.js';
import { generateKeyEntry } from '../crypto/keygen.js';

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function warnIfShared(file: string, variable: string, logger: Logger | undefined): void {
  if (process.platform === 'win32') return;
  // Group/other bits on a key file mean another account on the host can read every token.
  if ((statSync(file).mode & 0o077) !== 0) {
    warn(logger, { file, variable }, `${variable} ${file} is readable by other users: run chmod 600 on it.`);
  }
}

function warn(logger: Logger | undefined, fields: object, message: string): void {
  if (logger) logger.warn(fields, message);
  else process.emitWarning(message, { code: 'PLAID_VAULT_KEYS' });
}

/** The text of VAULT_KEYS_FILE; ERR_CONFIG_INVALID (naming the path, never the content) if unreadable. */
export function readKeysFile(file: string, logger?: Logger): string {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigInvalidError(
      `VAULT_KEYS_FILE: cannot read ${file} (${errnoOf(error) ?? 'error'}). Point it at a readable file holding kid:base64 entries.`,
      {
        details: { variable: 'VAULT_KEYS_FILE', file },
      },
    );
  }
  warnIfShared(file, 'VAULT_KEYS_FILE', logger);
  return content;
}

/**
 * The development keyring spec at `file`, created on first use (directory
 * made, mode 0600). Two processes starting at once agree on one key: the new
 * file is written aside, fsynced, then hard-linked into place, which fails
 * rather than overwrite; the loser reads the winner's key.
 * Logs one loud warning per call.
 */
export function loadOrCreateDevKeys(file: string, logger?: Logger): string {
  let created = false;
  let content = readIfExists(file);
  if (content === undefined) {
    created = createExclusive(file, `${generateKeyEntry('dev')}\n`);
    content = readIfExists(file);
    if (content === undefined) throw new ConfigInvalidError(`Cannot create the development key file ${file}. Set VAULT_KEYS instead.`);
  } else {
    warnIfShared(file, 'development key file', logger);
  }
  warn(
    logger,
    { devKeyFile: file, created },
    `USING A DEVELOPMENT ENCRYPTION KEY from ${file} because VAULT_KEYS is not set. Do not use it for real tokens: ` +
      'anyone with this file can decrypt them, and losing it loses them. Set VAULT_KEYS; generate one with `plaid-vault keygen`.',
  );
  return content;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw new ConfigInvalidError(
      `Cannot read the development key file ${file} (${errnoOf(error) ?? 'error'}). Fix its permissions or set VAULT_KEYS.`,
    );
  }
}

/** True if this call created `file`; false if another process got there first. */
function createExclusive(file: string, content: string): boolean {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file);
      return true;
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return false;
      throw error;
    } finally {
      unlinkSync(tmp);
    }
  } catch (error) {
    throw new ConfigInvalidError(`Cannot create the development key file ${file} (${errnoOf(error) ?? 'error'}). Set VAULT_KEYS instead.`, {
      details: { variable: 'VAULT_KEYS', file },
    });
  }
}
