import type { VaultContext } from '../context.js';

/**
 * The item's token died at Plaid and no copy of a successor exists: say so
 * loudly (status `relink_required`, audit `item.relink_required`) instead of
 * losing the item silently. The app sends the user through Link again.
 */
export async function markRelinkRequired(ctx: VaultContext, ref: { itemId: string; userId: string }, reason: string): Promise<void> {
  await ctx.store.updateItem(ref.itemId, { status: 'relink_required' }, ctx.clock.now());
  await ctx.cache.invalidate(ref.itemId);
  ctx.audit.record({
    actor: ctx.instanceId,
    userId: ref.userId,
    itemId: ref.itemId,
    action: 'item.relink_required',
    purpose: reason,
    outcome: 'ok',
    requestId: null,
  });
  ctx.logger.error({ itemId: ref.itemId, reason }, 'item needs relinking: its access token is no longer valid');
}
