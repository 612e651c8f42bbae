import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaidApi } from 'plaid';
import { startSandbox, type Sandbox } from '../../src/index.js';
import { linkItem, plaidClient, plaidErrorOf } from '../helpers/sandbox-client.js';

const CREATED = new Date('2026-03-15T12:00:00Z');
let now = CREATED;

describe('plaid-sandbox: investments and liabilities (user_good)', () => {
  let sb: Sandbox;
  let plaid: PlaidApi;

  beforeAll(async () => {
    sb = await startSandbox({ clock: { now: () => now } });
    plaid = plaidClient(sb);
  });
  afterAll(() => sb.close());

  it('holdings: the IRA and 401k, every holding priced from its security, adding up to the balances', async () => {
    const { access_token } = await linkItem(plaid, { products: ['investments'] });
    const { data } = await plaid.investmentsHoldingsGet({ access_token });
    expect(data.accounts.map((a) => [a.name, a.subtype])).toEqual([
      ['Plaid IRA', 'ira'],
      ['Plaid 401k', '401k'],
    ]);
    const securities = new Map(data.securities.map((s) => [s.security_id, s]));
    expect(data.holdings).toHaveLength(8);
    for (const h of data.holdings) {
      const security = securities.get(h.security_id);
      expect(security, h.security_id).toBeDefined();
      expect(h.institution_price).toBe(security!.close_price);
      expect(h.institution_value).toBeCloseTo(h.quantity * h.institution_price, 4);
      expect(h.institution_price_as_of).toBe('2026-03-15');
    }
    for (const account of data.accounts) {
      const value = data.holdings.filter((h) => h.account_id === account.account_id).reduce((s, h) => s + h.institution_value, 0);
      expect(value).toBeCloseTo(account.balances.current!, 4);
    }
    expect([...securities.values()].map((s) => s.ticker_symbol)).toEqual(
      expect.arrayContaining(['USD', 'NFLX180201C00355000', 'ACHN', 'DBLTX', 'MIPTX', 'NHX105509']),
    );
    const bill = [...securities.values()].find((s) => s.type === 'fixed income')!;
    expect(bill.fixed_income).toMatchObject({ face_value: 100, yield_rate: { percentage: 5.43 } });

    const ira = data.accounts[0]!.account_id;
    const only = await plaid.investmentsHoldingsGet({ access_token, options: { account_ids: [ira] } });
    expect(new Set(only.data.holdings.map((h) => h.account_id))).toEqual(new Set([ira]));
    expect(only.data.securities.map((s) => s.ticker_symbol).sort()).toEqual(['NFLX180201C00355000', 'USD']);
    const checking = (await plaid.accountsGet({ access_token })).data.accounts[0]!.account_id;
    expect((await plaidErrorOf(plaid.investmentsHoldingsGet({ access_token, options: { account_ids: [checking] } }))).code).toBe(
      'INVALID_ACCOUNT_ID',
    );
  });

  it('investment transactions: three months, newest first, paged with count and offset, filtered by date', async () => {
    const { access_token } = await linkItem(plaid, { products: ['investments'] });
    const range = { start_date: '2025-01-01', end_date: '2026-12-31' };
    const all = await plaid.investmentsTransactionsGet({ access_token, ...range, options: { count: 500 } });
    expect(all.data.total_investment_transactions).toBe(24);
    const dates = all.data.investment_transactions.map((t) => t.date);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(new Set(all.data.investment_transactions.map((t) => t.type))).toEqual(new Set(['buy', 'sell', 'cash', 'fee', 'transfer']));
    const referenced = new Set(all.data.investment_transactions.flatMap((t) => (t.security_id ? [t.security_id] : [])));
    expect(new Set(all.data.securities.map((s) => s.security_id))).toEqual(referenced);
    const page = await plaid.investmentsTransactionsGet({ access_token, ...range, options: { count: 5, offset: 5 } });
    expect(page.data.investment_transactions.map((t) => t.investment_transaction_id)).toEqual(
      all.data.investment_transactions.slice(5, 10).map((t) => t.investment_transaction_id),
    );
    const recent = await plaid.investmentsTransactionsGet({ access_token, start_date: '2026-02-14', end_date: '2026-03-15' });
    expect(recent.data.total_investment_transactions).toBe(8);
    expect(recent.data.investment_transactions.every((t) => t.date >= '2026-02-14')).toBe(true);
    for (const bad of [
      { start_date: '2026-03-15', end_date: '2026-01-01' },
      { start_date: 'yesterday', end_date: '2026-01-01' },
    ]) {
      expect((await plaidErrorOf(plaid.investmentsTransactionsGet({ access_token, ...bad }))).code).toBe('INVALID_FIELD');
    }
    expect((await plaidErrorOf(plaid.investmentsTransactionsGet({ access_token, ...range, options: { count: 501 } }))).code).toBe(
      'INVALID_FIELD',
    );
  });

  it('is deterministic per Item: two Items differ only in ids', async () => {
    const [a, b] = [await linkItem(plaid, { products: ['investments'] }), await linkItem(plaid, { products: ['investments'] })];
    const shape = async (token: string) =>
      (
        await plaid.investmentsTransactionsGet({ access_token: token, start_date: '2025-01-01', end_date: '2026-12-31' })
      ).data.investment_transactions.map(({ investment_transaction_id: _, account_id: __, ...rest }) => rest);
    expect(await shape(a.access_token)).toEqual(await shape(b.access_token));
    const holdings = async (token: string) => (await plaid.investmentsHoldingsGet({ access_token: token })).data;
    const [ha, hb] = [await holdings(a.access_token), await holdings(b.access_token)];
    // Security ids are global in Plaid, so they match across Items; account ids do not.
    expect(ha.securities).toEqual(hb.securities);
    expect(ha.accounts[0]!.account_id).not.toBe(hb.accounts[0]!.account_id);
  });

  it('/investments/refresh answers and moves the extraction date shown by /item/get', async () => {
    const { access_token } = await linkItem(plaid, { products: ['investments'] });
    const before = await plaid.itemGet({ access_token });
    expect(before.data.status?.investments?.last_successful_update).toBe(CREATED.toISOString());
    now = new Date(CREATED.getTime() + 86_400_000);
    try {
      await plaid.investmentsRefresh({ access_token });
      const after = await plaid.itemGet({ access_token });
      expect(after.data.status?.investments?.last_successful_update).toBe(now.toISOString());
      const holdings = await plaid.investmentsHoldingsGet({ access_token });
      expect(holdings.data.holdings[0]!.institution_price_as_of).toBe('2026-03-16');
    } finally {
      now = CREATED;
    }
  });

  it('liabilities: credit card, mortgage and student loan, with the accounts they belong to', async () => {
    const { access_token } = await linkItem(plaid, { products: ['liabilities'] });
    const { data } = await plaid.liabilitiesGet({ access_token });
    const byId = new Map(data.accounts.map((a) => [a.account_id, a]));
    expect(data.accounts.map((a) => a.mask)).toEqual(['3333', '7777', '8888']);
    const { credit, mortgage, student } = data.liabilities;
    expect(byId.get(credit![0]!.account_id!)?.subtype).toBe('credit card');
    expect(credit![0]!.aprs.map((a) => a.apr_type)).toEqual(['balance_transfer_apr', 'cash_apr', 'purchase_apr', 'special']);
    expect(credit![0]!.next_payment_due_date! > '2026-03-15').toBe(true);
    expect(byId.get(mortgage![0]!.account_id)?.subtype).toBe('mortgage');
    expect(mortgage![0]).toMatchObject({ interest_rate: { percentage: 3.99, type: 'fixed' }, loan_term: '30 year' });
    expect(byId.get(student![0]!.account_id!)?.subtype).toBe('student');
    expect(student![0]).toMatchObject({ loan_status: { type: 'repayment' }, repayment_plan: { type: 'standard' } });

    const card = credit![0]!.account_id!;
    const one = await plaid.liabilitiesGet({ access_token, options: { account_ids: [card] } });
    expect(one.data.accounts).toHaveLength(1);
    expect(one.data.liabilities).toMatchObject({ mortgage: null, student: null });
    expect(one.data.liabilities.credit).toHaveLength(1);
  });

  it('gates both products like any other: unconsented, unsupported, re-login', async () => {
    const txOnly = await linkItem(plaid, { products: ['transactions'] });
    expect((await plaidErrorOf(plaid.investmentsHoldingsGet({ access_token: txOnly.access_token }))).code).toBe(
      'ADDITIONAL_CONSENT_REQUIRED',
    );
    expect((await plaidErrorOf(plaid.liabilitiesGet({ access_token: txOnly.access_token }))).code).toBe('ADDITIONAL_CONSENT_REQUIRED');
    // Houndstooth Bank offers liabilities but not investments.
    const houndstooth = await linkItem(plaid, { institution: 'ins_109512', products: ['liabilities'] });
    expect(await plaidErrorOf(plaid.investmentsRefresh({ access_token: houndstooth.access_token }))).toMatchObject({
      code: 'PRODUCTS_NOT_SUPPORTED',
      type: 'ITEM_ERROR',
    });
    expect(
      (await plaidErrorOf(plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109512', initial_products: ['investments' as never] })))
        .code,
    ).toBe('PRODUCTS_NOT_SUPPORTED');
    await plaid.sandboxItemResetLogin({ access_token: houndstooth.access_token });
    expect((await plaidErrorOf(plaid.liabilitiesGet({ access_token: houndstooth.access_token }))).code).toBe('ITEM_LOGIN_REQUIRED');
  });
});
