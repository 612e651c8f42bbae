import type { VaultContext } from '../context.js';
import type { ItemSummary } from '../types/items.js';
import { getOwnedItem } from './owned-item.js';
import { toSummary } from './summary.js';
import { assertId } from './validate.js';

const MAX_ITEMS_PER_USER = 1000;

export async function listItems(ctx: VaultContext, userId: string): Promise<ItemSummary[]> {
  assertId(userId, 'userId');
  const rows = await ctx.store.listItems({ userId, limit: MAX_ITEMS_PER_USER });
  return rows.map(toSummary);
}

export async function getItem(ctx: VaultContext, ref: { userId: string; itemId: string }): Promise<ItemSummary> {
  return toSummary(await getOwnedItem(ctx, ref));
}
