import type { AccountBase, AccountIdentity, AuthGetNumbers, Transaction } from 'plaid';
import type { AccountView, TransactionView } from '../types/data.js';

/*
 * Allow-list projections of Plaid responses: a response object is never passed
 * through, so nothing Plaid adds later (or an `item` block) reaches a caller.
 */

type AccountLike = Pick<AccountBase, 'account_id' | 'name' | 'official_name' | 'mask' | 'type' | 'subtype' | 'balances'>;

export function toAccountView(a: AccountLike): AccountView {
  return {
    accountId: a.account_id,
    name: a.name,
    officialName: a.official_name ?? null,
    mask: a.mask ?? null,
    type: String(a.type),
    subtype: a.subtype == null ? null : String(a.subtype),
    balances: {
      available: a.balances.available ?? null,
      current: a.balances.current ?? null,
      limit: a.balances.limit ?? null,
      isoCurrencyCode: a.balances.iso_currency_code ?? null,
    },
  };
}

export function toTransactionView(t: Transaction): TransactionView {
  return {
    transactionId: t.transaction_id,
    accountId: t.account_id,
    amount: t.amount,
    isoCurrencyCode: t.iso_currency_code ?? null,
    date: t.date,
    name: t.name,
    merchantName: t.merchant_name ?? null,
    pending: t.pending,
    pendingTransactionId: t.pending_transaction_id ?? null,
    category: t.personal_finance_category?.primary ?? t.category?.[0] ?? null,
  };
}

export interface IdentityView {
  accounts: (AccountView & {
    owners: {
      names: string[];
      emails: string[];
      phoneNumbers: string[];
      addresses: { street: string | null; city: string | null; region: string | null; postalCode: string | null; country: string | null }[];
    }[];
  })[];
}

export function toIdentityView(accounts: AccountIdentity[]): IdentityView {
  return {
    accounts: accounts.map((a) => ({
      ...toAccountView(a),
      owners: (a.owners ?? []).map((o) => ({
        names: [...o.names],
        emails: (o.emails ?? []).map((e) => e.data),
        phoneNumbers: (o.phone_numbers ?? []).map((p) => p.data),
        addresses: (o.addresses ?? []).map((ad) => ({
          street: ad.data.street ?? null,
          city: ad.data.city ?? null,
          region: ad.data.region ?? null,
          postalCode: ad.data.postal_code ?? null,
          country: ad.data.country ?? null,
        })),
      })),
    })),
  };
}

export interface AuthView {
  accounts: AccountView[];
  numbers: { ach: { accountId: string; account: string; routing: string; wireRouting: string | null }[] };
}

export function toAuthView(accounts: AccountBase[], numbers: AuthGetNumbers): AuthView {
  return {
    accounts: accounts.map(toAccountView),
    numbers: {
      ach: (numbers.ach ?? []).map((n) => ({
        accountId: n.account_id,
        account: n.account,
        routing: n.routing,
        wireRouting: n.wire_routing ?? null,
      })),
    },
  };
}
