import { describe, expect, it } from 'vitest';
import { accountsFor } from '../../src/data/accounts.js';
import { currentTransactions, refreshDynamic, seedLedger } from '../../src/state/ledger.js';
import { syncPage } from '../../src/state/sync-page.js';

const created = new Date('2026-02-01T00:00:00Z');

describe('transaction ledger and sync cursors', () => {
  it('pages the ledger exactly once, in order, for any page size', () => {
    const accounts = accountsFor('item-a');
    const ledger = seedLedger('item-a', 'user_good', accounts, created);
    for (const count of [1, 5, 48, 500]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0, more = true; more && i < 100; i++) {
        const page = syncPage(ledger, 'item-a', cursor, count);
        seen.push(...page.added.map((t) => t.transaction_id));
        cursor = page.nextCursor;
        more = page.hasMore;
      }
      expect(seen).toEqual(ledger.entries.map((e) => e.tx.transaction_id));
    }
  });

  it('per-account streams only carry that account and use their own cursors', () => {
    const accounts = accountsFor('item-b');
    const ledger = seedLedger('item-b', 'user_good', accounts, created);
    const checking = accounts[0]!.account_id;
    const page = syncPage(ledger, 'item-b', undefined, 500, checking);
    expect(page.added.length).toBeGreaterThan(0);
    expect(page.added.every((t) => t.account_id === checking)).toBe(true);
    expect(() => syncPage(ledger, 'item-b', page.nextCursor, 10)).toThrow();
  });

  it('dynamic refresh keeps the replayed state consistent', () => {
    const accounts = accountsFor('item-c');
    const ledger = seedLedger('item-c', 'user_transactions_dynamic', accounts, created);
    const pendingBefore = currentTransactions(ledger).filter((t) => t.pending).length;
    const appended = refreshDynamic(ledger, 'item-c', accounts, created);
    expect(appended).toBe(pendingBefore * 2 + 1 + 3);
    const after = currentTransactions(ledger);
    expect(after).toHaveLength(50 + 3);
    expect(after.filter((t) => t.pending)).toHaveLength(3);
    expect(new Set(after.map((t) => t.transaction_id)).size).toBe(after.length);
  });
});
