import type { AccountRecord } from './accounts.js';
import { derivedId } from './ids.js';
import { security, securityId, type SecurityKey, type SecurityRecord } from './securities.js';
import { dayOffset } from './transactions.js';

/** A holding as Plaid's `Holding` (required fields, no tax lots). */
export interface HoldingRecord {
  account_id: string;
  security_id: string;
  institution_price: number;
  institution_price_as_of: string;
  institution_price_datetime: null;
  institution_value: number;
  cost_basis: number;
  quantity: number;
  iso_currency_code: string;
  unofficial_currency_code: null;
  vested_quantity: null;
  vested_value: null;
}

/** An investment transaction as Plaid's `InvestmentTransaction`. */
export interface InvestmentTransactionRecord {
  investment_transaction_id: string;
  cancel_transaction_id: null;
  account_id: string;
  security_id: string | null;
  date: string;
  transaction_datetime: null;
  name: string;
  quantity: number;
  amount: number;
  price: number;
  fees: number;
  type: 'buy' | 'sell' | 'cancel' | 'cash' | 'fee' | 'transfer';
  subtype: string;
  iso_currency_code: string;
  unofficial_currency_code: null;
}

// Indexes into the Item's accounts (see accounts.ts): 5 is the IRA, 6 the 401k.
const IRA = 5;
const K401 = 6;

/** [account, security, quantity, unit cost]. Values add up to the accounts' balances (IRA 320.76, 401k 23631.9805). */
const HOLDINGS: readonly [number, SecurityKey, number, number][] = [
  [IRA, 'NFLX180201C00355000', 10000, 0.01],
  [IRA, 'USD', 210.76, 1],
  [K401, 'ACHN', 1, 1.5],
  [K401, 'DBLTX', 2, 10],
  [K401, 'MIPTX', 23.567, 23],
  [K401, 'NHX105509', 100.05, 15],
  [K401, 'TBILL', 10, 94.808],
  [K401, 'USD', 20650.955, 1],
];

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The investment-type accounts of an Item (the ones investments endpoints report). */
export function investmentAccounts(accounts: readonly AccountRecord[]): AccountRecord[] {
  return accounts.filter((a) => a.type === 'investment');
}

/** `user_good`'s holdings and the securities they refer to, priced as of `asOf` (YYYY-MM-DD). */
export function holdingsFor(accounts: readonly AccountRecord[], asOf: string): { holdings: HoldingRecord[]; securities: SecurityRecord[] } {
  const holdings = HOLDINGS.map(([account, key, quantity, unitCost]): HoldingRecord => {
    const price = security(key, asOf).close_price;
    return {
      account_id: accounts[account]!.account_id,
      security_id: securityId(key),
      institution_price: price,
      institution_price_as_of: asOf,
      institution_price_datetime: null,
      institution_value: round(quantity * price, 6),
      cost_basis: round(quantity * unitCost, 6),
      quantity,
      iso_currency_code: 'USD',
      unofficial_currency_code: null,
      vested_quantity: null,
      vested_value: null,
    };
  });
  const keys = [...new Set(HOLDINGS.map(([, key]) => key))];
  return { holdings, securities: keys.map((k) => security(k, asOf)) };
}

type Template = [
  account: number,
  security: SecurityKey | null,
  type: InvestmentTransactionRecord['type'],
  subtype: string,
  name: string,
  quantity: number,
  price: number,
  fees: number,
  /** For cash movements without a quantity: the amount (negative = cash into the account). */
  cash?: number,
];

// One month of activity, repeated for three months before the Item's creation.
const MONTH: readonly Template[] = [
  [K401, 'DBLTX', 'buy', 'buy', 'BUY DoubleLine Total Return Bond Fund', 0.7388, 10.42, 7.99],
  [K401, 'MIPTX', 'sell', 'sell', 'SELL Matthews Pacific Tiger Fund Insti Class', -47.741, 27.53, 7.99],
  [K401, 'SBSI', 'cash', 'dividend', 'INCOME DIV DIVIDEND RECEIVED', 0, 0, 0, -8.72],
  [K401, null, 'cash', 'contribution', 'EMPLOYEE CONTRIBUTION', 0, 0, 0, -500],
  [K401, 'NHX105509', 'buy', 'dividend reinvestment', 'REINVESTMENT NH PORTFOLIO 1055 (FIDELITY INDEX)', 2, 13.73, 0],
  [IRA, 'NFLX180201C00355000', 'buy', 'buy', "BUY Nflx Feb 01'18 $355 Call", 100, 0.011, 0],
  [IRA, null, 'fee', 'account fee', 'ACCOUNT MAINTENANCE FEE', 0, 0, 0, 12.5],
  [IRA, null, 'transfer', 'deposit', 'TRANSFER FROM PLAID CHECKING', 0, 0, 0, -200],
];

/**
 * Three months of investment transactions, newest first. Dates count back from the
 * Item's creation and ids derive from the item id. `amount` is quantity x price
 * (positive = cash out of the account), fees are reported apart.
 */
export function investmentTransactionsFor(
  itemId: string,
  accounts: readonly AccountRecord[],
  createdAt: Date,
): InvestmentTransactionRecord[] {
  const out: InvestmentTransactionRecord[] = [];
  for (let month = 0; month < 3; month++) {
    MONTH.forEach(([account, key, type, subtype, name, quantity, price, fees, cash], k) => {
      const n = month * MONTH.length + k;
      out.push({
        investment_transaction_id: derivedId(itemId, 'investment_transaction', n),
        cancel_transaction_id: null,
        account_id: accounts[account]!.account_id,
        security_id: key === null ? null : securityId(key),
        date: dayOffset(createdAt, month * 30 + k * 3 + 1),
        transaction_datetime: null,
        name,
        quantity,
        amount: cash ?? round(quantity * price, 2),
        price,
        fees,
        type,
        subtype,
        iso_currency_code: 'USD',
        unofficial_currency_code: null,
      });
    });
  }
  return out;
}
