import { isAuthAccount } from '../data/accounts.js';
import { findInstitution } from '../data/institutions.js';
import { objectField, stringArrayField, type Body } from '../http/fields.js';
import { dataItem, itemView, selectAccounts } from './item-view.js';
import { route, type SandboxContext } from './route.js';

export const ACCOUNT_FIELDS = ['access_token', 'options'];

export function accountsResponse(body: Body, ctx: SandboxContext, product?: string) {
  const item = dataItem(body, ctx, product);
  const accounts = selectAccounts(item.accounts, stringArrayField(objectField(body, 'options'), 'account_ids'));
  return { item, accounts };
}

export const accountsGet = route({
  path: '/accounts/get',
  allowed: ACCOUNT_FIELDS,
  required: ['access_token'],
  handle(body, ctx) {
    const { item, accounts } = accountsResponse(body, ctx);
    return { accounts, item: itemView(item) };
  },
});

export const accountsBalanceGet = route({
  path: '/accounts/balance/get',
  allowed: ACCOUNT_FIELDS,
  required: ['access_token'],
  handle(body, ctx) {
    const { item, accounts } = accountsResponse(body, ctx);
    // Balance is a real-time read: stamp when it was "fetched".
    const fetched = ctx.now().toISOString();
    return {
      accounts: accounts.map((a) => ({ ...a, balances: { ...a.balances, last_updated_datetime: fetched } })),
      item: itemView(item),
    };
  },
});

export const authGet = route({
  path: '/auth/get',
  allowed: ACCOUNT_FIELDS,
  required: ['access_token'],
  handle(body, ctx) {
    const { item, accounts } = accountsResponse(body, ctx, 'auth');
    const routing = findInstitution(item.institutionId)?.routingNumbers[0] ?? '011401533';
    const ach = accounts.filter(isAuthAccount).map((a) => ({
      account_id: a.account_id,
      account: `111122223333${a.mask}`,
      routing,
      wire_routing: '021000021',
    }));
    return { accounts, numbers: { ach, eft: [], international: [], bacs: [] }, item: itemView(item) };
  },
});
