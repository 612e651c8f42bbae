import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { specValidator, validateResponses } from '../helpers/openapi-validator.js';
import { plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';

const TOKEN = (type: string) => new RegExp(`^${type}-sandbox-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`);

describe('plaid-sandbox: the Link-less flow through the official SDK', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;

  beforeAll(async () => {
    sb = await startSandbox();
    plaid = plaidClient(sb);
  });
  afterAll(() => sb.close());

  async function newItem(products = ['transactions'] as string[]) {
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: products as never });
    const ex = await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token });
    return { publicToken: pt.data.public_token, ...ex.data };
  }

  it('public token -> exchange -> accounts -> sync -> invalidate (old dead, new works) -> remove (dead)', async () => {
    const before = validateResponses ? specValidator().validated : 0;
    const { access_token: first, item_id: itemId, publicToken } = await newItem();
    expect(publicToken).toMatch(TOKEN('public'));
    expect(first).toMatch(TOKEN('access'));

    const accounts = await plaid.accountsGet({ access_token: first });
    expect(accounts.data.item.item_id).toBe(itemId);
    expect(accounts.data.accounts.map((a) => a.mask)).toContain('0000');

    const sync = await plaid.transactionsSync({ access_token: first });
    expect(sync.data.added.length).toBeGreaterThan(0);

    const rotated = await plaid.itemAccessTokenInvalidate({ access_token: first });
    const second = rotated.data.new_access_token;
    expect(second).toMatch(TOKEN('access'));
    expect(second).not.toBe(first);
    expect((await plaidErrorOf(plaid.accountsGet({ access_token: first }))).code).toBe('INVALID_ACCESS_TOKEN');
    const after = await plaid.itemGet({ access_token: second });
    expect(after.data.item.item_id).toBe(itemId);
    expect(sb.state.counters['/item/access_token/invalidate']).toBe(1);

    await plaid.itemRemove({ access_token: second });
    const dead = await plaidErrorOf(plaid.itemGet({ access_token: second }));
    expect(dead).toMatchObject({ status: 400, code: 'INVALID_ACCESS_TOKEN', type: 'INVALID_INPUT' });
    expect(sb.state.item(itemId)).toMatchObject({ status: 'removed', liveAccessTokens: 0 });
    // Every body above went through the spec validator.
    if (validateResponses) expect(specValidator().validated - before).toBeGreaterThanOrEqual(9);
  });

  it('public tokens are single-use', async () => {
    const pt = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109509', initial_products: ['auth' as never] });
    await plaid.itemPublicTokenExchange({ public_token: pt.data.public_token });
    const again = await plaidErrorOf(plaid.itemPublicTokenExchange({ public_token: pt.data.public_token }));
    expect(again.code).toBe('INVALID_PUBLIC_TOKEN');
  });

  it('public tokens expire after 30 minutes and link tokens last 4 hours', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const clocked = await startSandbox({ clock: { now: () => now } });
    try {
      const api = plaidClient(clocked);
      const link = await api.linkTokenCreate({
        client_name: 'x',
        language: 'en',
        country_codes: ['US' as never],
        user: { client_user_id: 'u1' },
        products: ['transactions' as never],
      });
      expect(link.data.link_token).toMatch(TOKEN('link'));
      expect(link.data.expiration).toBe('2026-01-01T04:00:00.000Z');
      const pt = await api.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['transactions' as never] });
      now = new Date(now.getTime() + 30 * 60_000);
      expect((await plaidErrorOf(api.itemPublicTokenExchange({ public_token: pt.data.public_token }))).code).toBe('INVALID_PUBLIC_TOKEN');
    } finally {
      await clocked.close();
    }
  });

  it('serves user_good data deterministically: accounts, balances, auth numbers, identity, item', async () => {
    const a = await newItem(['auth', 'identity', 'transactions']);
    const b = await newItem(['auth', 'identity', 'transactions']);
    const [accA, accB] = await Promise.all([
      plaid.accountsGet({ access_token: a.access_token }),
      plaid.accountsGet({ access_token: b.access_token }),
    ]);
    const strip = (list: { account_id: string }[]) => list.map(({ account_id: _, ...rest }) => rest);
    expect(strip(accA.data.accounts)).toEqual(strip(accB.data.accounts));
    const checking = accA.data.accounts.find((x) => x.mask === '0000')!;
    expect(checking).toMatchObject({
      name: 'Plaid Checking',
      type: 'depository',
      subtype: 'checking',
      balances: { available: 100, current: 110 },
    });

    const balance = await plaid.accountsBalanceGet({ access_token: a.access_token, options: { account_ids: [checking.account_id] } });
    expect(balance.data.accounts).toHaveLength(1);
    const auth = await plaid.authGet({ access_token: a.access_token });
    expect(auth.data.numbers.ach.find((n) => n.account_id === checking.account_id)).toMatchObject({
      account: '1111222233330000',
      routing: '011401533',
    });
    const identity = await plaid.identityGet({ access_token: a.access_token });
    expect(identity.data.accounts[0]!.owners[0]!.names).toEqual(['Alberta Bobbeth Charleson']);
    const item = await plaid.itemGet({ access_token: a.access_token });
    expect(item.data.item.products).toEqual(['auth', 'identity', 'transactions']);
    expect((await plaidErrorOf(plaid.accountsGet({ access_token: a.access_token, options: { account_ids: ['nope'] } }))).code).toBe(
      'INVALID_ACCOUNT_ID',
    );
  });

  it('answers institutions deterministically and rejects unknown ids', async () => {
    const inst = await plaid.institutionsGetById({ institution_id: 'ins_109508', country_codes: ['US' as never] });
    expect(inst.data.institution).toMatchObject({ institution_id: 'ins_109508', name: 'First Platypus Bank', oauth: false });
    expect((await plaidErrorOf(plaid.institutionsGetById({ institution_id: 'ins_nope', country_codes: ['US' as never] }))).code).toBe(
      'INVALID_INSTITUTION',
    );
  });
});
