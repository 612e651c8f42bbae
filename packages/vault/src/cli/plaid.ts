import { createPlaidApi } from '../plaid/client.js';
import { createPlaidGateway } from '../plaid/gateway.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { Runtime } from './runtime.js';

/** The emulator's default credentials (plaid-sandbox accepts any pair it was started with). */
const EMULATOR_DEFAULT_URL = 'http://127.0.0.1:4010';

/** A Plaid gateway from the runtime's configuration, for commands that call Plaid outside the vault (import --verify). */
export function createPlaidFromConfig(runtime: Runtime): PlaidGateway {
  const { plaid } = runtime.config();
  const api = createPlaidApi({
    env: plaid.env === 'emulator' ? 'sandbox' : plaid.env,
    clientId: plaid.clientId ?? 'emulator',
    secret: plaid.secret ?? 'emulator',
    baseUrl: plaid.baseUrl ?? (plaid.env === 'emulator' ? EMULATOR_DEFAULT_URL : null),
  });
  return createPlaidGateway({ api });
}
