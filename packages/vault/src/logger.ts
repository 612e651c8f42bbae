import { pino } from 'pino';
import type { Logger } from './types.js';

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

/** The default logger: JSON lines on stdout with redaction. */
export function createLogger(level = 'info'): Logger {
  return pino({ level, base: { name: 'plaid-vault' }, redact: { paths: REDACT, censor: '[redacted]' } });
}
