import { derivedId } from './ids.js';
import type { TransactionRecord } from './transactions.js';

const DAY_MS = 86_400_000;
const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);
const addDays = (date: string, n: number) => new Date(Date.parse(date) + n * DAY_MS).toISOString().slice(0, 10);
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Frequencies by the typical gap between occurrences, in days (Plaid's `RecurringTransactionFrequency`). */
const FREQUENCIES: readonly [name: string, gap: number, tolerance: number][] = [
  ['WEEKLY', 7, 1],
  ['BIWEEKLY', 14, 2],
  ['SEMI_MONTHLY', 15, 2],
  ['MONTHLY', 30, 3],
  ['ANNUALLY', 365, 10],
];

function frequencyOf(dates: readonly string[]): { name: string; gap: number | null } {
  const gaps = dates.slice(1).map((d, i) => days(dates[i]!, d));
  for (const [name, gap, tolerance] of FREQUENCIES) {
    if (gaps.length > 0 && gaps.every((g) => Math.abs(g - gap) <= tolerance)) return { name, gap };
  }
  return { name: 'UNKNOWN', gap: null };
}

/**
 * Recurring streams found in an Item's posted transactions, as `/transactions/recurring/get`
 * reports them: transactions with the same account, name and direction that occur at least
 * twice form a stream (money in = inflow). Three or more occurrences make it MATURE;
 * a stream whose next date has passed by more than a period is no longer active.
 */
export function recurringStreams(itemId: string, transactions: readonly TransactionRecord[], today: string) {
  const groups = new Map<string, TransactionRecord[]>();
  for (const tx of transactions) {
    if (tx.pending) continue;
    const key = `${tx.account_id}|${tx.name}|${tx.amount < 0 ? 'in' : 'out'}`;
    groups.set(key, [...(groups.get(key) ?? []), tx]);
  }
  const streams = [...groups]
    .filter(([, group]) => group.length >= 2)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, group]) => stream(itemId, key, group, today));
  return { inflow: streams.filter((s) => s.last_amount.amount < 0), outflow: streams.filter((s) => s.last_amount.amount >= 0) };
}

function stream(itemId: string, key: string, group: readonly TransactionRecord[], today: string) {
  const sorted = [...group].sort((a, b) => a.date.localeCompare(b.date) || a.transaction_id.localeCompare(b.transaction_id));
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const { name: frequency, gap } = frequencyOf(sorted.map((t) => t.date));
  const predicted = gap === null ? null : addDays(last.date, gap);
  const amount = (value: number) => ({ amount: value, iso_currency_code: last.iso_currency_code, unofficial_currency_code: null });
  return {
    account_id: first.account_id,
    stream_id: derivedId(itemId, 'stream', key),
    category: last.category,
    category_id: last.category_id,
    description: last.name,
    merchant_name: last.merchant_name,
    personal_finance_category: { ...last.personal_finance_category },
    first_date: first.date,
    last_date: last.date,
    predicted_next_date: predicted,
    frequency,
    transaction_ids: sorted.map((t) => t.transaction_id),
    average_amount: amount(round2(sorted.reduce((s, t) => s + t.amount, 0) / sorted.length)),
    last_amount: amount(last.amount),
    is_active: predicted === null || days(predicted, today) <= (gap ?? 0),
    status: sorted.length >= 3 ? 'MATURE' : 'EARLY_DETECTION',
    is_user_modified: false,
  };
}
