import { customTransaction } from '../data/transactions.js';
import { dateField, stringField, type Body } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { transactionsUpdateWebhook, syncUpdatesWebhook } from '../webhooks/bodies.js';
import { dataItem } from './item-view.js';
import { route } from './route.js';
import { sendItemWebhook } from './send-webhook.js';

const MAX_TRANSACTIONS = 10;

/** One `CustomSandboxTransaction`, checked field by field. */
function customInput(value: unknown, index: number) {
  const field = `transactions[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw apiErrors.invalidField(field, 'must be an object');
  const tx = value as Body;
  if (typeof tx.amount !== 'number' || !Number.isFinite(tx.amount)) throw apiErrors.invalidField(`${field}.amount`, 'must be a number');
  const description = stringField(tx, 'description');
  if (description.length === 0) throw apiErrors.invalidField(`${field}.description`, 'must not be empty');
  return {
    date_transacted: dateField(tx, 'date_transacted'),
    date_posted: dateField(tx, 'date_posted'),
    amount: tx.amount,
    description,
    iso_currency_code: stringField(tx, 'iso_currency_code', true),
  };
}

export const sandboxTransactionsCreate = route({
  path: '/sandbox/transactions/create',
  allowed: ['access_token', 'transactions'],
  required: ['access_token', 'transactions'],
  handle(body, ctx) {
    const list = body.transactions;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_TRANSACTIONS)
      throw apiErrors.invalidField('transactions', `must be an array of 1 to ${MAX_TRANSACTIONS} transactions`);
    const inputs = list.map(customInput);
    const item = dataItem(body, ctx, 'transactions');
    if (item.username !== 'user_transactions_dynamic')
      throw apiErrors.invalidField(
        'access_token',
        'custom transactions can only be added to Items of the user_transactions_dynamic test user',
      );
    // Plaid applies custom transactions to the depository account.
    const account = item.accounts.find((a) => a.type === 'depository')!;
    for (const input of inputs) {
      const seed = `${item.itemId}:tx:${item.ledger.nextSeq++}`;
      item.ledger.entries.push({ kind: 'added', tx: customTransaction(input, account.account_id, seed) });
    }
    ctx.store.touch();
    void sendItemWebhook(ctx, item, transactionsUpdateWebhook(item, 'DEFAULT_UPDATE', inputs.length));
    if (item.syncCalled) void sendItemWebhook(ctx, item, syncUpdatesWebhook(item));
    return {};
  },
});
