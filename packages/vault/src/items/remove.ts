import type { VaultContext } from '../context.js';
import { isVaultError } from '../errors.js';
import { isTokenGone } from '../plaid/errors.js';
import type { PlaidGateway } from '../plaid/types.js';
import { purgeItem } from './delete.js';
import { withToken } from './with-token.js';
import { assertRef } from './validate.js';

/**
 * Offboard an item: Plaid /item/remove (stops billing), then delete the row
 * (crypto-shred: the wrapped DEK goes with it), purge L1/L2 on every instance,
 * audit. Idempotent: a missing item (or another user's: no oracle) is a no-op,
 * and a token Plaid no longer knows still gets the local delete. Any other
 * Plaid failure keeps the row, so the removal can be retried.
 *
 * @example
 * await vault.items.remove({ userId: 'u1', itemId });
 */
export async function removeItem(ctx: VaultContext, plaid: PlaidGateway, ref: { userId: string; itemId: string }): Promise<void> {
  assertRef(ref);
  const row = await ctx.store.getItem(ref.itemId);
  if (!row || row.userId !== ref.userId) return;

  let plaidOutcome = 'ok';
  try {
    await withToken(ctx, { ...ref, purpose: 'item.remove' }, (token) => plaid.removeItem(token));
  } catch (err) {
    if (isVaultError(err, 'ERR_ITEM_NOT_FOUND')) return; // deleted concurrently
    if (!isTokenGone(err)) throw err;
    plaidOutcome = 'already_gone';
  }
  await purgeItem(ctx, ref, 'item.remove', plaidOutcome);
}
