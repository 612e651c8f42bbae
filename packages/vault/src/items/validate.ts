import { InputInvalidError } from '../errors.js';

/** Opaque ids (user and item): printable ASCII without spaces, bounded. */
const ID = /^[\x21-\x7e]{1,256}$/;
/** Plaid's access token shape: access-<env>-<uuid>. */
const ACCESS_TOKEN = /^access-(sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Purposes are short labels written to the audit log: printable, spaces allowed. */
const PURPOSE = /^[\x20-\x7e]{1,128}$/;
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const NAME = /^[^\x00-\x1f\x7f]{0,256}$/;

// Messages name the field, never the value: a misplaced token must not echo back.
function invalid(field: string, rule: string): never {
  throw new InputInvalidError(`${field} ${rule}.`, { details: { field } });
}

export function assertId(value: unknown, field: 'userId' | 'itemId' | string): asserts value is string {
  if (typeof value !== 'string' || !ID.test(value)) invalid(field, 'must be 1-256 printable characters without spaces');
}

export function assertAccessToken(value: unknown, field = 'accessToken'): asserts value is string {
  if (typeof value !== 'string' || !ACCESS_TOKEN.test(value)) invalid(field, 'must be a Plaid access token (access-<env>-<uuid>)');
}

export function assertPurpose(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !PURPOSE.test(value)) invalid('purpose', 'must be 1-128 printable characters');
}

export function assertOptionalName(value: unknown, field: string): asserts value is string | null | undefined {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || !NAME.test(value)) invalid(field, 'must be a string of at most 256 characters');
}

export function assertProducts(value: unknown): asserts value is string[] | undefined {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length > 64 || !value.every((p) => typeof p === 'string' && /^[a-z_]{1,64}$/.test(p))) {
    invalid('products', 'must be a list of Plaid product names');
  }
}

export function assertRef(ref: { userId: unknown; itemId: unknown }): void {
  assertId(ref.userId, 'userId');
  assertId(ref.itemId, 'itemId');
}
