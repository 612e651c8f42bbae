import { apiErrors } from './plaid-error.js';

/** A parsed JSON request body (always an object: anything else is INVALID_BODY). */
export type Body = Record<string, unknown>;

/** A required or optional string field; a wrong type answers INVALID_FIELD like Plaid. */
export function stringField(body: Body, name: string): string;
export function stringField(body: Body, name: string, optional: true): string | undefined;
export function stringField(body: Body, name: string, optional = false): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (optional) return undefined;
    throw apiErrors.missingFields([name]);
  }
  if (typeof value !== 'string') throw apiErrors.invalidField(name, 'must be a string');
  return value;
}

/** An optional array of strings. */
export function stringArrayField(body: Body, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw apiErrors.invalidField(name, 'must be an array of strings');
  }
  return value as string[];
}

/** An optional nested object (e.g. `options`); absent gives `{}`. */
export function objectField(body: Body, name: string): Body {
  const value = body[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw apiErrors.invalidField(name, 'must be an object');
  return value as Body;
}

/** An optional integer within [min, max]. */
export function intField(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw apiErrors.invalidField(name, `must be an integer between ${min} and ${max}`);
  }
  return value;
}

/** A `YYYY-MM-DD` date string. */
export function dateField(body: Body, name: string): string {
  const value = stringField(body, name);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw apiErrors.invalidField(name, 'must be a date in YYYY-MM-DD format');
  }
  return value;
}

/** Rejects top-level keys the endpoint does not know, then reports every missing required key at once. */
export function checkFields(body: Body, allowed: readonly string[], required: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => k !== 'client_id' && k !== 'secret' && !allowed.includes(k));
  if (unknown.length > 0) throw apiErrors.unknownFields(unknown);
  const missing = required.filter((k) => body[k] === undefined || body[k] === null);
  if (missing.length > 0) throw apiErrors.missingFields(missing);
}
