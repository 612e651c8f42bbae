import type { AccountRecord } from '../data/accounts.js';
import { matchScores, OWNER, type MatchInput } from '../data/identity.js';
import { objectField, stringField, type Body } from '../http/fields.js';
import { apiErrors } from '../http/plaid-error.js';
import { ACCOUNT_FIELDS, accountsResponse } from './account-routes.js';
import { itemView } from './item-view.js';
import { route } from './route.js';

export const identityGet = route({
  path: '/identity/get',
  allowed: ACCOUNT_FIELDS,
  required: ['access_token'],
  handle(body, ctx) {
    const { item, accounts } = accountsResponse(body, ctx, 'identity');
    return {
      accounts: accounts.map((a: AccountRecord) => ({ ...a, owners: [structuredClone(OWNER)] })),
      item: itemView(item),
    };
  },
});

/** `user` of `/identity/match`, each field an optional string (address an object). */
function matchInput(body: Body): MatchInput {
  const user = objectField(body, 'user');
  const address = user.address === undefined || user.address === null ? null : objectField(user, 'address');
  if (address) {
    for (const f of ['street', 'city', 'region', 'postal_code', 'country']) stringField(address, f, true);
  }
  return {
    legal_name: stringField(user, 'legal_name', true) ?? null,
    phone_number: stringField(user, 'phone_number', true) ?? null,
    email_address: stringField(user, 'email_address', true) ?? null,
    address: address as MatchInput['address'],
  };
}

export const identityMatch = route({
  path: '/identity/match',
  allowed: ['access_token', 'user', 'options'],
  required: ['access_token'],
  handle(body, ctx) {
    const input = matchInput(body);
    if (!input.legal_name && !input.phone_number && !input.email_address && !input.address)
      throw apiErrors.invalidField('user', 'must contain at least one of legal_name, phone_number, email_address, address');
    const { item, accounts } = accountsResponse(body, ctx, 'identity_match');
    const scores = matchScores(input);
    // Plaid: balances are always null in /identity/match answers.
    const balances = { available: null, current: null, limit: null, iso_currency_code: null, unofficial_currency_code: null };
    return { accounts: accounts.map((a) => ({ ...a, balances, ...structuredClone(scores) })), item: itemView(item) };
  },
});
