import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';

describe('plaid-sandbox: fault injection', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;
  let token: string;
  let itemId: string;

  beforeAll(async () => {
    sb = await startSandbox({ admin: true });
    plaid = plaidClient(sb);
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
    ({ access_token: token, item_id: itemId } = (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data);
  });
  afterEach(() => sb.faults.clear());
  afterAll(() => sb.close());

  it('failNext answers 500 INTERNAL_SERVER_ERROR, then 429 with the endpoint rate-limit code, then recovers', async () => {
    sb.faults.failNext('/accounts/get', 500);
    sb.faults.failNext('/accounts/get', 429);
    expect(await plaidErrorOf(plaid.accountsGet({ access_token: token }))).toMatchObject({
      status: 500,
      type: 'API_ERROR',
      code: 'INTERNAL_SERVER_ERROR',
    });
    expect(await plaidErrorOf(plaid.accountsGet({ access_token: token }))).toMatchObject({
      status: 429,
      type: 'RATE_LIMIT_EXCEEDED',
      code: 'ACCOUNTS_LIMIT',
    });
    expect((await plaid.accountsGet({ access_token: token })).status).toBe(200);
  });

  it('error rates are drawn from a seeded generator: same seed, same outcomes', async () => {
    const run = async () => {
      sb.faults.set({ errorRates: { '/institutions/get_by_id': { status: 429, rate: 0.5 } }, seed: 42 });
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        outcomes.push(
          await plaid.institutionsGetById({ institution_id: 'ins_109508', country_codes: ['US' as never] }).then(
            () => 'ok',
            (e: { response: { data: { error_code: string } } }) => e.response.data.error_code,
          ),
        );
      }
      return outcomes;
    };
    const first = await run();
    expect(first).toContain('ok');
    expect(first).toContain('INSTITUTIONS_GET_BY_ID_LIMIT');
    expect(await run()).toEqual(first);
    sb.faults.set({ errorRates: { '*': { status: 500, rate: 1 } } });
    expect((await plaidErrorOf(plaid.itemGet({ access_token: token }))).code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('an injected error changes nothing: a failed invalidate leaves the token alive', async () => {
    sb.faults.failNext('/item/access_token/invalidate', 500);
    expect((await plaidErrorOf(plaid.itemAccessTokenInvalidate({ access_token: token }))).status).toBe(500);
    expect((await plaid.itemGet({ access_token: token })).data.item.item_id).toBe(itemId);
  });

  it('commit-then-drop applies the invalidate and cuts the connection: old token dead, no answer', async () => {
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
    const { access_token } = (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
    sb.state.resetCounters();
    sb.faults.set({ commitThenDrop: { '/item/access_token/invalidate': 1 } });
    const err = (await plaid.itemAccessTokenInvalidate({ access_token }).then(
      () => undefined,
      (e: { response?: unknown; code?: string }) => e,
    ))!;
    expect(err).toBeDefined();
    expect(err.response).toBeUndefined();
    expect(err.code).toBe('ECONNRESET');
    expect(sb.state.counters['/item/access_token/invalidate']).toBe(1);
    expect((await plaidErrorOf(plaid.itemGet({ access_token }))).code).toBe('INVALID_ACCESS_TOKEN');
    // The count is used up: the next call is answered.
    expect((await plaid.itemAccessTokenInvalidate({ access_token: token })).data.new_access_token).toMatch(/^access-sandbox-/);
  });

  it('latency delays answers without changing them', async () => {
    sb.faults.set({ latencyMs: 30 });
    expect(sb.faults.current().latencyMs).toBe(30);
    const res = await plaid.institutionsGetById({ institution_id: 'ins_109508', country_codes: ['US' as never] });
    expect(res.data.institution.institution_id).toBe('ins_109508');
  });

  it('the admin route sets and clears faults over HTTP', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${sb.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/__admin/faults', { errorRates: { '/item/get': { status: 429, rate: 1 } } })).status).toBe(200);
    expect((await plaidErrorOf(plaid.institutionsGetById({ institution_id: 'ins_x', country_codes: ['US' as never] }))).code).toBe(
      'INVALID_INSTITUTION',
    );
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
    const fresh = (await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token })).data;
    expect((await plaidErrorOf(plaid.itemGet({ access_token: fresh.access_token }))).code).toBe('ITEM_GET_LIMIT');
    expect((await post('/__admin/faults/clear', {})).status).toBe(200);
    expect((await plaid.itemGet({ access_token: fresh.access_token })).status).toBe(200);
    const state = (await (await fetch(`${sb.url}/__admin/state`)).json()) as {
      counters: Record<string, number>;
      items: { itemId: string }[];
    };
    expect(state.counters['/item/get']).toBeGreaterThan(0);
    expect(state.items.map((i) => i.itemId)).toContain(fresh.item_id);
    expect(JSON.stringify(state)).not.toContain(fresh.access_token);
  });
});
