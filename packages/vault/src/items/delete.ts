import type { VaultContext } from '../context.js';
import { getOwnedItem } from './owned-item.js';

/**
 * Local delete: the row (and with it the only copy of the wrapped DEK, so the
 * token is crypto-shredded), then every cache tier on every instance. Plaid is
 * not told; `items.remove` does that.
 */
export async function deleteItem(ctx: VaultContext, ref: { userId: string; itemId: string }): Promise<void> {
  await getOwnedItem(ctx, ref);
  await ctx.store.deleteItem(ref.itemId);
  await ctx.cache.invalidate(ref.itemId);
  ctx.audit.record({
    actor: ctx.instanceId,
    userId: ref.userId,
    itemId: ref.itemId,
    action: 'item.delete',
    purpose: null,
    outcome: 'ok',
    requestId: null,
  });
}
