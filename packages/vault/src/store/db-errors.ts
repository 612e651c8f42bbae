import { InternalError, StoreConflictError, StoreUnavailableError, isVaultError } from '../errors.js';

// Node socket errors, PostgreSQL SQLSTATEs for a server going away or refusing
// connections, and SQLite's "could not get the lock in time" family.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
]);

// pg reports these without a code.
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /connection error/i,
];

const CONFLICT_CODES = new Set(['23505', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE']);

function codesOf(err: unknown, depth = 0): string[] {
  if (typeof err !== 'object' || err === null || depth > 3) return [];
  const e = err as { code?: unknown; errors?: unknown; cause?: unknown };
  const own = typeof e.code === 'string' ? [e.code] : [];
  // Node reports a refused dual-stack connect as an AggregateError.
  const nested = Array.isArray(e.errors) ? e.errors.flatMap((x) => codesOf(x, depth + 1)) : [];
  return [...own, ...nested, ...codesOf(e.cause, depth + 1)];
}

function isUnavailable(err: unknown): boolean {
  const codes = codesOf(err);
  if (codes.some((c) => UNAVAILABLE_CODES.has(c) || c.startsWith('08') || c.startsWith('SQLITE_BUSY') || c.startsWith('SQLITE_IOERR'))) {
    return true;
  }
  const message = err instanceof Error ? err.message : '';
  return UNAVAILABLE_MESSAGES.some((re) => re.test(message));
}

/** True for a primary-key / unique violation on either dialect. */
export function isUniqueViolation(err: unknown): boolean {
  return codesOf(err).some((c) => CONFLICT_CODES.has(c));
}

/**
 * Every store failure leaves as a VaultError with a fixed message; the driver
 * error rides along as `cause` for server logs only. Driver messages never
 * carry bound parameters, so envelopes cannot leak through them either way.
 */
export function toStoreError(err: unknown): Error {
  if (isVaultError(err)) return err;
  if (isUnavailable(err)) return new StoreUnavailableError(undefined, { cause: err });
  if (isUniqueViolation(err)) return new StoreConflictError(undefined, { cause: err });
  return new InternalError('Unexpected database error.', { cause: err });
}
