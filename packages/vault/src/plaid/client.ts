import { Configuration, PlaidApi, PlaidEnvironments } from 'plaid';
import { ConfigInvalidError } from '../errors.js';

export interface PlaidClientOptions {
  env: string;
  clientId: string;
  secret: string;
  /** Overrides the environment's URL (the emulator's address). */
  baseUrl?: string | null;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Build the official SDK client. Credentials travel in headers only, which
 * is exactly why an AxiosError must never be logged or kept (plaid/errors.ts).
 *
 * @example
 * const api = createPlaidApi({ env: 'sandbox', clientId, secret })
 */
export function createPlaidApi(options: PlaidClientOptions): PlaidApi {
  const basePath = (options.baseUrl ?? PlaidEnvironments[options.env] ?? '').replace(/\/+$/, '');
  if (!basePath)
    throw new ConfigInvalidError('No Plaid base URL for this PLAID_ENV; set PLAID_BASE_URL.', { details: { env: options.env } });
  return new PlaidApi(
    new Configuration({
      basePath,
      baseOptions: {
        timeout: options.timeoutMs ?? 10_000,
        headers: { 'PLAID-CLIENT-ID': options.clientId, 'PLAID-SECRET': options.secret },
      },
    }),
  );
}
