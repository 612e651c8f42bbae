import { randomBytes } from 'node:crypto';
import { ConfigInvalidError } from '../errors.js';
import { OPERATOR_ID } from '../operator-ids.js';

export const KEYGEN_HINT = 'Each entry is kid:base64 of 32 random bytes; generate one with `plaid-vault keygen`';

/**
 * A new keyring entry `kid:base64` holding 32 random bytes. The default kid is
 * `k<yyyymmdd>-<4 hex>`: it sorts by creation day and two keys made the same
 * day still differ.
 *
 * @example
 * const entry = generateKeyEntry(); // "k20261129-3fa1:q0V...="
 * const keys = `${entry},${process.env.VAULT_KEYS}`; // new key first = active
 */
export function generateKeyEntry(kid?: string): string {
  const id = kid ?? `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(2).toString('hex')}`;
  if (!OPERATOR_ID.test(id))
    throw new ConfigInvalidError('A kid is 1-64 characters of A-Z a-z 0-9 . _ -.', { details: { variable: 'kid' } });
  return `${id}:${randomBytes(32).toString('base64')}`;
}
