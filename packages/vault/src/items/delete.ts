import type { VaultContext } from '../context.js';
import { isVaultError, ItemNotFoundError } from '../errors.js';
import type { ItemRemovedHook } from '../types/items.js';
import { holdItem, type ItemLeaseOptions } from './item-lease.js';
import { assertRef } from './validate.js';

/** What a removal or local delete needs beside the context. */
export interface PurgeDeps {
  lease: ItemLeaseOptions;
  /** The host's hook (createVault's `onItemRemoved`), told once the item is gone. */
  onRemoved?: ItemRemovedHook | undefined;
}

/**
 * Drop an item locally: the row (and with it the only copy of the wrapped DEK,
 * so the token is crypto-shredded), then every cache tier on every instance,
 * then the audit event, then the host's hook. Shared by `items.delete` and
 * `items.remove` (and so by every path that removes an item).
 */
export async function purgeItem(
  ctx: VaultContext,
  ref: { userId: string; itemId: string },
  action: 'item.delete' | 'item.remove',
  purpose: string | null,
  onRemoved?: ItemRemovedHook,
): Promise<void> {
  await ctx.store.deleteItem(ref.itemId);
  await ctx.cache.invalidate(ref.itemId);
  ctx.audit.record({ actor: ctx.instanceId, userId: ref.userId, itemId: ref.itemId, action, purpose, outcome: 'ok', requestId: null });
  if (!onRemoved) return;
  try {
    await onRemoved({ userId: ref.userId, itemId: ref.itemId, action });
  } catch (err) {
    // The item is gone whatever the hook does: its failure is the host's to fix, not a failed removal.
    ctx.logger.error({ itemId: ref.itemId, code: isVaultError(err) ? err.code : 'unknown' }, 'onItemRemoved failed');
  }
}

/**
 * Local delete (Plaid is not told; `items.remove` does that). Like a removal
 * it takes the item's lease, so it never cuts into a rotation: the rotation
 * finishes (or is waited for, up to a bound, then ERR_ROTATION_IN_PROGRESS)
 * and the token deleted is the current one, never one left only in a journal.
 */
export async function deleteItem(ctx: VaultContext, deps: PurgeDeps, ref: { userId: string; itemId: string }): Promise<void> {
  assertRef(ref);
  const held = await holdItem(ctx, ref, deps.lease);
  if (!held) throw new ItemNotFoundError();
  try {
    await purgeItem(ctx, ref, 'item.delete', null, deps.onRemoved);
  } catch (err) {
    await held.release();
    throw err;
  }
}
