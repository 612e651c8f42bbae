import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { InputInvalidError, PlaidError } from '../errors.js';
import { callWithToken } from '../items/call-with-token.js';
import { getOwnedItem } from '../items/owned-item.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { TransactionsDelta } from '../types/data.js';
import { toTransactionView } from './projections.js';

const PAGE_SIZE = 500;
/** 200 pages x 500 = 100k changes in one call; past that the caller calls again with the returned cursor. */
const MAX_PAGES = 200;
const MAX_RESTARTS = 3;
const CURSOR = /^[A-Za-z0-9+/=_-]{1,256}$/;

function isMutationDuringPagination(err: unknown): boolean {
  return err instanceof PlaidError && err.plaid.errorCode === 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION';
}

/**
 * Incremental `/transactions/sync`: pages until `has_more` is false (restarting
 * from the first cursor if Plaid reports a mutation mid-pagination), then, when
 * the caller passed no cursor, persists the final cursor on the item and clears
 * its needs-sync mark.
 *
 * @example
 * const { added, modified, removed } = await vault.data.transactions({ userId, itemId });
 */
export async function syncTransactions(
  ctx: VaultContext,
  plaid: PlaidGateway,
  ref: { userId: string; itemId: string; cursor?: string; requestId?: string },
): Promise<TransactionsDelta> {
  if (ref.cursor !== undefined && !CURSOR.test(ref.cursor)) {
    throw new InputInvalidError('cursor must be a Plaid sync cursor.', { details: { field: 'cursor' } });
  }
  const row = await getOwnedItem(ctx, ref);
  const start = ref.cursor ?? row.syncCursor ?? null;
  const use = { userId: ref.userId, itemId: ref.itemId, purpose: 'transactions.sync', ...(ref.requestId && { requestId: ref.requestId }) };

  // The row is at hand: a sync that succeeds on a `login_required` item repairs it.
  const health = { provesLogin: true, knownStatus: row.status };
  const delta = await callWithToken(ctx, use, (token) => syncPages(plaid, token, start), health);

  // Plaid answers "not ready yet" with an empty cursor: keep the one we had.
  if (ref.cursor === undefined && delta.nextCursor !== '') {
    await ctx.store.updateItem(ref.itemId, { syncCursor: delta.nextCursor, needsSync: false }, ctx.clock.now());
  }
  return delta;
}

/** Every page from `start`, restarting from `start` when Plaid reports a mutation mid-pagination. */
async function syncPages(plaid: PlaidGateway, token: Secret, start: string | null): Promise<TransactionsDelta> {
  for (let restart = 0; ; restart++) {
    const out: TransactionsDelta = { added: [], modified: [], removed: [], nextCursor: start ?? '' };
    let cursor = start;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const res = await plaid.syncTransactions(token, cursor, PAGE_SIZE);
        out.added.push(...res.added.map(toTransactionView));
        out.modified.push(...res.modified.map(toTransactionView));
        out.removed.push(...res.removed.map((r) => ({ transactionId: r.transaction_id, accountId: r.account_id ?? null })));
        out.nextCursor = res.nextCursor;
        cursor = res.nextCursor;
        if (!res.hasMore) break;
      }
      return out;
    } catch (err) {
      if (!isMutationDuringPagination(err) || restart >= MAX_RESTARTS) throw err;
    }
  }
}
