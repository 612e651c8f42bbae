import type { InvestmentTransactionsQuery } from '../types/data.js';
import { InputInvalidError } from '../errors.js';
import type { InvestmentTransactionsRequest } from '../plaid/types.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
/** Plaid serves up to 24 months of investment transactions. */
const DEFAULT_SPAN_DAYS = 730;

function invalid(field: string, rule: string): never {
  throw new InputInvalidError(`${field} ${rule}.`, { details: { field } });
}

function date(value: unknown, field: string): string {
  // Round-tripping through Date rejects 2026-02-30 as well as malformed strings.
  if (typeof value !== 'string' || !DATE.test(value) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    invalid(field, 'must be a date as YYYY-MM-DD');
  }
  return value;
}

function int(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    invalid(field, `must be a whole number from ${min} to ${max}`);
  return value;
}

/**
 * The Plaid request for a `vault.data.investmentTransactions` call: defaults filled
 * in (the last two years up to today, 100 from offset 0), every value checked first so
 * that a bad one never costs a Plaid call.
 *
 * @example
 * resolveInvestmentQuery({ startDate: '2026-01-01' }, new Date('2026-03-15T12:00:00Z'));
 * // { startDate: '2026-01-01', endDate: '2026-03-15', count: 100, offset: 0 }
 */
export function resolveInvestmentQuery(query: InvestmentTransactionsQuery, now: Date): InvestmentTransactionsRequest {
  const endDate = query.endDate === undefined ? now.toISOString().slice(0, 10) : date(query.endDate, 'endDate');
  const startDate =
    query.startDate === undefined
      ? new Date(Date.parse(`${endDate}T00:00:00Z`) - DEFAULT_SPAN_DAYS * DAY_MS).toISOString().slice(0, 10)
      : date(query.startDate, 'startDate');
  if (startDate > endDate) invalid('startDate', 'must not be after endDate');
  return {
    startDate,
    endDate,
    count: query.count === undefined ? 100 : int(query.count, 'count', 1, 500),
    offset: query.offset === undefined ? 0 : int(query.offset, 'offset', 0, 1_000_000),
  };
}
