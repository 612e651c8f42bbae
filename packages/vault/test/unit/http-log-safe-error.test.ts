import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import { toLoggedError } from '../../src/http/log-safe-error.js';

describe('toLoggedError', () => {
  it('keeps name, code, message and the cause chain', () => {
    const err = new StoreUnavailableError(undefined, { cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') });
    const logged = toLoggedError(err);
    expect(logged.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(logged.name).toBe('StoreUnavailableError');
    expect(logged.cause?.message).toContain('ECONNREFUSED');
  });

  it('drops enumerable fields (an AxiosError carries the request config and the secret)', () => {
    const axiosLike = Object.assign(new Error('Request failed with status code 400'), {
      config: { headers: { 'PLAID-SECRET': 'shhh-secret-value' }, data: '{"access_token":"x"}' },
      code: 'ERR_BAD_REQUEST',
    });
    const text = JSON.stringify(toLoggedError(axiosLike));
    expect(text).not.toContain('shhh-secret-value');
    expect(text).not.toContain('access_token');
    expect(JSON.parse(text).code).toBe('ERR_BAD_REQUEST');
  });

  it('scrubs Plaid credentials quoted in messages and stacks', () => {
    const token = 'access-sandbox-8ab976e6-64bc-4b38-98f7-731e7a349970';
    const err = new Error(`failed for ${token} and public-sandbox-1234-abcd`, { cause: new Error(`inner ${token}`) });
    const text = JSON.stringify(toLoggedError(err));
    expect(text).not.toContain('access-sandbox-');
    expect(text).not.toContain('public-sandbox-');
    expect(text).toContain('[redacted]');
  });

  it('describes a thrown non-error without echoing it', () => {
    expect(toLoggedError('access-sandbox-abc')).toEqual({ name: 'string', message: '[non-error thrown]' });
  });
});
