import type { VaultContext } from '../context.js';
import { isVaultError, InputInvalidError } from '../errors.js';
import type { RotateDueReport } from '../vault-types.js';
import type { Rotator } from './rotate.js';

const PAGE = 200;

/**
 * Rotate every active item whose token is older than `olderThan`, `concurrency`
 * at a time (default 4), paging through the store by item id. Failures are
 * collected per item (code only), never thrown for the batch.
 *
 * @example
 * await vault.items.rotateDue({ olderThan: new Date(Date.now() - 90 * 86_400_000), concurrency: 8 });
 */
export async function rotateDue(
  ctx: VaultContext,
  rotator: Rotator,
  opts: { olderThan: Date; concurrency?: number; dryRun?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<RotateDueReport> {
  if (!(opts.olderThan instanceof Date) || Number.isNaN(opts.olderThan.getTime())) {
    throw new InputInvalidError('olderThan must be a valid Date.', { details: { field: 'olderThan' } });
  }
  const concurrency = Math.min(64, Math.max(1, Math.floor(opts.concurrency ?? 4)));
  const filter = { status: 'active' as const, rotatedBefore: opts.olderThan };

  const report: RotateDueReport = { considered: 0, rotated: 0, relinkRequired: 0, failed: [] };
  const ids: string[] = [];
  for (let after: string | undefined; ;) {
    const rows = await ctx.store.listItems({ ...filter, limit: PAGE, ...(after !== undefined && { afterItemId: after }) });
    ids.push(...rows.map((r) => r.itemId));
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.itemId;
  }
  report.considered = ids.length;
  if (opts.dryRun) return report;

  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < ids.length) {
      const itemId = ids[next++]!;
      try {
        const result = await rotator.rotate({ itemId });
        if (result.outcome === 'rotated') report.rotated++;
        else if (result.outcome === 'relink_required') report.relinkRequired++;
      } catch (err) {
        report.failed.push({ itemId, code: isVaultError(err) ? err.code : 'ERR_INTERNAL' });
      }
      opts.onProgress?.(++done, ids.length);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return report;
}
