import { isVaultError } from '../errors.js';

// Anything shaped like a Plaid credential. Library errors (axios above all)
// can quote request data; scrub before a line reaches the log.
const CREDENTIAL = /\b(access|public|link|processor)-(sandbox|development|production)-[0-9a-zA-Z-]+/g;

export interface LoggedError {
  name: string;
  code?: string;
  message: string;
  stack?: string;
  cause?: LoggedError;
}

function scrub(text: string): string {
  return text.replace(CREDENTIAL, '[redacted]');
}

/**
 * An allow-list projection of an error for the log: name, code, message and
 * stack (scrubbed), and the same for its cause chain. Never the error's own
 * enumerable fields, which for an AxiosError include the request config and so
 * the Plaid secret.
 */
export function toLoggedError(err: unknown, depth = 0): LoggedError {
  if (!(err instanceof Error)) return { name: typeof err, message: '[non-error thrown]' };
  const out: LoggedError = { name: err.name, message: scrub(err.message) };
  const code = isVaultError(err) ? err.code : (err as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  if (err.stack) out.stack = scrub(err.stack);
  if (err.cause !== undefined && depth < 3) out.cause = toLoggedError(err.cause, depth + 1);
  return out;
}
