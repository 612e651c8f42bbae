import type { AccountRecord } from '../data/accounts.js';
import { holdingsFor, investmentAccounts, investmentTransactionsFor } from '../data/investments.js';
import { securitiesWithIds } from '../data/securities.js';
import { dayOffset } from '../data/transactions.js';
import { dateField, intField, objectField, stringArrayField } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import type { ItemRecord } from '../state/sandbox-store.js';
import { dataItem, itemView, selectAccounts } from './item-view.js';
import { route } from './route.js';

/** Investment accounts carry `margin_loan_amount` in their balances (Plaid's `InvestmentAccount`). */
const investmentAccount = (a: AccountRecord) => ({ ...a, balances: { ...a.balances, margin_loan_amount: null } });

/** The day prices are "as of": the Item's last investments extraction. */
const priceDay = (item: ItemRecord) => dayOffset(new Date(item.investmentsUpdatedAt ?? item.createdAt), 0);

export const investmentsHoldingsGet = route({
  path: '/investments/holdings/get',
  allowed: ['access_token', 'options'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = dataItem(body, ctx, 'investments');
    const accounts = selectAccounts(investmentAccounts(item.accounts), stringArrayField(objectField(body, 'options'), 'account_ids'));
    const ids = new Set(accounts.map((a) => a.account_id));
    const all = holdingsFor(item.accounts, priceDay(item));
    const holdings = all.holdings.filter((h) => ids.has(h.account_id));
    const held = new Set(holdings.map((h) => h.security_id));
    return {
      accounts: accounts.map(investmentAccount),
      holdings,
      securities: all.securities.filter((s) => held.has(s.security_id)),
      item: itemView(item),
    };
  },
});

export const investmentsTransactionsGet = route({
  path: '/investments/transactions/get',
  allowed: ['access_token', 'start_date', 'end_date', 'options'],
  required: ['access_token', 'start_date', 'end_date'],
  handle(body, ctx) {
    const item = dataItem(body, ctx, 'investments');
    const start = dateField(body, 'start_date');
    const end = dateField(body, 'end_date');
    if (start > end) throw apiErrors.invalidField('start_date', 'must be on or before end_date');
    const options = objectField(body, 'options');
    if (options.async_update !== undefined && typeof options.async_update !== 'boolean')
      throw apiErrors.invalidField('options.async_update', 'must be a boolean');
    const accounts = selectAccounts(investmentAccounts(item.accounts), stringArrayField(options, 'account_ids'));
    const ids = new Set(accounts.map((a) => a.account_id));
    const count = intField(options, 'count', 1, 500) ?? 100;
    const offset = intField(options, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    // Reverse-chronological and stable, as Plaid documents.
    const matching = investmentTransactionsFor(item.itemId, item.accounts, new Date(item.createdAt))
      .filter((t) => ids.has(t.account_id) && t.date >= start && t.date <= end)
      .sort((a, b) => b.date.localeCompare(a.date) || a.investment_transaction_id.localeCompare(b.investment_transaction_id));
    const page = matching.slice(offset, offset + count);
    return {
      item: itemView(item),
      accounts: accounts.map(investmentAccount),
      securities: securitiesWithIds(
        page.flatMap((t) => (t.security_id ? [t.security_id] : [])),
        priceDay(item),
      ),
      investment_transactions: page,
      total_investment_transactions: matching.length,
    };
  },
});

export const investmentsRefresh = route({
  path: '/investments/refresh',
  allowed: ['access_token'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = dataItem(body, ctx, 'investments');
    // The sandbox's investments data is static: a refresh only moves the extraction date
    // (and so the prices' "as of" day). Plaid's sandbox sends no webhook here either.
    item.investmentsUpdatedAt = ctx.now().toISOString();
    ctx.store.touch();
    return {};
  },
});
