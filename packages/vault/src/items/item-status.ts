import type { VaultContext } from '../context.js';
import type { ItemStatus } from '../types/items.js';

/**
 * Set an item's status (if it changed), drop its cached token on every
 * instance and audit the change. Returns false when the item is gone.
 * `from`: change it only from one of these statuses (a guard against a race
 * with another writer). `invalidate: false` keeps the cached token (a change
 * that does not make the token unusable).
 */
export async function setItemStatus(
  ctx: VaultContext,
  ref: { itemId: string; userId: string | null },
  status: ItemStatus,
  reason: string,
  opts: { from?: readonly ItemStatus[]; invalidate?: boolean } = {},
): Promise<boolean> {
  const row = await ctx.store.getItem(ref.itemId);
  if (!row) return false;
  if (opts.from && !opts.from.includes(row.status)) return true;
  // The read only spares a write; the store's compare-and-set decides a race.
  if (row.status !== status) await changeItemStatus(ctx, { itemId: ref.itemId, userId: row.userId }, status, reason, opts.from);
  if (opts.invalidate !== false) await ctx.cache.invalidate(ref.itemId);
  return true;
}

/**
 * The conditional write and its `item.status` audit event: audited only when
 * this call changed the row, so writers racing for the same change (two
 * instances, two webhooks) leave one event between them.
 */
export async function changeItemStatus(
  ctx: VaultContext,
  ref: { itemId: string; userId: string },
  status: ItemStatus,
  reason: string,
  from: readonly ItemStatus[] | undefined,
): Promise<boolean> {
  const changed = await ctx.store.changeStatus(ref.itemId, { to: status, ...(from && { from }) }, ctx.clock.now());
  if (changed) {
    ctx.audit.record({
      actor: ctx.instanceId,
      userId: ref.userId,
      itemId: ref.itemId,
      action: 'item.status',
      purpose: `${status}:${reason}`,
      outcome: 'ok',
      requestId: null,
    });
  }
  return changed;
}
