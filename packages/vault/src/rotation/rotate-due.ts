import type { VaultContext } from '../context.js';
import { isVaultError, InputInvalidError } from '../errors.js';
import type { ItemFilter, ItemRow } from '../store/types.js';
import type { RotateDueOptions, RotateDueReport } from '../types/rotation.js';
import type { Rotator } from './rotate.js';

const DEFAULT_PAGE = 500;

/**
 * Rotate every active item whose token is older than `olderThan`, `concurrency`
 * at a time (default 4). Items are streamed by keyset paging on item id, the
 * next page read while the current one rotates, so memory holds at most two
 * pages whatever the item count. A rotated item gets a new rotated_at and
 * leaves the filter, which keyset paging does not mind: it never re-reads
 * below the last id seen. Failures are collected per item (code only), never
 * thrown for the batch. When `signal` aborts, no new rotation starts, the
 * ones in flight finish, and the report so far comes back with `aborted: true`.
 *
 * @example
 * await vault.items.rotateDue({ olderThan: new Date(Date.now() - 90 * 86_400_000), concurrency: 8 });
 */
export async function rotateDue(ctx: VaultContext, rotator: Rotator, opts: RotateDueOptions): Promise<RotateDueReport> {
  if (!(opts.olderThan instanceof Date) || Number.isNaN(opts.olderThan.getTime())) {
    throw new InputInvalidError('olderThan must be a valid Date.', { details: { field: 'olderThan' } });
  }
  const concurrency = Math.min(64, Math.max(1, Math.floor(opts.concurrency ?? 4)));
  const pageSize = Math.min(10_000, Math.max(1, Math.floor(opts.pageSize ?? DEFAULT_PAGE)));
  const filter = { status: 'active' as const, rotatedBefore: opts.olderThan };
  const report: RotateDueReport = { considered: 0, rotated: 0, relinkRequired: 0, failed: [] };

  // countItems cannot filter on age, so a first pass pages through and counts what is
  // due: the progress total, and the whole answer of a dry run. Its reads are small
  // next to one Plaid call per item.
  let total = await countDue(ctx, filter, pageSize);
  if (opts.dryRun) return { ...report, considered: total };
  if (opts.signal?.aborted) return { ...report, aborted: true };

  const due = createDueCursor(ctx, filter, pageSize);
  let done = 0;
  const progress = () => opts.onProgress?.(done, (total = Math.max(total, due.seen())));
  if (total > 0) progress();

  async function worker(): Promise<void> {
    for (;;) {
      if (opts.signal?.aborted) {
        // A stop that comes after the last item was handed out leaves nothing undone.
        if (!due.exhausted()) report.aborted = true;
        return;
      }
      const itemId = await due.next();
      if (itemId === undefined) return;
      // Checked again: the signal may have come while the page was read.
      if (opts.signal?.aborted) {
        report.aborted = true;
        return;
      }
      report.considered++;
      try {
        const result = await rotator.rotate({ itemId });
        if (result.outcome === 'rotated') report.rotated++;
        else if (result.outcome === 'relink_required') report.relinkRequired++;
      } catch (err) {
        report.failed.push({ itemId, code: isVaultError(err) ? err.code : 'ERR_INTERNAL' });
      }
      done++;
      // The scan has ended: what it saw is the exact total (items rotated elsewhere meanwhile drop out).
      if (due.exhausted() && !report.aborted) total = due.seen();
      progress();
    }
  }

  try {
    // A failed page read stops the other workers at their next item; the rotations in flight still finish.
    const results = await Promise.allSettled(Array.from({ length: concurrency }, worker));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  } finally {
    due.close();
  }
  return report;
}

async function countDue(ctx: VaultContext, filter: ItemFilter, pageSize: number): Promise<number> {
  let count = 0;
  for (let after: string | undefined; ;) {
    const rows = await ctx.store.listItems({ ...filter, limit: pageSize, ...(after !== undefined && { afterItemId: after }) });
    count += rows.length;
    if (rows.length < pageSize) return count;
    after = rows[rows.length - 1]!.itemId;
  }
}

interface DueCursor {
  /** The next due item id, or undefined when the scan is over. Safe to call from many workers at once. */
  next(): Promise<string | undefined>;
  /** Rows read so far. */
  seen(): number;
  exhausted(): boolean;
  /** Drop a read-ahead nobody will take from. */
  close(): void;
}

/**
 * Keyset paging by item id with one page of read-ahead: when a page arrives,
 * the read of the next one starts. Callers are served in turn, so no id is
 * handed out twice; after an error every later call fails the same way.
 */
function createDueCursor(ctx: VaultContext, filter: ItemFilter, pageSize: number): DueCursor {
  const fetch = (after: string | undefined) => {
    const read = ctx.store.listItems({ ...filter, limit: pageSize, ...(after !== undefined && { afterItemId: after }) });
    // A read-ahead may fail while every worker is busy rotating: it is awaited (and rethrown) at its turn, not unhandled.
    read.catch(() => {});
    return read;
  };
  let page: ItemRow[] = [];
  let at = 0;
  let seen = 0;
  let pending: Promise<ItemRow[]> | undefined = fetch(undefined);
  let turn: Promise<unknown> = Promise.resolve();

  async function take(): Promise<string | undefined> {
    while (at >= page.length) {
      if (!pending) return undefined;
      page = await pending;
      at = 0;
      seen += page.length;
      pending = page.length === pageSize ? fetch(page[page.length - 1]!.itemId) : undefined;
    }
    return page[at++]!.itemId;
  }

  return {
    next() {
      const result = turn.then(take);
      turn = result;
      return result;
    },
    seen: () => seen,
    exhausted: () => !pending && at >= page.length,
    close() {
      turn.catch(() => {});
    },
  };
}
