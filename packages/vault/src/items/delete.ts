import type { VaultContext } from '../context.js';
import { getOwnedItem } from './owned-item.js';

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

/** Local delete (Plaid is not told; `items.remove` does that). */
export async function deleteItem(ctx: VaultContext, ref: { userId: string; itemId: string }): Promise<void> {
  await getOwnedItem(ctx, ref);
  await purgeItem(ctx, ref, 'item.delete', null);
}
