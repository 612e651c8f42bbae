import type { VaultContext } from '../context.js';
import { ItemNotFoundError } from '../errors.js';
import type { ItemRow } from '../store/types.js';
import { assertRef } from './validate.js';

/**
 * The row for `itemId` if it belongs to `userId`. Another user's item and a
 * missing item give the same ERR_ITEM_NOT_FOUND: no existence oracle.
 */
export async function getOwnedItem(ctx: VaultContext, ref: { userId: string; itemId: string }): Promise<ItemRow> {
  assertRef(ref);
  const row = await ctx.store.getItem(ref.itemId);
  if (!row || row.userId !== ref.userId) throw new ItemNotFoundError();
  return row;
}
