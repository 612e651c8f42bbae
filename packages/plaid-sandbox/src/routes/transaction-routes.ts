import { dateField, intField, objectField, stringArrayField, stringField } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { currentTransactions, refreshDynamic } from '../state/ledger.js';
import { syncPage } from '../state/sync-page.js';
import { syncUpdatesWebhook } from '../webhooks/bodies.js';
import { dataItem, itemView, selectAccounts } from './item-view.js';
import { route } from './route.js';
import { sendItemWebhook } from './send-webhook.js';

export const transactionsSync = route({
  path: '/transactions/sync',
  allowed: ['access_token', 'cursor', 'count', 'options'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = dataItem(body, ctx, 'transactions');
    const cursor = stringField(body, 'cursor', true);
    if (cursor !== undefined && cursor.length > 256) throw apiErrors.invalidField('cursor', 'must be at most 256 characters');
    const count = intField(body, 'count', 1, 500) ?? 100;
    const accountId = stringField(objectField(body, 'options'), 'account_id', true);
    if (accountId !== undefined) selectAccounts(item.accounts, [accountId]);
    if (!item.syncCalled) {
      item.syncCalled = true;
      ctx.store.touch();
    }
    const status = item.transactions!.status;
    // Plaid's answer while the first pull runs: nothing yet and an empty cursor to retry with.
    if (status === 'NOT_READY') {
      if (cursor) syncPage(item.ledger, item.itemId, cursor, count, accountId);
      return { transactions_update_status: status, accounts: [], added: [], modified: [], removed: [], next_cursor: '', has_more: false };
    }
    const page = syncPage(item.ledger, item.itemId, cursor || undefined, count, accountId);
    const withTx = new Set(currentTransactions(item.ledger).map((t) => t.account_id));
    return {
      transactions_update_status: status,
      accounts: item.accounts.filter((a) => withTx.has(a.account_id) && (!accountId || a.account_id === accountId)),
      added: page.added,
      modified: page.modified,
      removed: page.removed,
      next_cursor: page.nextCursor,
      has_more: page.hasMore,
    };
  },
});

export const transactionsGet = route({
  path: '/transactions/get',
  allowed: ['access_token', 'start_date', 'end_date', 'options'],
  required: ['access_token', 'start_date', 'end_date'],
  handle(body, ctx) {
    const item = dataItem(body, ctx, 'transactions');
    const start = dateField(body, 'start_date');
    const end = dateField(body, 'end_date');
    if (start > end) throw apiErrors.invalidField('start_date', 'must be on or before end_date');
    if (item.transactions!.status === 'NOT_READY') throw apiErrors.productNotReady();
    const options = objectField(body, 'options');
    const accounts = selectAccounts(item.accounts, stringArrayField(options, 'account_ids'));
    const ids = new Set(accounts.map((a) => a.account_id));
    const count = intField(options, 'count', 1, 500) ?? 100;
    const offset = intField(options, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const matching = currentTransactions(item.ledger)
      .filter((t) => ids.has(t.account_id) && t.date >= start && t.date <= end)
      .sort((a, b) => b.date.localeCompare(a.date) || a.transaction_id.localeCompare(b.transaction_id));
    return {
      accounts,
      transactions: matching.slice(offset, offset + count),
      total_transactions: matching.length,
      item: itemView(item),
    };
  },
});

export const transactionsRefresh = route({
  path: '/transactions/refresh',
  allowed: ['access_token'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = dataItem(body, ctx, 'transactions');
    if (item.transactions!.status === 'NOT_READY') throw apiErrors.productNotReady();
    // Only the dynamic user's data changes; user_good is fixed, as in Plaid's sandbox.
    if (item.username === 'user_transactions_dynamic') {
      refreshDynamic(item.ledger, item.itemId, item.accounts, ctx.now());
      ctx.store.touch();
      // Plaid sends SYNC_UPDATES_AVAILABLE only to Items that have used /transactions/sync.
      if (item.syncCalled) void sendItemWebhook(ctx, item, syncUpdatesWebhook(item));
    }
    return {};
  },
});
