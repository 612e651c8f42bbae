import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { linkItem, plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';

const BASE = { client_name: 'Acme', language: 'en', country_codes: ['US' as never], user: { client_user_id: 'u-1' } };

describe('plaid-sandbox: link token state, update-mode public tokens and products added after Link', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;
  let now = new Date('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    sb = await startSandbox({ clock: { now: () => now } });
    plaid = plaidClient(sb);
  });
  afterAll(() => sb.close());

  it('/link/token/get returns what /link/token/create was told', async () => {
    const created = await plaid.linkTokenCreate({
      ...BASE,
      products: ['transactions' as never],
      optional_products: ['investments' as never],
      additional_consented_products: ['auth' as never],
      webhook: 'https://app.example/hooks',
      redirect_uri: 'https://app.example/oauth',
      account_filters: { depository: { account_subtypes: ['checking' as never] } },
    });
    const { data } = await plaid.linkTokenGet({ link_token: created.data.link_token });
    expect(data).toMatchObject({
      link_token: created.data.link_token,
      created_at: '2026-01-01T00:00:00.000Z',
      expiration: created.data.expiration,
      link_sessions: [],
      metadata: {
        initial_products: ['transactions'],
        webhook: 'https://app.example/hooks',
        country_codes: ['US'],
        language: 'en',
        redirect_uri: 'https://app.example/oauth',
        client_name: 'Acme',
        account_filters: { depository: { account_subtypes: ['checking'] } },
      },
    });
    expect((await plaidErrorOf(plaid.linkTokenGet({ link_token: 'link-sandbox-00000000-0000-4000-8000-000000000000' }))).code).toBe(
      'INVALID_LINK_TOKEN',
    );
  });

  it('update mode: a link token for an Item lives 30 minutes and needs no products', async () => {
    const { access_token } = await linkItem(plaid);
    const { data } = await plaid.linkTokenCreate({ ...BASE, access_token });
    expect(data.expiration).toBe('2026-01-01T00:30:00.000Z');
    expect((await plaid.linkTokenGet({ link_token: data.link_token })).data.metadata.initial_products).toEqual([]);
    expect((await plaidErrorOf(plaid.linkTokenCreate({ ...BASE, access_token: 'access-sandbox-nope' }))).code).toBe('INVALID_ACCESS_TOKEN');
  });

  it('link token product lists: unknown, unservable and overlapping products are refused', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ products: ['assets'] }, 'INVALID_PRODUCT'],
      [{ products: ['transactions'], additional_consented_products: ['balance'] }, 'INVALID_PRODUCT'],
      [{ products: ['transactions'], optional_products: ['transactions'] }, 'INVALID_FIELD'],
      [{ products: ['auth'], required_if_supported_products: ['identity'], additional_consented_products: ['identity'] }, 'INVALID_FIELD'],
    ];
    for (const [lists, code] of cases) {
      expect((await plaidErrorOf(plaid.linkTokenCreate({ ...BASE, ...lists } as never))).code, JSON.stringify(lists)).toBe(code);
    }
    expect(
      (
        await plaidErrorOf(
          plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: ['income_verification' as never] }),
        )
      ).code,
    ).toBe('INVALID_PRODUCT');
  });

  it('/item/public_token/create gives a 30-minute public token that exchanges back to the same Item', async () => {
    const { access_token, item_id } = await linkItem(plaid);
    const { data } = await plaid.itemCreatePublicToken({ access_token });
    expect(data.public_token).toMatch(/^public-sandbox-/);
    expect(data.expiration).toBe('2026-01-01T00:30:00.000Z');
    const again = await plaid.itemPublicTokenExchange({ public_token: data.public_token });
    expect(again.data).toEqual(expect.objectContaining({ item_id, access_token }));
    expect(sb.state.item(item_id)?.liveAccessTokens).toBe(1);
    expect((await plaidErrorOf(plaid.itemPublicTokenExchange({ public_token: data.public_token }))).code).toBe('INVALID_PUBLIC_TOKEN');
    expect((await plaidErrorOf(plaid.itemCreatePublicToken({ access_token: 'access-sandbox-nope' }))).code).toBe('INVALID_ACCESS_TOKEN');
    const late = await plaid.itemCreatePublicToken({ access_token });
    now = new Date(now.getTime() + 30 * 60_000);
    try {
      expect((await plaidErrorOf(plaid.itemPublicTokenExchange({ public_token: late.data.public_token }))).code).toBe(
        'INVALID_PUBLIC_TOKEN',
      );
    } finally {
      now = new Date('2026-01-01T00:00:00Z');
    }
  });

  it('additional_consented_products: consented at once, initialized (billed) by the first call to the endpoint', async () => {
    const { access_token, item_id } = await linkItem(plaid, {
      products: ['transactions'],
      options: { additional_consented_products: ['auth', 'liabilities'] },
    });
    const before = (await plaid.itemGet({ access_token })).data.item;
    expect(before.billed_products).toEqual(['transactions']);
    expect(before.consented_products).toEqual(['transactions', 'auth', 'liabilities']);
    expect(sb.state.item(item_id)?.consentedProducts).toEqual(['auth', 'liabilities']);

    const auth = await plaid.authGet({ access_token });
    expect(auth.data.numbers.ach.length).toBeGreaterThan(0);
    const after = (await plaid.itemGet({ access_token })).data.item;
    expect(after.billed_products).toEqual(['transactions', 'auth']);
    expect(after.consented_products).toEqual(['transactions', 'auth', 'liabilities']);
    // Still not consented: identity.
    expect((await plaidErrorOf(plaid.identityGet({ access_token }))).code).toBe('ADDITIONAL_CONSENT_REQUIRED');
  });

  it('optional and required-if-supported products are initialized when the institution supports them, dropped otherwise', async () => {
    const full = await linkItem(plaid, {
      products: ['auth'],
      options: { optional_products: ['investments'], required_if_supported_products: ['identity'] },
    });
    expect((await plaid.itemGet({ access_token: full.access_token })).data.item.billed_products).toEqual([
      'auth',
      'identity',
      'investments',
    ]);
    // Houndstooth Bank has neither investments nor identity: the Item is made without them.
    const partial = await linkItem(plaid, {
      institution: 'ins_109512',
      products: ['auth'],
      options: { optional_products: ['investments'], required_if_supported_products: ['identity'] },
    });
    expect((await plaid.itemGet({ access_token: partial.access_token })).data.item.billed_products).toEqual(['auth']);
    expect((await plaidErrorOf(plaid.identityGet({ access_token: partial.access_token }))).code).toBe('PRODUCTS_NOT_SUPPORTED');
  });

  it('a consented Transactions product starts on the first sync; recurring needs it initialized first', async () => {
    const { access_token, item_id } = await linkItem(plaid, {
      products: ['auth'],
      options: { additional_consented_products: ['transactions'] },
    });
    expect(await plaidErrorOf(plaid.transactionsRecurringGet({ access_token }))).toMatchObject({
      code: 'PRODUCT_NOT_READY',
      type: 'ITEM_ERROR',
    });
    expect(sb.state.item(item_id)?.transactionsStatus).toBeNull();
    const sync = await plaid.transactionsSync({ access_token });
    expect(sync.data.transactions_update_status).toBe('HISTORICAL_UPDATE_COMPLETE');
    expect(sync.data.added).toHaveLength(48);
    expect(sb.state.item(item_id)?.products).toEqual(['auth', 'transactions']);
    expect((await plaid.transactionsRecurringGet({ access_token })).data.outflow_streams.length).toBeGreaterThan(0);
  });

  it('a login-required Item does not get a consented product initialized', async () => {
    const { access_token, item_id } = await linkItem(plaid, { options: { additional_consented_products: ['identity'] } });
    await plaid.sandboxItemResetLogin({ access_token });
    expect((await plaidErrorOf(plaid.identityGet({ access_token }))).code).toBe('ITEM_LOGIN_REQUIRED');
    expect(sb.state.item(item_id)?.products).toEqual(['transactions']);
  });
});
