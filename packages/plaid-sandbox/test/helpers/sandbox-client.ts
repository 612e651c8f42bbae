import { Configuration, PlaidApi } from 'plaid';
import type { Sandbox } from '../../src/index.js';

/** Where a sandbox answers and with which credentials (a `Sandbox`, or a CLI's printout). */
export type SandboxAddress = Pick<Sandbox, 'url' | 'clientId' | 'secret'>;
import { specValidator, validateResponses } from './openapi-validator.js';

/** Credentials in headers, as the SDK's README sets them up; `body` mode puts none in headers. */
export type CredentialMode = 'headers' | 'none';

/**
 * An official `PlaidApi` pointed at the sandbox whose every response body, success or
 * error, is validated against the OpenAPI spec before the SDK sees it. axios calls
 * `transformResponse` with the request config as `this` and the status as third
 * argument, so a schema mismatch rejects the call itself and fails the test.
 */
export function plaidClient(
  sb: SandboxAddress,
  mode: CredentialMode = 'headers',
  creds = { clientId: sb.clientId, secret: sb.secret },
): PlaidApi {
  const headers = mode === 'headers' ? { 'PLAID-CLIENT-ID': creds.clientId, 'PLAID-SECRET': creds.secret } : {};
  return new PlaidApi(
    new Configuration({
      basePath: sb.url,
      baseOptions: {
        headers,
        transformResponse: [
          function validate(this: { url?: string }, data: unknown, _headers: unknown, status?: number) {
            const parsed: unknown = typeof data === 'string' && data.length > 0 ? JSON.parse(data) : data;
            const path = new URL(this.url ?? '', sb.url).pathname.replace(/\/{2,}/g, '/');
            if (validateResponses) specValidator().assertResponse(path, status ?? 0, parsed);
            return parsed;
          },
        ],
      },
    }),
  );
}

/** A raw POST for malformed-input cases; the answer is validated as a Plaid error or 200 body. */
export async function rawPost(
  sb: SandboxAddress,
  path: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json', 'plaid-client-id': sb.clientId, 'plaid-secret': sb.secret },
): Promise<{ status: number; contentType: string | null; body: Record<string, unknown> }> {
  const res = await fetch(sb.url + path, { method: 'POST', headers, body });
  const parsed = (await res.json()) as Record<string, unknown>;
  if (validateResponses) specValidator().assertResponse(path.replace(/\/{2,}/g, '/'), res.status, parsed);
  return { status: res.status, contentType: res.headers.get('content-type'), body: parsed };
}

/** The Plaid error code of a rejected SDK call (fails loudly if the rejection is not a Plaid error). */
export async function plaidErrorOf(call: Promise<unknown>): Promise<{ status: number; code: string; type: string; requestId: unknown }> {
  try {
    await call;
  } catch (err) {
    const response = (err as { response?: { status: number; data: { error_code: string; error_type: string; request_id: unknown } } })
      .response;
    if (!response) throw err;
    return { status: response.status, code: response.data.error_code, type: response.data.error_type, requestId: response.data.request_id };
  }
  throw new Error('expected the call to fail');
}

/** Options of {@link linkItem}: the `/sandbox/public_token/create` inputs, with defaults. */
export interface LinkItemOptions {
  institution?: string;
  products?: string[];
  /** `options` as sent (emulator extensions such as `additional_consented_products` included). */
  options?: Record<string, unknown>;
}

/** An Item made the Link-less way: `/sandbox/public_token/create` then exchange. */
export async function linkItem(plaid: PlaidApi, opts: LinkItemOptions = {}): Promise<{ access_token: string; item_id: string }> {
  const pt = await plaid.sandboxPublicTokenCreate({
    institution_id: opts.institution ?? 'ins_109508',
    initial_products: (opts.products ?? ['transactions']) as never,
    ...(opts.options && { options: opts.options as never }),
  });
  const { data } = await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token });
  return { access_token: data.access_token, item_id: data.item_id };
}
