/**
 * Proxied investments and liabilities reads against plaid-sandbox over HTTP:
 * allow-listed projections (no account numbers, no addresses, no tokens), the
 * audit purpose of each read, ERR_PRODUCT_NOT_ENABLED before any Plaid call on a
 * vault not configured for the product, input checked before any call, and the
 * same reads through the HTTP API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/http/index.js';
import { isVaultError, type Vault } from '../../src/index.js';
import { createClient, getTestUser } from './http-harness.js';
import { containsAny, type PlaidEnv, startPlaidEnv, TOKEN_MARK } from './plaid-harness.js';

const USER = 'investor@example.com';
let env: PlaidEnv;
let vault: Vault;
let bare: Vault;
let itemId: string;

async function codeOf(p: Promise<unknown>): Promise<unknown> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isVaultError(err) ? err.code : err;
}

beforeAll(async () => {
  env = await startPlaidEnv({ db: 'sqlite', products: ['transactions', 'investments', 'liabilities'] });
  vault = await env.vault();
  // Same database and sandbox, configured for transactions only.
  bare = await env.vault({ plaid: { products: ['transactions'] } as never });
  ({ itemId } = await vault.link.sandboxLink({ userId: USER }));
});
afterAll(async () => env?.close());

describe('data.holdings / investmentTransactions / liabilities', () => {
  it('holdings: accounts, holdings and securities, projected', async () => {
    const view = await vault.data.holdings({ userId: USER, itemId });
    expect(Object.keys(view).sort()).toEqual(['accounts', 'holdings', 'securities']);
    expect(view.accounts.map((a) => a.subtype)).toEqual(['ira', '401k']);
    expect(Object.keys(view.holdings[0]!).sort()).toEqual([
      'accountId',
      'costBasis',
      'institutionPrice',
      'institutionPriceAsOf',
      'institutionValue',
      'isoCurrencyCode',
      'quantity',
      'securityId',
    ]);
    const ids = new Set(view.securities.map((s) => s.securityId));
    expect(view.holdings.every((h) => ids.has(h.securityId))).toBe(true);
    // Plaid's Security carries more (sector, option_contract, ...): only the allow-list comes through.
    expect(Object.keys(view.securities[0]!)).not.toContain('option_contract');
    expect(containsAny(view, [TOKEN_MARK])).toBe(false);
  });

  it('investment transactions: a page, the total, defaults to the last two years', async () => {
    const all = await vault.data.investmentTransactions({ userId: USER, itemId });
    expect(all.total).toBe(24);
    expect(all.investmentTransactions).toHaveLength(24);
    const page = await vault.data.investmentTransactions({ userId: USER, itemId, count: 5, offset: 20 });
    expect(page.investmentTransactions.map((t) => t.investmentTransactionId)).toEqual(
      all.investmentTransactions.slice(20).map((t) => t.investmentTransactionId),
    );
    const none = await vault.data.investmentTransactions({ userId: USER, itemId, startDate: '2000-01-01', endDate: '2000-12-31' });
    expect([none.total, none.investmentTransactions.length]).toEqual([0, 0]);
  });

  it('rejects bad dates and counts before calling Plaid', async () => {
    const before = { ...env.sb.state.counters };
    for (const bad of [
      { startDate: '2026-02-30' },
      { endDate: 'today' },
      { startDate: '2026-03-02', endDate: '2026-03-01' },
      { count: 0 },
      { offset: -1 },
    ]) {
      expect(await codeOf(vault.data.investmentTransactions({ userId: USER, itemId, ...bad })), JSON.stringify(bad)).toBe(
        'ERR_INPUT_INVALID',
      );
    }
    expect(env.sb.state.counters).toEqual(before);
  });

  it('liabilities: the three kinds, without account numbers or addresses', async () => {
    const view = await vault.data.liabilities({ userId: USER, itemId });
    expect(view.accounts.map((a) => a.mask)).toEqual(['3333', '7777', '8888']);
    expect(view.credit[0]!.aprs).toHaveLength(4);
    expect(view.mortgage[0]).toMatchObject({ interestRate: { percentage: 3.99, type: 'fixed' }, loanTerm: '30 year' });
    expect(view.student[0]).toMatchObject({ loanName: 'Consolidation', repaymentPlan: { type: 'standard' } });
    const text = JSON.stringify(view);
    for (const secretish of ['3120194154', '4277075694', 'Cameron Road', 'Relaxation Road']) expect(text).not.toContain(secretish);
  });

  it('records each read in the audit log with its purpose', async () => {
    await vault.audit.flush();
    const purposes = (await vault.audit.list({ itemId })).map((e) => e.purpose);
    expect(purposes).toEqual(expect.arrayContaining(['investments.holdings.get', 'investments.transactions.get', 'liabilities.get']));
  });

  it('a vault not configured for the product refuses before any Plaid call', async () => {
    const before = { ...env.sb.state.counters };
    expect(await codeOf(bare.data.holdings({ userId: USER, itemId }))).toBe('ERR_PRODUCT_NOT_ENABLED');
    expect(await codeOf(bare.data.investmentTransactions({ userId: USER, itemId }))).toBe('ERR_PRODUCT_NOT_ENABLED');
    expect(await codeOf(bare.data.liabilities({ userId: USER, itemId }))).toBe('ERR_PRODUCT_NOT_ENABLED');
    expect(env.sb.state.counters).toEqual(before);
  });

  it('another user gets ERR_ITEM_NOT_FOUND', async () => {
    expect(await codeOf(vault.data.holdings({ userId: 'someone-else', itemId }))).toBe('ERR_ITEM_NOT_FOUND');
  });

  it('an item whose bank lacks the product answers with a Plaid item error', async () => {
    // Houndstooth Bank offers liabilities, not investments (the vault links with its configured products).
    const liabilitiesOnly = await env.vault({ plaid: { products: ['liabilities'] } as never });
    const { itemId: hound } = await liabilitiesOnly.link.sandboxLink({ userId: USER, institutionId: 'ins_109512' });
    expect((await liabilitiesOnly.data.liabilities({ userId: USER, itemId: hound })).credit).toHaveLength(1);
    expect(await codeOf(vault.data.holdings({ userId: USER, itemId: hound }))).toBe('ERR_PLAID_ITEM_ERROR');
  });
});

describe('HTTP: /items/:id/holdings, /investment-transactions, /liabilities', () => {
  const api = () => createClient(createHttpApp({ vault, getUserId: getTestUser, sandboxLinkEnabled: true }).fetch);

  it('serves the projections to the owner', async () => {
    const { call } = api();
    const holdings = await call('GET', `/items/${itemId}/holdings`, { user: USER });
    expect(holdings.status).toBe(200);
    expect(Object.keys(holdings.json).sort()).toEqual(['accounts', 'holdings', 'securities']);
    expect(holdings.json.holdings).toHaveLength(8);
    const page = await call('GET', `/items/${itemId}/investment-transactions?count=3&offset=3`, { user: USER });
    expect(page.status).toBe(200);
    expect([page.json.total, page.json.investmentTransactions.length]).toEqual([24, 3]);
    const liabilities = await call('GET', `/items/${itemId}/liabilities`, { user: USER });
    expect(Object.keys(liabilities.json).sort()).toEqual(['accounts', 'credit', 'mortgage', 'student']);
  });

  it('bad queries are 400, other users 404, an unconfigured vault 403', async () => {
    const { call } = api();
    for (const q of ['count=0', 'count=x', 'startDate=yesterday', 'startDate=2026-02-30']) {
      const res = await call('GET', `/items/${itemId}/investment-transactions?${q}`, { user: USER });
      expect([res.status, res.json.code], q).toEqual([400, 'ERR_INPUT_INVALID']);
    }
    expect((await call('GET', `/items/${itemId}/liabilities`, { user: 'someone-else' })).status).toBe(404);
    expect((await call('GET', `/items/${itemId}/holdings`)).status).toBe(401);
    const bareApi = createClient(createHttpApp({ vault: bare, getUserId: getTestUser }).fetch);
    const refused = await bareApi.call('GET', `/items/${itemId}/holdings`, { user: USER });
    expect([refused.status, refused.json.code]).toEqual([403, 'ERR_PRODUCT_NOT_ENABLED']);
  });
});
