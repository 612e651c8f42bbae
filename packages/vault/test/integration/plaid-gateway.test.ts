/**
 * The Plaid gateway against plaid-sandbox's fault injection: reads are retried
 * (bounded) on 429/5xx, writes never are; errors carry Plaid's fields only.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/crypto/secret.js';
import { isVaultError, PlaidError } from '../../src/errors.js';
import { createPlaidGateway } from '../../src/plaid/gateway.js';
import type { PlaidGateway } from '../../src/plaid/types.js';
import { containsAny, type PlaidEnv, sandboxApi, startPlaidEnv } from './plaid-harness.js';

let env: PlaidEnv;
let plaid: PlaidGateway;

async function newToken(): Promise<Secret> {
  const pub = await plaid.sandboxPublicToken({ institutionId: 'ins_109508', products: ['transactions'], webhookUrl: null });
  return (await plaid.exchangePublicToken(pub)).accessToken;
}
const calls = (path: string) => env.sb.state.counters[path] ?? 0;
async function failure(p: Promise<unknown>): Promise<PlaidError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof PlaidError)) throw new Error(`expected a PlaidError, got ${String(err)}`);
  return err;
}

beforeAll(async () => {
  env = await startPlaidEnv();
  const api = sandboxApi(env);
  plaid = createPlaidGateway({ api, retry: { attempts: 3, baseMs: 1, capMs: 5 } });
});
afterAll(async () => env?.close());
beforeEach(() => env.sb.faults.clear());

describe('plaid gateway', () => {
  it('retries an idempotent read on 500 and 429 until it succeeds', async () => {
    const token = await newToken();
    env.sb.faults.failNext('/accounts/get', 500, 1);
    env.sb.faults.failNext('/accounts/get', 429, 1);
    const before = calls('/accounts/get');
    expect((await plaid.getAccounts(token)).length).toBeGreaterThan(0);
    expect(calls('/accounts/get') - before).toBe(3);
  });

  it("gives up after the bound and reports Plaid's fields", async () => {
    const token = await newToken();
    env.sb.faults.failNext('/item/get', 500, 5);
    const before = calls('/item/get');
    const err = await failure(plaid.getItem(token));
    expect(err.code).toBe('ERR_PLAID_API_ERROR');
    expect(err.plaid).toMatchObject({ errorType: 'API_ERROR', httpStatus: 500, requestId: expect.any(String) });
    expect(calls('/item/get') - before).toBe(3);
    expect(containsAny(err, [token.reveal(), env.sb.secret])).toBe(false);
  });

  it.each([
    ['/item/access_token/invalidate', (t: Secret) => plaid.invalidateToken(t)],
    ['/item/remove', (t: Secret) => plaid.removeItem(t)],
  ])('never retries %s', async (path, call) => {
    const token = await newToken();
    env.sb.faults.failNext(path, 500, 3);
    const before = calls(path);
    expect((await failure(call(token))).code).toBe('ERR_PLAID_API_ERROR');
    expect(calls(path) - before).toBe(1);
  });

  it('never retries a public token exchange', async () => {
    const pub = await plaid.sandboxPublicToken({ institutionId: 'ins_109508', products: ['transactions'], webhookUrl: null });
    env.sb.faults.failNext('/item/public_token/exchange', 429, 3);
    const before = calls('/item/public_token/exchange');
    expect((await failure(plaid.exchangePublicToken(pub))).code).toBe('ERR_PLAID_RATE_LIMITED');
    expect(calls('/item/public_token/exchange') - before).toBe(1);
  });

  it('maps a dead token, an unknown webhook key and a dropped connection', async () => {
    const token = await newToken();
    const fresh = await plaid.invalidateToken(token);
    expect(fresh.reveal()).not.toBe(token.reveal());
    expect((await failure(plaid.getItem(token))).code).toBe('ERR_PLAID_INVALID_ACCESS_TOKEN');
    expect((await failure(plaid.getWebhookKey('no-such-kid'))).plaid.errorCode).toBe('INVALID_WEBHOOK_VERIFICATION_KEY_ID');
    env.sb.faults.set({ commitThenDrop: { '/item/access_token/invalidate': 1 } });
    const dropped = await failure(plaid.invalidateToken(fresh));
    expect(dropped.code).toBe('ERR_PLAID_UNREACHABLE');
    expect(isVaultError(dropped)).toBe(true);
    // The change was committed: the token we held is dead.
    expect((await failure(plaid.getItem(fresh))).code).toBe('ERR_PLAID_INVALID_ACCESS_TOKEN');
    expect(plaid.health()).toBe('ok');
  });

  it('a wrong secret maps to a Plaid input error without echoing the secret', async () => {
    const api = sandboxApi(env, { secret: 'wrong-secret-value-xyz' });
    const bad = createPlaidGateway({ api });
    const err = await failure(bad.getInstitutionName('ins_109508', ['US']));
    expect(err.plaid.errorCode).toBe('INVALID_API_KEYS');
    expect(containsAny(err, ['wrong-secret-value-xyz'])).toBe(false);
  });
});
