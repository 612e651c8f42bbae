import { InputInvalidError } from '../../errors.js';
import { assertId } from '../../items/validate.js';
import type { MarkerStore } from '../../store/types.js';
import type { RotateDueReport } from '../../types/rotation.js';
import type { Command } from '../command.js';
import { parseCount, parseDuration } from '../duration.js';
import { EXIT } from '../exit-codes.js';
import { createProgress } from '../progress.js';

/** How long an interrupted run's cutoff is kept for the next run to resume with. */
const RESUME_WINDOW_MS = 7 * 86_400_000;

export const rotateCommand: Command = {
  name: 'rotate',
  summary: 'rotate Plaid access tokens: one item, or all older than a duration',
  help: `Usage: plaid-vault rotate --item ITEM_ID
       plaid-vault rotate --older-than 90d [--concurrency N] [--dry-run] [--restart]

Rotates access tokens with /item/access_token/invalidate under the vault's
crash-safe protocol (lease, compare-and-swap write, recovery journal). A token
Plaid reports dead marks its item relink_required; nothing is lost silently.

--older-than rotates every item whose token is older than the duration
(s, m, h, d, w). The cutoff is fixed when a run starts and kept in the
database, so an interrupted run (Ctrl-C, a crash, a deploy) resumes with the
same cutoff: items it already rotated are newer than the cutoff and skipped.

Prints a progress bar on a terminal, plain lines otherwise, then a summary:
rotated, relink_required, failed by error code (with item ids). The first
Ctrl-C starts no new rotation, lets the ones in flight finish and prints the
summary so far; the next run resumes.

Options:
  --item ID          rotate this one item
  --older-than D     rotate all items older than D (e.g. 90d)
  --concurrency N    rotations at once (default 4, max 32)
  --dry-run          count what would be rotated; change nothing
  --restart          forget an interrupted run's cutoff and start from now

Exit code 1 when any item failed or needs relinking, or the run was interrupted.`,
  options: {
    item: { type: 'string' },
    'older-than': { type: 'string' },
    concurrency: { type: 'string' },
    'dry-run': { type: 'boolean' },
    restart: { type: 'boolean' },
  },
  async run({ values, out, runtime, io, signal }) {
    const itemId = values.item as string | undefined;
    const olderThan = values['older-than'] as string | undefined;
    if ((itemId === undefined) === (olderThan === undefined))
      throw new InputInvalidError('Give either --item ID or --older-than DURATION.');
    const vault = await runtime.vault();

    if (itemId !== undefined) {
      assertId(itemId, '--item');
      if (values['dry-run']) throw new InputInvalidError('--dry-run goes with --older-than.');
      const result = await vault.items.rotate({ itemId });
      out.result(result, () => `${result.itemId}: ${result.outcome} (token version ${result.tokenVersion})`);
      return result.outcome === 'relink_required' ? EXIT.failure : EXIT.ok;
    }

    const ms = parseDuration(olderThan!);
    const concurrency = parseCount(values.concurrency as string | undefined, 'concurrency', 4, 32);
    const dryRun = values['dry-run'] === true;
    const store = await runtime.store();
    const marker = `cli:rotate:older-than:${olderThan}`;
    const cutoff = await resolveCutoff(store, marker, ms, { dryRun, restart: values.restart === true });
    if (cutoff.resumed) out.note(`resuming an interrupted run: cutoff ${cutoff.at.toISOString()} (--restart to start over)`);

    const onAbort = () => out.note('interrupted: finishing rotations in flight; press Ctrl-C again to stop at once (the next run resumes)');
    signal.addEventListener('abort', onAbort, { once: true });
    const progress = createProgress(io, dryRun ? 'rotate (dry run)' : 'rotate');
    let report: RotateDueReport;
    try {
      report = await vault.items.rotateDue({
        olderThan: cutoff.at,
        concurrency,
        dryRun,
        signal,
        onProgress: (done, total) => progress.update(done, total),
      });
    } finally {
      progress.stop();
      signal.removeEventListener('abort', onAbort);
    }
    // The run reached its end: every due item is rotated or reported, so the next run starts fresh.
    // An interrupted run keeps the marker: the next one resumes with the same cutoff.
    if (!dryRun && !report.aborted) await store.deleteMarker(marker);
    await vault.audit.flush();

    const failedByCode: Record<string, number> = {};
    for (const f of report.failed) failedByCode[f.code] = (failedByCode[f.code] ?? 0) + 1;
    out.result({ cutoff: cutoff.at.toISOString(), dryRun, ...report, failedByCode }, () =>
      dryRun
        ? `dry run: ${report.considered} item(s) older than ${cutoff.at.toISOString()} would be rotated`
        : [
            ...report.failed.slice(0, 100).map((f) => `failed  ${f.itemId}  ${f.code}`),
            `rotated ${report.rotated}, relink_required ${report.relinkRequired}, failed ${report.failed.length}${
              report.failed.length
                ? ` (${Object.entries(failedByCode)
                    .map(([c, n]) => `${c}: ${n}`)
                    .join(', ')})`
                : ''
            } of ${report.considered} ${report.aborted ? 'started; interrupted, run again to resume' : 'due'} (cutoff ${cutoff.at.toISOString()})`,
          ],
    );
    return report.failed.length > 0 || report.relinkRequired > 0 || report.aborted ? EXIT.failure : EXIT.ok;
  },
};

/**
 * The run's cutoff: the one an interrupted run stored, else now minus the
 * duration (stored for a later resume unless this is a dry run). putMarker
 * only inserts when absent, so two runs started together agree on one cutoff.
 */
async function resolveCutoff(
  store: MarkerStore,
  marker: string,
  ms: number,
  opts: { dryRun: boolean; restart: boolean },
): Promise<{ at: Date; resumed: boolean }> {
  if (opts.restart && !opts.dryRun) await store.deleteMarker(marker);
  const now = Date.now();
  const fresh = new Date(now - ms);
  if (!opts.dryRun) await store.putMarker(marker, fresh.toISOString(), new Date(now + RESUME_WINDOW_MS));
  const stored = await store.getMarker(marker);
  const at = stored !== undefined && !Number.isNaN(Date.parse(stored)) ? new Date(stored) : fresh;
  return { at, resumed: at.getTime() !== fresh.getTime() };
}
