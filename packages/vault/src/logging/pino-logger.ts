import { pino } from 'pino';
import type { Logger } from '../types/logger.js';

/**
 * Paths pino censors wherever they appear. A token should never reach a logger
 * (Secret prints "[redacted]" anyway); this is the second line of defence for
 * raw strings from libraries.
 */
const REDACT = [
  'accessToken',
  'access_token',
  'new_access_token',
  'public_token',
  'publicToken',
  'secret',
  'token',
  'password',
  'authorization',
  '*.accessToken',
  '*.access_token',
  '*.new_access_token',
  '*.public_token',
  '*.publicToken',
  '*.secret',
  '*.token',
  '*.password',
  '*.authorization',
  'headers["plaid-secret"]',
  '*.headers["plaid-secret"]',
  'config',
  '*.config',
];

/**
 * The default logger: JSON lines with redaction, at `level` (`VAULT_LOG_LEVEL`),
 * on stdout unless given another stream (`plaid-vault serve` logs to stderr:
 * its stdout is the command's result).
 *
 * @example
 * const logger = createLogger('warn', process.stderr);
 * logger.error({ requestId, code: 'ERR_STORE_UNAVAILABLE' }, 'request failed');
 */
export function createLogger(level = 'info', destination?: { write(line: string): unknown }): Logger {
  const options = { level, base: { name: 'plaid-vault' }, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
