import type { AccountRecord } from './accounts.js';
import { categoryId } from './categories.js';
import { derivedId } from './ids.js';

/** A transaction in the shape `/transactions/sync` and `/transactions/get` return. */
export interface TransactionRecord {
  transaction_id: string;
  account_id: string;
  amount: number;
  iso_currency_code: string | null;
  unofficial_currency_code: string | null;
  category: string[] | null;
  category_id: string | null;
  check_number: string | null;
  date: string;
  datetime: string | null;
  authorized_date: string | null;
  authorized_datetime: string | null;
  location: Record<'address' | 'city' | 'region' | 'postal_code' | 'country' | 'store_number', string | null> & {
    lat: number | null;
    lon: number | null;
  };
  name: string;
  merchant_name: string | null;
  merchant_entity_id: string | null;
  logo_url: string | null;
  website: string | null;
  payment_meta: Record<
    'reference_number' | 'ppd_id' | 'payee' | 'by_order_of' | 'payer' | 'payment_method' | 'payment_processor' | 'reason',
    string | null
  >;
  payment_channel: 'online' | 'in store' | 'other';
  pending: boolean;
  pending_transaction_id: string | null;
  account_owner: string | null;
  transaction_type: 'digital' | 'place' | 'special' | 'unresolved';
  transaction_code: null;
  personal_finance_category: { primary: string; detailed: string; confidence_level: string };
  counterparties: never[];
}

interface Template {
  name: string;
  merchant: string | null;
  amount: number;
  /** Index into the item's accounts (0 checking, 3 credit card). */
  account: number;
  channel: TransactionRecord['payment_channel'];
  category: string[];
  pfc: [string, string];
}

// Plaid's well-known sandbox transactions (names and amounts as user_good shows them).
const TEMPLATES: readonly Template[] = [
  t('United Airlines', 'United Airlines', 500, 3, 'in store', ['Travel', 'Airlines and Aviation Services'], ['TRAVEL', 'TRAVEL_FLIGHTS']),
  t('Uber 063015 SF**POOL**', 'Uber', 5.4, 3, 'online', ['Travel', 'Taxi'], ['TRANSPORTATION', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES']),
  t('Tectra Inc', null, 500, 3, 'in store', ['Food and Drink', 'Restaurants'], ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_RESTAURANT']),
  t('AUTOMATIC PAYMENT - THANK', null, 2078.5, 3, 'other', ['Payment'], ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT']),
  t('KFC', 'KFC', 500, 3, 'in store', ['Food and Drink', 'Restaurants'], ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_FAST_FOOD']),
  t(
    'Madison Bicycle Shop',
    'Madison Bicycle Shop',
    500,
    3,
    'in store',
    ['Shops', 'Sporting Goods'],
    ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_SPORTING_GOODS'],
  ),
  t(
    'CREDIT CARD 3333 PAYMENT *//',
    null,
    25,
    0,
    'other',
    ['Payment', 'Credit Card'],
    ['LOAN_PAYMENTS', 'LOAN_PAYMENTS_CREDIT_CARD_PAYMENT'],
  ),
  t('Uber 072515 SF**POOL**', 'Uber', 6.33, 3, 'online', ['Travel', 'Taxi'], ['TRANSPORTATION', 'TRANSPORTATION_TAXIS_AND_RIDE_SHARES']),
  t(
    'Touchstone Climbing',
    'Touchstone',
    78.5,
    3,
    'in store',
    ['Recreation', 'Gyms and Fitness Centers'],
    ['PERSONAL_CARE', 'PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS'],
  ),
  t('United Airlines', 'United Airlines', -500, 3, 'in store', ['Travel', 'Airlines and Aviation Services'], ['TRAVEL', 'TRAVEL_FLIGHTS']),
  t(
    "McDonald's",
    "McDonald's",
    12,
    3,
    'in store',
    ['Food and Drink', 'Restaurants', 'Fast Food'],
    ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_FAST_FOOD'],
  ),
  t(
    'Starbucks',
    'Starbucks',
    4.33,
    3,
    'in store',
    ['Food and Drink', 'Restaurants', 'Coffee Shop'],
    ['FOOD_AND_DRINK', 'FOOD_AND_DRINK_COFFEE'],
  ),
  t(
    'SparkFun',
    'SparkFun',
    89.4,
    3,
    'online',
    ['Shops', 'Computers and Electronics'],
    ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_ELECTRONICS'],
  ),
  t('INTRST PYMNT', null, -4.22, 1, 'other', ['Transfer', 'Credit'], ['INCOME', 'INCOME_INTEREST_EARNED']),
  t('CD DEPOSIT .INITIAL.', null, 1000, 2, 'other', ['Transfer', 'Deposit'], ['TRANSFER_IN', 'TRANSFER_IN_DEPOSIT']),
  t('Gusto Pay 123456', 'Gusto', -5850, 0, 'other', ['Transfer', 'Payroll'], ['INCOME', 'INCOME_WAGES']),
];

function t(
  name: string,
  merchant: string | null,
  amount: number,
  account: number,
  channel: Template['channel'],
  category: string[],
  pfc: [string, string],
): Template {
  return { name, merchant, amount, account, channel, category, pfc };
}

/** `YYYY-MM-DD` of `anchor` minus `days` (UTC). */
export function dayOffset(anchor: Date, days: number): string {
  return new Date(anchor.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

/** Builds the transaction for template `n` (cycled) on `date`, with a stable id from `seed` (on the template's account unless `accountId`). */
export function buildTransaction(
  accounts: readonly AccountRecord[],
  n: number,
  date: string,
  pending: boolean,
  seed: string,
  accountId?: string,
): TransactionRecord {
  const tpl = TEMPLATES[n % TEMPLATES.length]!;
  return {
    transaction_id: derivedId(seed),
    account_id: accountId ?? accounts[tpl.account]!.account_id,
    amount: tpl.amount,
    iso_currency_code: 'USD',
    unofficial_currency_code: null,
    category: [...tpl.category],
    category_id: categoryId(tpl.category),
    check_number: null,
    date,
    datetime: null,
    authorized_date: date,
    authorized_datetime: null,
    location: { address: null, city: null, region: null, postal_code: null, country: null, lat: null, lon: null, store_number: null },
    name: tpl.name,
    merchant_name: tpl.merchant,
    merchant_entity_id: null,
    logo_url: null,
    website: null,
    payment_meta: {
      reference_number: null,
      ppd_id: null,
      payee: null,
      by_order_of: null,
      payer: null,
      payment_method: null,
      payment_processor: null,
      reason: null,
    },
    payment_channel: tpl.channel,
    pending,
    pending_transaction_id: null,
    account_owner: null,
    transaction_type: tpl.channel === 'online' ? 'digital' : tpl.channel === 'in store' ? 'place' : 'special',
    transaction_code: null,
    personal_finance_category: { primary: tpl.pfc[0], detailed: tpl.pfc[1], confidence_level: 'VERY_HIGH' },
    counterparties: [],
  };
}

/** Number of templates; user_good gets each once per month for three months. */
export const TEMPLATE_COUNT = TEMPLATES.length;

/** A transaction from `/sandbox/transactions/create` input: posted, on `accountId`, uncategorized. */
export function customTransaction(
  input: { date_transacted: string; date_posted: string; amount: number; description: string; iso_currency_code?: string },
  accountId: string,
  seed: string,
): TransactionRecord {
  const base = buildTransaction([], 0, input.date_posted, false, seed, accountId);
  return {
    ...base,
    amount: input.amount,
    iso_currency_code: input.iso_currency_code ?? 'USD',
    authorized_date: input.date_transacted,
    name: input.description,
    merchant_name: null,
    category: null,
    category_id: null,
    payment_channel: 'other',
    transaction_type: 'special',
    personal_finance_category: { primary: 'OTHER', detailed: 'OTHER_OTHER', confidence_level: 'LOW' },
  };
}
