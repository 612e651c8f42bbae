/**
 * The one mapping between `Date` and the database: integer epoch milliseconds
 * on both dialects. Integers compare and index the same way everywhere, round-trip
 * exactly (the audit hash covers `at` to the millisecond), and avoid timezone
 * handling in two drivers.
 */
export function toMillis(date: Date): number {
  return date.getTime();
}

/** PostgreSQL bigint arrives as a string; SQLite integers as numbers. */
export function fromMillis(value: number | string): Date {
  return new Date(Number(value));
}

export function fromMillisOrNull(value: number | string | null): Date | null {
  return value === null ? null : fromMillis(value);
}
