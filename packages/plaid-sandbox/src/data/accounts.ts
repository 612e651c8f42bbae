import { derivedId } from './ids.js';

/** One account as stored on an item (the AccountBase shape Plaid returns). */
export interface AccountRecord {
  account_id: string;
  balances: {
    available: number | null;
    current: number | null;
    limit: number | null;
    iso_currency_code: string | null;
    unofficial_currency_code: string | null;
  };
  mask: string;
  name: string;
  official_name: string | null;
  type: 'depository' | 'credit' | 'loan' | 'investment';
  subtype: string;
}

type Template = [
  mask: string,
  name: string,
  official: string | null,
  type: AccountRecord['type'],
  subtype: string,
  available: number | null,
  current: number,
  limit: number | null,
];

// user_good's accounts as in Plaid's docs (checking, saving, 401k, student loan are
// documented; the others follow Plaid's well-known sandbox set).
const USER_GOOD: readonly Template[] = [
  ['0000', 'Plaid Checking', 'Plaid Gold Standard 0% Interest Checking', 'depository', 'checking', 100, 110, null],
  ['1111', 'Plaid Saving', 'Plaid Silver Standard 0.1% Interest Saving', 'depository', 'savings', 200, 210, null],
  ['2222', 'Plaid CD', 'Plaid Bronze Standard 0.2% Interest CD', 'depository', 'cd', null, 1000, null],
  ['3333', 'Plaid Credit Card', 'Plaid Diamond 12.5% APR Interest Credit Card', 'credit', 'credit card', null, 410, 2000],
  ['4444', 'Plaid Money Market', 'Plaid Platinum Standard 1.85% Interest Money Market', 'depository', 'money market', 43200, 43200, null],
  ['5555', 'Plaid IRA', null, 'investment', 'ira', null, 320.76, null],
  ['6666', 'Plaid 401k', null, 'investment', '401k', null, 23631.9805, null],
  ['7777', 'Plaid Student Loan', null, 'loan', 'student', null, 65262, null],
  ['8888', 'Plaid Mortgage', null, 'loan', 'mortgage', null, 56302.06, null],
];

/** The accounts an item of `username` gets; ids are derived from the item id. */
export function accountsFor(itemId: string): AccountRecord[] {
  return USER_GOOD.map(([mask, name, official, type, subtype, available, current, limit], index) => ({
    account_id: derivedId(itemId, 'account', index),
    balances: { available, current, limit, iso_currency_code: 'USD', unofficial_currency_code: null },
    mask,
    name,
    official_name: official,
    type,
    subtype,
  }));
}

/** Accounts that carry ACH numbers (`/auth/get`). */
export function isAuthAccount(account: AccountRecord): boolean {
  return account.type === 'depository';
}
