import type { VaultContext } from '../context.js';
import { ItemNotFoundError } from '../errors.js';
import { holdItem, type ItemLeaseOptions } from './item-lease.js';
import { assertRef } from './validate.js';

/**
 * Drop an item locally: the row (and with it the only copy of the wrapped DEK,
 * so the token is crypto-shredded), then every cache tier on every instance,
 * then the audit event. Shared by `items.delete` and `items.remove`.
 */
export async function purgeItem(
  ctx: VaultContext,
  ref: { userId: string; itemId: string },
  action: 'item.delete' | 'item.remove',
  purpose: string | null,
): Promise<void> {
  await ctx.store.deleteItem(ref.itemId);
  await ctx.cache.invalidate(ref.itemId);
  ctx.audit.record({ actor: ctx.instanceId, userId: ref.userId, itemId: ref.itemId, action, purpose, outcome: 'ok', requestId: null });
}

/**
 * Local delete (Plaid is not told; `items.remove` does that). Like a removal
 * it takes the item's lease, so it never cuts into a rotation: the rotation
 * finishes (or is waited for, up to a bound, then ERR_ROTATION_IN_PROGRESS)
 * and the token deleted is the current one, never one left only in a journal.
 */
export async function deleteItem(ctx: VaultContext, lease: ItemLeaseOptions, ref: { userId: string; itemId: string }): Promise<void> {
  assertRef(ref);
  const held = await holdItem(ctx, ref, lease);
  if (!held) throw new ItemNotFoundError();
  try {
    await purgeItem(ctx, ref, 'item.delete', null);
  } catch (err) {
    await held.release();
    throw err;
  }
}
