import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { linkItem, plaidClient, plaidErrorOf, rawPost } from '../helpers/sandbox-client.js';

describe('plaid-sandbox: institutions, categories, users, processor tokens', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;

  beforeAll(async () => {
    sb = await startSandbox();
    plaid = plaidClient(sb);
  });
  afterAll(() => sb.close());

  it('/institutions/search matches names and filters by product and oauth', async () => {
    const US = ['US' as never];
    const platypus = await plaid.institutionsSearch({ query: 'platypus', country_codes: US });
    expect(platypus.data.institutions.map((i) => i.institution_id)).toEqual(['ins_109508', 'ins_130016', 'ins_127287']);
    const oauth = await plaid.institutionsSearch({ query: 'Platypus', country_codes: US, options: { oauth: true } });
    expect(oauth.data.institutions.map((i) => i.institution_id)).toEqual(['ins_127287']);
    const investments = await plaid.institutionsSearch({ query: 'bank', country_codes: US, products: ['investments' as never] });
    expect(investments.data.institutions.map((i) => i.name)).not.toContain('Houndstooth Bank');
    const meta = await plaid.institutionsSearch({ query: 'tartan', country_codes: US, options: { include_optional_metadata: true } });
    expect(meta.data.institutions[0]).toMatchObject({ name: 'Tartan Bank', url: expect.any(String), primary_color: expect.any(String) });
    expect((await plaid.institutionsSearch({ query: 'platypus', country_codes: ['GB' as never] })).data.institutions).toEqual([]);
    expect((await plaidErrorOf(plaid.institutionsSearch({ query: ' ', country_codes: US }))).code).toBe('INVALID_FIELD');
    expect((await plaidErrorOf(plaid.institutionsSearch({ query: 'x', country_codes: US, products: ['nope' as never] }))).code).toBe(
      'INVALID_FIELD',
    );
  });

  it('/institutions/get pages with count and offset and reports the total', async () => {
    const US = ['US' as never];
    const all = await plaid.institutionsGet({ count: 500, offset: 0, country_codes: US });
    expect(all.data.total).toBe(all.data.institutions.length);
    expect(all.data.total).toBeGreaterThanOrEqual(7);
    const page = await plaid.institutionsGet({ count: 2, offset: 2, country_codes: US });
    expect(page.data.institutions.map((i) => i.institution_id)).toEqual(all.data.institutions.slice(2, 4).map((i) => i.institution_id));
    expect(page.data.total).toBe(all.data.total);
    const routed = await plaid.institutionsGet({ count: 10, offset: 0, country_codes: US, options: { routing_numbers: ['011401537'] } });
    expect(routed.data.institutions.map((i) => i.name)).toEqual(['Houndstooth Bank']);
    expect((await plaidErrorOf(plaid.institutionsGet({ count: 0, offset: 0, country_codes: US }))).code).toBe('INVALID_FIELD');
    expect((await plaidErrorOf(plaid.institutionsGet({ count: 1, offset: 0, country_codes: [] }))).code).toBe('INVALID_FIELD');
    expect((await plaidErrorOf(plaid.institutionsGet({ count: 1 } as never))).code).toBe('MISSING_FIELDS');
  });

  it('/categories/get answers without credentials, and transactions point into it', async () => {
    const anonymous = plaidClient(sb, 'none');
    const { data } = await anonymous.categoriesGet({});
    const ids = new Set(data.categories.map((c) => c.category_id));
    expect(data.categories.find((c) => c.category_id === '22001000')?.hierarchy).toEqual(['Travel', 'Airlines and Aviation Services']);
    const { access_token } = await linkItem(plaid);
    const tx = (await plaid.transactionsSync({ access_token, count: 500 })).data.added;
    for (const t of tx) expect(ids.has(t.category_id!), `${t.name}: ${t.category_id}`).toBe(true);
    expect(
      (await rawPost(sb, '/categories/get', JSON.stringify({ colour: 'red' }), { 'content-type': 'application/json' })).body.error_code,
    ).toBe('UNKNOWN_FIELDS');
  });

  it('/user/create returns a user id and token once per client_user_id', async () => {
    const { data } = await plaid.userCreate({ client_user_id: 'user-42' });
    expect(data.user_id).toMatch(/^usr_[A-Za-z0-9]{14}$/);
    expect(data.user_token).toMatch(/^user-sandbox-[0-9a-f-]{36}$/);
    expect((await plaidErrorOf(plaid.userCreate({ client_user_id: 'user-42' }))).code).toBe('INVALID_FIELD');
    expect((await plaidErrorOf(plaid.userCreate({ client_user_id: '' }))).code).toBe('INVALID_FIELD');
    expect((await plaidErrorOf(plaid.userCreate({} as never))).code).toBe('MISSING_FIELDS');
  });

  it('/processor/token/create makes a token per account; unknown accounts and processors, and removed Items, are refused', async () => {
    const { access_token, item_id } = await linkItem(plaid, { products: ['auth'] });
    const checking = (await plaid.accountsGet({ access_token })).data.accounts[0]!.account_id;
    const { data } = await plaid.processorTokenCreate({ access_token, account_id: checking, processor: 'dwolla' as never });
    expect(data.processor_token).toMatch(/^processor-sandbox-[0-9a-f-]{36}$/);
    expect((await plaidErrorOf(plaid.processorTokenCreate({ access_token, account_id: 'nope', processor: 'dwolla' as never }))).code).toBe(
      'INVALID_ACCOUNT_ID',
    );
    expect(
      (await plaidErrorOf(plaid.processorTokenCreate({ access_token, account_id: checking, processor: 'no_such_processor' as never })))
        .code,
    ).toBe('INVALID_FIELD');
    await plaid.itemRemove({ access_token });
    expect(sb.state.item(item_id)?.status).toBe('removed');
    expect(
      (await plaidErrorOf(plaid.processorTokenCreate({ access_token, account_id: checking, processor: 'dwolla' as never }))).code,
    ).toBe('INVALID_ACCESS_TOKEN');
  });
});
