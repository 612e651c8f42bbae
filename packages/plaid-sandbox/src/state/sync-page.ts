import { shortTag } from '../data/ids.js';
import type { TransactionRecord } from '../data/transactions.js';
import { apiErrors } from '../http/plaid-error.js';
import type { Ledger } from './ledger.js';

/** One page of `/transactions/sync` changes. */
export interface SyncPage {
  added: TransactionRecord[];
  modified: TransactionRecord[];
  removed: { transaction_id: string; account_id: string }[];
  nextCursor: string;
  hasMore: boolean;
}

interface CursorPayload {
  v: 1;
  /** Tag of the item (and account stream) the cursor belongs to. */
  t: string;
  /** Position in the item's ledger. */
  p: number;
}

/**
 * Reads the ledger from the cursor's position, at most `count` changes. The cursor is
 * base64 of a small JSON position bound to the item (and account stream), so a cursor
 * from another item or stream answers INVALID_FIELD instead of returning wrong data.
 */
export function syncPage(ledger: Ledger, itemId: string, cursor: string | undefined, count: number, accountId?: string): SyncPage {
  const tag = shortTag(accountId ? `${itemId}/${accountId}` : itemId);
  let pos = cursor ? decodeCursor(cursor, tag) : 0;
  if (pos > ledger.entries.length) throw apiErrors.invalidField('cursor', 'is not a valid cursor');
  const page: SyncPage = { added: [], modified: [], removed: [], nextCursor: '', hasMore: false };
  let taken = 0;
  while (pos < ledger.entries.length && taken < count) {
    const entry = ledger.entries[pos++]!;
    if (accountId && entry.tx.account_id !== accountId) continue;
    taken++;
    if (entry.kind === 'removed') page.removed.push({ ...entry.tx });
    else page[entry.kind].push(entry.tx);
  }
  page.hasMore = ledger.entries.slice(pos).some((e) => !accountId || e.tx.account_id === accountId);
  page.nextCursor = encodeCursor({ v: 1, t: tag, p: pos });
  return page;
}

function encodeCursor(payload: CursorPayload): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

function decodeCursor(cursor: string, tag: string): number {
  try {
    const payload = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as Partial<CursorPayload>;
    if (payload.v === 1 && payload.t === tag && Number.isInteger(payload.p) && payload.p! >= 0) return payload.p!;
  } catch {
    // Falls through: any undecodable cursor is the same client error.
  }
  throw apiErrors.invalidField('cursor', 'is not a valid cursor');
}
