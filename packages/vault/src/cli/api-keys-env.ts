import { ConfigInvalidError } from '../errors.js';
import { OPERATOR_ID } from '../operator-ids.js';
import type { ServiceApiKey } from '../http/service-auth.js';

/**
 * VAULT_API_KEYS: `id:hash` entries separated by commas, where hash is what
 * `plaid-vault apikey` prints (`sha256:...` or `scrypt:...`). Messages name
 * the entry's position, never its content (a raw key pasted by mistake must not echo).
 */
export function parseApiKeysEnv(value: string | undefined): ServiceApiKey[] {
  if (value === undefined || value.trim() === '') {
    throw new ConfigInvalidError(
      'VAULT_API_KEYS is not set: plaid-vault serve needs at least one service key. Generate one with plaid-vault apikey.',
      {
        details: { variable: 'VAULT_API_KEYS' },
      },
    );
  }
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const colon = entry.indexOf(':');
      const id = colon > 0 ? entry.slice(0, colon) : '';
      if (!OPERATOR_ID.test(id) || !/^(sha256|scrypt):/.test(entry.slice(colon + 1))) {
        throw new ConfigInvalidError(
          `VAULT_API_KEYS entry ${index + 1} is not "id:sha256:..." (use the entry plaid-vault apikey prints).`,
          {
            details: { variable: 'VAULT_API_KEYS', entry: index + 1 },
          },
        );
      }
      return { id, hash: entry.slice(colon + 1) };
    });
}
