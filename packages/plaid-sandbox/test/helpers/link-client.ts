import type { PlaidApi } from 'plaid';
import { specValidator, validateResponses } from './openapi-validator.js';

/** A Link UI call's answer: the JSON body and status (errors are checked against Plaid's PlaidError schema). */
export interface LinkAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * POSTs to the emulated Link's own calls (`/link/__internal/<name>`) as the Link
 * page does: JSON, no client credentials. `raw` sends a body string as is.
 */
export async function linkCall(
  url: string,
  name: string,
  body: Record<string, unknown> | { raw: string },
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<LinkAnswer> {
  const res = await fetch(`${url}/link/__internal/${name}`, {
    method: 'POST',
    headers,
    body: 'raw' in body && typeof body.raw === 'string' ? body.raw : JSON.stringify(body),
  });
  const parsed = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200 && validateResponses) specValidator().assertSchema('PlaidError', parsed);
  return { status: res.status, body: parsed };
}

/** A link token from `/link/token/create` (through the SDK, validated), new Item or update mode. */
export async function createLinkToken(plaid: PlaidApi, extra: Record<string, unknown> = {}): Promise<string> {
  const { data } = await plaid.linkTokenCreate({
    client_name: 'Link test',
    language: 'en',
    country_codes: ['US' as never],
    user: { client_user_id: 'user-1' },
    ...('access_token' in extra ? {} : { products: ['transactions' as never] }),
    ...extra,
  });
  return data.link_token;
}

/** Opens a session and signs in; returns the session's answer and the submit's. */
export async function signIn(
  url: string,
  linkToken: string,
  login: { institution_id: string; username?: string; password?: string },
): Promise<{ session: Record<string, unknown>; submit: LinkAnswer }> {
  const started = await linkCall(url, 'session', { link_token: linkToken });
  if (started.status !== 200) throw new Error(`session failed: ${JSON.stringify(started.body)}`);
  const submit = await linkCall(url, 'submit', {
    link_token: linkToken,
    link_session_id: started.body.link_session_id,
    username: 'user_good',
    password: 'pass_good',
    ...login,
  });
  return { session: started.body, submit };
}
