import type { AccountRecord } from '../data/accounts.js';
import { derivedId } from '../data/ids.js';
import { buildTransaction, dayOffset, TEMPLATE_COUNT, type TransactionRecord } from '../data/transactions.js';

/** One change in an item's transaction history; `/transactions/sync` cursors point into this list. */
export type LedgerEntry =
  { kind: 'added' | 'modified'; tx: TransactionRecord } | { kind: 'removed'; tx: { transaction_id: string; account_id: string } };

/** An item's append-only transaction change log (plain JSON so it persists as is). */
export interface Ledger {
  entries: LedgerEntry[];
  /** Next number for a generated transaction id. */
  nextSeq: number;
  refreshes: number;
}

/** A ledger with no history yet (an Item whose Transactions product is not initialized). */
export function emptyLedger(): Ledger {
  return { entries: [], nextSeq: 0, refreshes: 0 };
}

/**
 * The history an Item's Transactions product finds, oldest first: user_good gets each
 * template once a month for three months; the dynamic user gets 50, one a day. Dates
 * count back from the Item's creation and ids derive from the item id, so the same
 * Item always gets the same history.
 */
export function historyEntries(itemId: string, username: string, accounts: readonly AccountRecord[], createdAt: Date): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  const dynamic = username === 'user_transactions_dynamic';
  const total = dynamic ? 50 : TEMPLATE_COUNT * 3;
  for (let n = 0; n < total; n++) {
    const daysAgo = dynamic ? n : Math.floor(n / TEMPLATE_COUNT) * 30 + (n % TEMPLATE_COUNT) * 2;
    const pending = dynamic ? n < 4 : n < 2;
    entries.push({ kind: 'added', tx: buildTransaction(accounts, n, dayOffset(createdAt, daysAgo), pending, `${itemId}:tx:${n}`) });
  }
  // Oldest first, as Plaid orders changes by ascending modification time.
  return entries.reverse();
}

/** A ledger holding an Item's whole history at once (instant Transactions). */
export function seedLedger(itemId: string, username: string, accounts: readonly AccountRecord[], createdAt: Date): Ledger {
  const ledger = emptyLedger();
  const entries = historyEntries(itemId, username, accounts, createdAt);
  appendHistory(ledger, entries, entries.length);
  return ledger;
}

/** Appends seeded history and reserves its ids, so later generated transactions never reuse one. */
export function appendHistory(ledger: Ledger, entries: readonly LedgerEntry[], reserved: number): void {
  ledger.entries.push(...entries);
  ledger.nextSeq = Math.max(ledger.nextSeq, reserved);
}

/** The current set of transactions: the ledger replayed. */
export function currentTransactions(ledger: Ledger): TransactionRecord[] {
  const current = new Map<string, TransactionRecord>();
  for (const entry of ledger.entries) {
    if (entry.kind === 'removed') current.delete(entry.tx.transaction_id);
    else current.set(entry.tx.transaction_id, entry.tx);
  }
  return [...current.values()];
}

/**
 * `/transactions/refresh` for user_transactions_dynamic, as Plaid describes it: every
 * pending transaction posts (removed + added with `pending_transaction_id`), one earlier
 * posted transaction's amount goes up by $1.00, and new pending transactions arrive.
 * Returns how many entries were appended.
 */
export function refreshDynamic(ledger: Ledger, itemId: string, accounts: readonly AccountRecord[], now: Date): number {
  const before = ledger.entries.length;
  const today = dayOffset(now, 0);
  const current = currentTransactions(ledger);
  for (const pending of current.filter((tx) => tx.pending)) {
    ledger.entries.push({ kind: 'removed', tx: { transaction_id: pending.transaction_id, account_id: pending.account_id } });
    const posted: TransactionRecord = {
      ...pending,
      transaction_id: nextId(ledger, itemId),
      pending: false,
      pending_transaction_id: pending.transaction_id,
      date: today,
    };
    ledger.entries.push({ kind: 'added', tx: posted });
  }
  const settled = current.filter((tx) => !tx.pending).sort((a, b) => a.transaction_id.localeCompare(b.transaction_id));
  const bumped = settled[ledger.refreshes % Math.max(settled.length, 1)];
  if (bumped) ledger.entries.push({ kind: 'modified', tx: { ...bumped, amount: Math.round((bumped.amount + 1) * 100) / 100 } });
  for (let i = 0; i < 3; i++) {
    const n = ledger.nextSeq;
    const tx = buildTransaction(accounts, n, today, true, `${itemId}:tx:${n}`);
    ledger.nextSeq++;
    ledger.entries.push({ kind: 'added', tx });
  }
  ledger.refreshes++;
  return ledger.entries.length - before;
}

function nextId(ledger: Ledger, itemId: string): string {
  return derivedId(`${itemId}:tx:${ledger.nextSeq++}`);
}
