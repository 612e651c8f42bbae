import type { VaultConfig } from '../types/config.js';
import { ConfigInvalidError } from '../errors.js';
import { createPlaidApi } from '../plaid/client.js';
import { createPlaidGateway } from '../plaid/gateway.js';
import type { PlaidGateway } from '../plaid/types.js';

/**
 * A Plaid gateway from the configuration, for commands that call Plaid with a
 * token the vault does not hold yet (import --verify). Same rules as the
 * vault's own gateway (plaid/features.ts).
 */
export function createPlaidFromConfig(config: Readonly<VaultConfig>): PlaidGateway {
  const { plaid } = config;
  if (plaid.env === 'emulator' && !plaid.baseUrl) {
    throw new ConfigInvalidError('PLAID_ENV=emulator needs PLAID_BASE_URL (the plaid-sandbox address).', {
      details: { variable: 'PLAID_BASE_URL' },
    });
  }
  return createPlaidGateway({
    api: () =>
      createPlaidApi({ env: plaid.env, clientId: plaid.clientId ?? '', secret: plaid.secret ?? '', baseUrl: plaid.baseUrl ?? null }),
  });
}
