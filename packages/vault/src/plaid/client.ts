import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { PlaidApi } from 'plaid';
import { loadPlaidSdk } from '../drivers/optional-package.js';
import { ConfigInvalidError } from '../errors.js';
import type { VaultConfig } from '../types/config.js';

export interface PlaidClientOptions {
  env: string;
  clientId: string;
  secret: string;
  /** Overrides the environment's URL (the emulator's address). */
  baseUrl?: string | null;
  /** Per-request timeout. Default 30 s (Plaid's slower endpoints, e.g. a live balance, take several seconds). */
  timeoutMs?: number;
}

/**
 * Idle sockets kept per host. It must cover the instance's peak concurrency:
 * below it, every burst closes the surplus and reconnects it on the next one.
 * At 64 concurrent calls a cap of 32 did that on every round; 256 (Node's
 * default) took bench/http-accounts.js from 722 to 844 req/s through Next.js
 * and from 3,121 to 3,808 standalone. LIFO reuse lets sockets beyond the
 * steady load idle out.
 */
const MAX_FREE_SOCKETS = 256;

/**
 * Build the official SDK client. Credentials travel in headers only, which
 * is exactly why an AxiosError must never be logged or kept (plaid/errors.ts).
 *
 * Transport: one keep-alive agent per client, so calls reuse TLS connections
 * instead of paying a handshake each; idle sockets are unref'd by Node and do
 * not hold the process open. Redirects are refused (`maxRedirects: 0`): Plaid
 * never redirects an API call, and following one would resend the secret
 * headers to wherever the redirect points.
 *
 * The SDK (with axios, a few hundred milliseconds to load) is imported here,
 * on first use, never when plaid-vault is imported.
 *
 * @example
 * const api = await createPlaidApi({ env: 'sandbox', clientId, secret })
 */
export async function createPlaidApi(options: PlaidClientOptions): Promise<PlaidApi> {
  const { Configuration, PlaidApi, PlaidEnvironments } = await loadPlaidSdk();
  const basePath = (options.baseUrl ?? PlaidEnvironments[options.env] ?? '').replace(/\/+$/, '');
  if (!basePath)
    throw new ConfigInvalidError('No Plaid base URL for this PLAID_ENV; set PLAID_BASE_URL.', { details: { env: options.env } });
  const agentOptions = { keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, scheduling: 'lifo' as const };
  return new PlaidApi(
    new Configuration({
      basePath,
      baseOptions: {
        timeout: options.timeoutMs ?? 30_000,
        maxRedirects: 0,
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new HttpsAgent(agentOptions),
        headers: { 'PLAID-CLIENT-ID': options.clientId, 'PLAID-SECRET': options.secret },
      },
    }),
  );
}

/**
 * The SDK client for the vault's Plaid settings: the one place the vault
 * creates it (on first use). The emulator is started by a composition root
 * (web app, CLI), never by the library, so `emulator` needs its address.
 *
 * @example
 * const api = await plaidApiFromConfig(config.plaid);
 */
export async function plaidApiFromConfig(plaid: VaultConfig['plaid']): Promise<PlaidApi> {
  if (plaid.env === 'emulator' && !plaid.baseUrl)
    throw new ConfigInvalidError('PLAID_ENV=emulator needs PLAID_BASE_URL (the plaid-sandbox address).', {
      details: { variable: 'PLAID_BASE_URL' },
    });
  return createPlaidApi({ env: plaid.env, clientId: plaid.clientId ?? '', secret: plaid.secret ?? '', baseUrl: plaid.baseUrl ?? null });
}
