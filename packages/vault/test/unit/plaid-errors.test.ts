/**
 * Plaid error mapping and retry policy, without a network: AxiosErrors built
 * with axios itself, carrying a secret in their config as the SDK's do.
 */
import { AxiosError, AxiosHeaders } from 'axios';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PlaidError } from '../../src/errors.js';
import { isOutcomeUnknown, isTokenGone, mapPlaidError } from '../../src/plaid/errors.js';
import { createRetrier } from '../../src/plaid/retry.js';

const SECRET = 'sekret-0123456789abcdef';
const TOKEN = 'access-sandbox-11111111-2222-4333-a444-555555555555';

function axiosError(status: number | null, data?: Record<string, unknown>, code?: string): AxiosError {
  const config = {
    headers: new AxiosHeaders({ 'PLAID-CLIENT-ID': 'cid', 'PLAID-SECRET': SECRET }),
    data: JSON.stringify({ access_token: TOKEN }),
    url: '/item/get',
  };
  const response = status === null ? undefined : { status, statusText: '', headers: {}, config, data: { ...data, request_id: 'req123' } };
  return new AxiosError(
    status === null ? 'socket hang up' : `Request failed with status code ${status}`,
    code ?? (status === null ? 'ECONNRESET' : 'ERR_BAD_REQUEST'),
    config as never,
    {},
    response as never,
  );
}

function leaks(err: unknown): boolean {
  const seen = new Set<unknown>();
  const texts: string[] = [inspect(err, { depth: 20, showHidden: true }), JSON.stringify(err), String(err), (err as Error).stack ?? ''];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') return void texts.push(v);
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    for (const key of Reflect.ownKeys(v)) walk((v as Record<string | symbol, unknown>)[key]);
  };
  walk(err);
  return texts.some((t) => t.includes(SECRET) || t.includes(TOKEN));
}

describe('mapPlaidError', () => {
  it.each<[string, number | null, Record<string, unknown> | undefined, string]>([
    ['invalid access token', 400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_ACCESS_TOKEN' }, 'ERR_PLAID_INVALID_ACCESS_TOKEN'],
    ['login required', 400, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' }, 'ERR_PLAID_ITEM_LOGIN_REQUIRED'],
    ['other item error', 400, { error_type: 'ITEM_ERROR', error_code: 'PRODUCT_NOT_READY' }, 'ERR_PLAID_ITEM_ERROR'],
    ['invalid input', 400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_PUBLIC_TOKEN' }, 'ERR_PLAID_INVALID_INPUT'],
    ['invalid request', 400, { error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS' }, 'ERR_PLAID_INVALID_REQUEST'],
    ['rate limit', 429, { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'ACCOUNTS_LIMIT' }, 'ERR_PLAID_RATE_LIMITED'],
    ['api error', 500, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' }, 'ERR_PLAID_API_ERROR'],
    ['5xx without a body', 502, undefined, 'ERR_PLAID_API_ERROR'],
    ['no answer', null, undefined, 'ERR_PLAID_UNREACHABLE'],
  ])('maps %s', (_name, status, data, code) => {
    const mapped = mapPlaidError(axiosError(status, data), 'item.get');
    expect(mapped).toBeInstanceOf(PlaidError);
    expect(mapped.code).toBe(code);
    expect(mapped.details).toMatchObject({ operation: 'item.get' });
    if (status !== null)
      expect(mapped.plaid).toMatchObject({ requestId: 'req123', httpStatus: status, errorCode: data?.error_code ?? null });
  });

  it("keeps Plaid's fields and nothing from axios: no secret, no token, no cause", () => {
    const mapped = mapPlaidError(
      axiosError(400, {
        error_type: 'ITEM_ERROR',
        error_code: 'ITEM_LOGIN_REQUIRED',
        display_message: 'Sign in again',
        error_message: `token ${TOKEN}`,
      }),
      'accounts.get',
    );
    expect(mapped.plaid).toEqual({
      errorType: 'ITEM_ERROR',
      errorCode: 'ITEM_LOGIN_REQUIRED',
      requestId: 'req123',
      displayMessage: 'Sign in again',
      httpStatus: 400,
    });
    expect(mapped.cause).toBeUndefined();
    expect(leaks(mapped)).toBe(false);
    expect(leaks(axiosError(400))).toBe(true); // the check itself can see a leak
  });

  it('says whether an unanswered request may have reached Plaid', () => {
    expect(isOutcomeUnknown(mapPlaidError(axiosError(null, undefined, 'ECONNRESET'), 'x'))).toBe(true);
    expect(isOutcomeUnknown(mapPlaidError(axiosError(null, undefined, 'ECONNABORTED'), 'x'))).toBe(true);
    expect(isOutcomeUnknown(mapPlaidError(axiosError(null, undefined, 'ECONNREFUSED'), 'x'))).toBe(false);
    expect(isOutcomeUnknown(mapPlaidError(axiosError(500), 'x'))).toBe(false);
  });

  it('recognises a token Plaid no longer knows', () => {
    expect(isTokenGone(mapPlaidError(axiosError(400, { error_type: 'INVALID_INPUT', error_code: 'INVALID_ACCESS_TOKEN' }), 'x'))).toBe(
      true,
    );
    expect(isTokenGone(mapPlaidError(axiosError(400, { error_type: 'ITEM_ERROR', error_code: 'ITEM_NOT_FOUND' }), 'x'))).toBe(true);
    expect(isTokenGone(mapPlaidError(axiosError(400, { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' }), 'x'))).toBe(false);
  });
});

describe('createRetrier', () => {
  const plaidErr = (status: number | null, type?: string) =>
    mapPlaidError(axiosError(status, type ? { error_type: type, error_code: 'X' } : undefined), 'r');

  it('retries 429, 5xx and transport errors up to the bound, with full-jitter back-off', async () => {
    const delays: number[] = [];
    const retry = createRetrier({ attempts: 3, baseMs: 100, capMs: 1000, random: () => 0.5, sleep: async (ms) => void delays.push(ms) });
    for (const err of [plaidErr(429, 'RATE_LIMIT_EXCEEDED'), plaidErr(500, 'API_ERROR'), plaidErr(null)]) {
      let calls = 0;
      const p = retry(async () => {
        calls++;
        throw err;
      });
      await expect(p).rejects.toBe(err);
      expect(calls).toBe(3);
    }
    expect(delays).toEqual([50, 100, 50, 100, 50, 100]);
  });

  it('stops at the first success and never retries a client error', async () => {
    const retry = createRetrier({ attempts: 5, sleep: async () => {} });
    let calls = 0;
    await expect(retry(async () => (++calls < 3 ? Promise.reject(plaidErr(503)) : 'ok'))).resolves.toBe('ok');
    expect(calls).toBe(3);
    calls = 0;
    await expect(retry(async () => (calls++, Promise.reject(plaidErr(400, 'INVALID_INPUT'))))).rejects.toMatchObject({
      code: 'ERR_PLAID_INVALID_INPUT',
    });
    expect(calls).toBe(1);
  });

  it('caps each delay', async () => {
    const delays: number[] = [];
    const retry = createRetrier({ attempts: 8, baseMs: 100, capMs: 300, random: () => 0.999, sleep: async (ms) => void delays.push(ms) });
    await retry(async () => Promise.reject(plaidErr(500))).catch(() => {});
    expect(Math.max(...delays)).toBeLessThan(300);
    expect(delays).toHaveLength(7);
  });
});
