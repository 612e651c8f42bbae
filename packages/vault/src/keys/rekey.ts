import { isVaultError } from '../errors.js';
import type { AuditStore, ItemRow, ItemStore, RewrapRow } from '../store/types.js';
import type { RekeyOptions, RekeyReport } from '../types/admin.js';
import type { Clock } from '../types/clock.js';

export interface RekeyDeps {
  store: Pick<ItemStore, 'listItems' | 'getItem' | 'rewrapToken' | 'rewrapTokens' | 'countByKid'> & Pick<AuditStore, 'appendAudit'>;
  activeKid: string;
  /** Open the DEK under the row's kid and seal it under the active one; the token itself is not touched. */
  rewrap(envelope: Buffer, ref: { itemId: string; userId: string }): Buffer;
  /** Drop the item from every cache tier after its row changed (L2 holds envelope bytes under the old kid). */
  invalidate?(itemId: string): Promise<void>;
  clock: Clock;
  actor: string;
}

export type { RekeyOptions, RekeyReport };

const MAX_CAS_ATTEMPTS = 3;
/** Failed rows listed in the report (all are counted). */
export const MAX_FAILED_LISTED = 1000;
/**
 * A page is written as up to this many concurrent batched calls (slices of at
 * least MIN_SLICE rows). One statement per page leaves the CPU idle a third of
 * the time waiting on the database; three in parallel keep it busier while the
 * next page is re-wrapped (bench/rekey.js at 200k rows: 0.54x -> ~0.7x the raw
 * UPDATE rate; 2, 4 and 5 measured no better). Each costs one pooled
 * connection. Whole pages are not pipelined, so that a stop lands between pages.
 */
const WRITE_SLICES = 3;
const MIN_SLICE = 200;

/**
 * Re-wrap every DEK that is not under the active key. Online and resumable by
 * nature: rows are streamed by keyset paging on item id, each write is a
 * compare-and-swap on token_version (a concurrent rotation wins and is left
 * alone), and a second run only finds the rows the first did not reach.
 * One `key.rekey` audit event summarises the run.
 *
 * @example
 *   const report = await rekey({ store, activeKid: keyring.activeKid, rewrap, clock, actor: 'cli' }, { batch: 1000 });
 */
export async function rekey(deps: RekeyDeps, opts: RekeyOptions = {}): Promise<RekeyReport> {
  const batch = opts.batch ?? 500;
  const concurrency = opts.concurrency ?? 8;
  const counts = await deps.store.countByKid();
  const total = Object.entries(counts).reduce((sum, [kid, n]) => (kid === deps.activeKid ? sum : sum + n), 0);
  const report: RekeyReport = {
    activeKid: deps.activeKid,
    total,
    rewrapped: 0,
    skipped: 0,
    failedCount: 0,
    failed: [],
    interrupted: false,
  };
  const progress = () => opts.onProgress?.(Math.min(report.rewrapped + report.skipped + report.failedCount, total), total);
  progress();

  const tally = (row: ItemRow, outcome: RowOutcome) => {
    if (outcome === 'rewrapped') report.rewrapped++;
    else if (outcome === 'skipped') report.skipped++;
    else {
      report.failedCount++;
      if (report.failed.length < MAX_FAILED_LISTED) report.failed.push({ itemId: row.itemId, code: outcome.code });
    }
  };
  const fetchPage = (after: string | undefined) =>
    deps.store.listItems({ limit: batch, ...(after !== undefined && { afterItemId: after }) });

  // Three stages overlap: while page N-1 is written (database), page N is
  // re-wrapped (CPU) and page N+1 read. Memory holds at most three pages. A
  // page's write finishes (and is reported) before the next one starts, so a
  // stop lands between pages.
  let next: Promise<ItemRow[]> | undefined = total > 0 ? fetchPage(undefined) : undefined;
  let writing: Promise<void> = Promise.resolve();
  try {
    while (next) {
      const page = await next;
      next = page.length === batch ? fetchPage(page[page.length - 1]!.itemId) : undefined;
      if (opts.signal?.aborted) {
        report.interrupted = true;
        break;
      }
      const stale = page.filter((row) => row.kid !== deps.activeKid);
      // With a batched store, one call per slice writes the page; only rows that lost their race go row by row.
      const prepared = deps.store.rewrapTokens ? prepareBatch(deps, stale) : undefined;
      await writing;
      // Checked again after the previous write: a stop asked for meanwhile leaves this page untouched and untallied.
      if (opts.signal?.aborted) {
        report.interrupted = true;
        break;
      }
      writing = (async () => {
        const rest = prepared ? await writeBatch(deps, prepared, tally) : stale;
        await forEachLimited(rest, concurrency, async (row) => tally(row, await rewrapRow(deps, row)));
        progress();
      })();
      // Awaited at the next turn; until then a failure must not count as unhandled.
      writing.catch(() => {});
    }
    await writing;
  } finally {
    // An abandoned prefetch (stop or failure) must not surface as an unhandled rejection.
    next?.catch(() => {});
  }

  await deps.store.appendAudit([
    {
      actor: deps.actor,
      userId: null,
      itemId: null,
      action: 'key.rekey',
      purpose: `to ${deps.activeKid}: ${report.rewrapped} rewrapped, ${report.skipped} skipped, ${report.failedCount} failed${report.interrupted ? ', interrupted' : ''}`,
      outcome: report.failedCount > 0 || report.interrupted ? 'error' : 'ok',
      requestId: null,
      at: deps.clock.now(),
    },
  ]);
  return report;
}

type RowOutcome = 'rewrapped' | 'skipped' | { code: string };

function rewrapOne(deps: RekeyDeps, row: ItemRow): Buffer | { code: string } {
  try {
    return deps.rewrap(row.envelope, { itemId: row.itemId, userId: row.userId });
  } catch (err) {
    // A row we cannot open stays as it is and is reported; the run goes on.
    return { code: isVaultError(err) ? err.code : 'ERR_INTERNAL' };
  }
}

interface PreparedBatch {
  rows: RewrapRow[];
  /** The page row behind each entry of `rows`, same index. */
  sources: ItemRow[];
  failed: { row: ItemRow; outcome: { code: string } }[];
}

/** Re-wrap a page's DEKs (CPU only). Rows that cannot be opened are tallied when the batch is written. */
function prepareBatch(deps: RekeyDeps, page: ItemRow[]): PreparedBatch {
  const prepared: PreparedBatch = { rows: [], sources: [], failed: [] };
  for (const row of page) {
    const envelope = rewrapOne(deps, row);
    if (!Buffer.isBuffer(envelope)) prepared.failed.push({ row, outcome: envelope });
    else {
      prepared.rows.push({ itemId: row.itemId, expectedVersion: row.tokenVersion, kid: deps.activeKid, envelope });
      prepared.sources.push(row);
    }
  }
  return prepared;
}

/** Write a prepared page in up to WRITE_SLICES concurrent store calls; returns the rows that lost their compare-and-swap. */
async function writeBatch(deps: RekeyDeps, batch: PreparedBatch, tally: (row: ItemRow, outcome: RowOutcome) => void): Promise<ItemRow[]> {
  for (const { row, outcome } of batch.failed) tally(row, outcome);
  if (batch.rows.length === 0) return [];
  const now = deps.clock.now();
  const slices = Math.max(1, Math.min(WRITE_SLICES, Math.floor(batch.rows.length / MIN_SLICE)));
  const size = Math.ceil(batch.rows.length / slices);
  const calls: Promise<string[]>[] = [];
  for (let at = 0; at < batch.rows.length; at += size) calls.push(deps.store.rewrapTokens!(batch.rows.slice(at, at + size), now));
  const written = new Set((await Promise.all(calls)).flat());
  const lost: ItemRow[] = [];
  for (const row of batch.sources) {
    if (!written.has(row.itemId)) lost.push(row);
    else {
      tally(row, 'rewrapped');
      await deps.invalidate?.(row.itemId);
    }
  }
  return lost;
}

async function rewrapRow(deps: RekeyDeps, first: ItemRow): Promise<RowOutcome> {
  let row: ItemRow | undefined = first;
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    if (!row) return 'skipped';
    if (row.kid === deps.activeKid) return 'skipped';
    const envelope = rewrapOne(deps, row);
    if (!Buffer.isBuffer(envelope)) return envelope;
    if (await deps.store.rewrapToken(row.itemId, row.tokenVersion, { kid: deps.activeKid, envelope }, deps.clock.now())) {
      await deps.invalidate?.(row.itemId);
      return 'rewrapped';
    }
    // Lost the compare-and-swap: a rotation or put wrote a new version. Look again.
    row = await deps.store.getItem(row.itemId);
  }
  return { code: 'ERR_STORE_CONFLICT' };
}

/** Run `fn` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
