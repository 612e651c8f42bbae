import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { isTokenGone } from '../plaid/errors.js';
import type { PlaidGateway } from '../plaid/types.js';

/**
 * The item's row was deleted while a rotation of it was unfinished, so the
 * rotation's new token is the only way left to reach the Item at Plaid (Plaid
 * removes an Item by access token only): remove it now rather than leave a
 * billed Item nothing holds a token for. Plaid saying the token is gone counts
 * as done; any other failure is thrown, and the caller keeps the token (the
 * journal record) for a later attempt.
 *
 * @example
 * await removeOrphanedItem(ctx, plaid, { itemId, userId }, newToken, 'recovery');
 */
export async function removeOrphanedItem(
  ctx: VaultContext,
  plaid: PlaidGateway,
  item: { itemId: string; userId: string },
  token: Secret,
  reason: string,
): Promise<void> {
  let outcome = 'ok';
  try {
    await plaid.removeItem(token);
  } catch (err) {
    if (!isTokenGone(err)) throw err;
    outcome = 'already_gone';
  }
  ctx.audit.record({ actor: ctx.instanceId, ...item, action: 'item.remove', purpose: reason, outcome, requestId: null });
  ctx.logger.warn({ itemId: item.itemId, reason, outcome }, 'rotated token of a deleted item: Item removed at Plaid');
}
