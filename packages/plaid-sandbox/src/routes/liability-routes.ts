import { liabilitiesFor, liabilityAccounts } from '../data/liabilities.js';
import { objectField, stringArrayField } from '../http/fields.js';
import { dataItem, itemView, selectAccounts } from './item-view.js';
import { route } from './route.js';

export const liabilitiesGet = route({
  path: '/liabilities/get',
  allowed: ['access_token', 'options'],
  required: ['access_token'],
  handle(body, ctx) {
    const item = dataItem(body, ctx, 'liabilities');
    const accounts = selectAccounts(liabilityAccounts(item.accounts), stringArrayField(objectField(body, 'options'), 'account_ids'));
    const ids = new Set(accounts.map((a) => a.account_id));
    const all = liabilitiesFor(item.accounts, new Date(item.createdAt));
    // Plaid answers null for a kind none of the selected accounts has.
    const only = <T extends { account_id: string }>(list: T[]) => {
      const kept = list.filter((l) => ids.has(l.account_id));
      return kept.length > 0 ? kept : null;
    };
    return {
      accounts,
      item: itemView(item),
      liabilities: { credit: only(all.credit), mortgage: only(all.mortgage), student: only(all.student) },
    };
  },
});
