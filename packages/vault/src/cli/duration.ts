import { InputInvalidError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `90d`, `12h`, `30m`, `45s`, `2w` to milliseconds; ERR_INPUT_INVALID otherwise. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (!match) throw new InputInvalidError('Durations look like 90d, 12h, 30m, 45s or 2w.');
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** An ISO date-time, a date, or a duration meaning "that long before now". */
export function parseSince(text: string, now: Date): Date {
  if (/^\d+[smhdw]$/.test(text.trim())) return new Date(now.getTime() - parseDuration(text));
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new InputInvalidError('--since takes an ISO date-time (2026-01-31T00:00:00Z) or a duration (7d).');
  return at;
}

/** A positive integer option within bounds; ERR_INPUT_INVALID otherwise. */
export function parseCount(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InputInvalidError(`--${name} takes a whole number from 1 to ${max}.`);
  return n;
}
