/** A legacy category as `/categories/get` returns it. */
export interface CategoryRecord {
  category_id: string;
  group: 'place' | 'digital' | 'special';
  hierarchy: string[];
}

type Row = [id: string, group: CategoryRecord['group'], ...hierarchy: string[]];

/**
 * A subset of Plaid's legacy (deprecated) category taxonomy: the top-level groups and
 * every category the sandbox's transactions use, with Plaid's ids as far as they are
 * known. The full taxonomy has about 600 entries; apps should use
 * `personal_finance_category`, which every sandbox transaction carries.
 */
const ROWS: readonly Row[] = [
  ['10000000', 'special', 'Bank Fees'],
  ['11000000', 'special', 'Cash Advance'],
  ['12000000', 'special', 'Community'],
  ['13000000', 'place', 'Food and Drink'],
  ['13005000', 'place', 'Food and Drink', 'Restaurants'],
  ['13005032', 'place', 'Food and Drink', 'Restaurants', 'Fast Food'],
  ['13005043', 'place', 'Food and Drink', 'Restaurants', 'Coffee Shop'],
  ['14000000', 'special', 'Healthcare'],
  ['15000000', 'special', 'Interest'],
  ['16000000', 'special', 'Payment'],
  ['16001000', 'special', 'Payment', 'Credit Card'],
  ['17000000', 'place', 'Recreation'],
  ['17018000', 'place', 'Recreation', 'Gyms and Fitness Centers'],
  ['18000000', 'place', 'Service'],
  ['19000000', 'place', 'Shops'],
  ['19013000', 'place', 'Shops', 'Computers and Electronics'],
  ['19046000', 'place', 'Shops', 'Sporting Goods'],
  ['20000000', 'special', 'Tax'],
  ['21000000', 'special', 'Transfer'],
  ['21005000', 'special', 'Transfer', 'Credit'],
  ['21007000', 'special', 'Transfer', 'Deposit'],
  ['21009000', 'special', 'Transfer', 'Payroll'],
  ['22000000', 'place', 'Travel'],
  ['22001000', 'place', 'Travel', 'Airlines and Aviation Services'],
  ['22016000', 'place', 'Travel', 'Taxi'],
];

/** Every category served, in id order (fresh objects). */
export function categories(): CategoryRecord[] {
  return ROWS.map(([category_id, group, ...hierarchy]) => ({ category_id, group, hierarchy }));
}

const BY_PATH = new Map(ROWS.map(([id, , ...hierarchy]) => [hierarchy.join('/'), id]));

/** The id of a category path (e.g. `['Travel', 'Taxi']`), or null if it is not in the table. */
export function categoryId(hierarchy: readonly string[]): string | null {
  return BY_PATH.get(hierarchy.join('/')) ?? null;
}
