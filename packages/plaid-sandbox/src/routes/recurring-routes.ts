import { recurringStreams } from '../data/recurring.js';
import { dayOffset } from '../data/transactions.js';
import { objectField, stringArrayField, stringField } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { currentTransactions } from '../state/ledger.js';
import { dataItem, selectAccounts } from './item-view.js';
import { route } from './route.js';

export const transactionsRecurringGet = route({
  path: '/transactions/recurring/get',
  allowed: ['access_token', 'options', 'account_ids'],
  required: ['access_token'],
  handle(body, ctx) {
    // Plaid: only for an Item already initialized with Transactions (this call does not initialize it).
    const item = dataItem(body, ctx, 'transactions', { initialize: false });
    if (!item.transactions || item.transactions.status === 'NOT_READY') throw apiErrors.productNotReady();
    const options = objectField(body, 'options');
    stringField(options, 'personal_finance_category_version', true);
    const accounts = selectAccounts(item.accounts, stringArrayField(body, 'account_ids'));
    const ids = new Set(accounts.map((a) => a.account_id));
    const now = ctx.now();
    const streams = recurringStreams(
      item.itemId,
      currentTransactions(item.ledger).filter((t) => ids.has(t.account_id)),
      dayOffset(now, 0),
    );
    return { inflow_streams: streams.inflow, outflow_streams: streams.outflow, updated_datetime: now.toISOString() };
  },
});
