import type { VaultContext } from '../context.js';
import { open } from '../crypto/envelope.js';
import { isVaultError, RotationInProgressError } from '../errors.js';
import { isTokenGone } from '../plaid/errors.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { ItemRow } from '../store/types.js';
import { purgeItem, type PurgeDeps } from './delete.js';
import { holdItem, type HeldItem } from './item-lease.js';
import { assertRef } from './validate.js';

export interface RemoveDeps extends PurgeDeps {
  plaid: PlaidGateway;
  /**
   * The rotation journal's records of this item (rotation/recovery.ts): settled
   * before the removal reads the row, and once more after it, so that a token
   * only a crashed rotation knows is removed at Plaid too.
   */
  recovery: { settleItem(ref: Ref, leaseOwner?: string): Promise<void> };
}

type Ref = { userId: string; itemId: string };

/** `items.remove` as the other features call it (duplicates at link time, a revoked consent). */
export type RemoveItem = (ref: Ref) => Promise<void>;

/** Times a removal follows a token that changed under it before giving up with a retryable error. */
const ATTEMPTS = 3;

/**
 * Offboard an item: Plaid /item/remove (stops billing), then delete the row
 * (crypto-shred: the wrapped DEK goes with it), purge L1/L2 on every instance,
 * audit. Idempotent: a missing item (or another user's: no oracle) is a no-op.
 *
 * Removal and rotation exclude each other through the item's lease
 * (items/item-lease.ts): a running rotation is waited for, and none starts
 * while the removal is at Plaid. The token sent is the current one, read from
 * the database under the lease (never a cache another instance may not have
 * purged yet), after replaying any journal record a crashed rotation left for
 * this item. "Token gone" is believed only when the token did not change
 * meanwhile; then the row is deleted (`already_gone`). A journaled token whose
 * row is gone is removed at Plaid too. Any other Plaid failure keeps the row,
 * so the removal can be retried.
 *
 * @example
 * await vault.items.remove({ userId: 'u1', itemId });
 */
export async function removeItem(ctx: VaultContext, deps: RemoveDeps, ref: Ref): Promise<void> {
  assertRef(ref);
  const held = await holdItem(ctx, ref, deps.lease);
  if (held) {
    let deleted = false;
    try {
      const outcome = await removeAtPlaid(ctx, deps, ref, held);
      if (outcome) await purgeItem(ctx, ref, 'item.remove', outcome, deps.onRemoved);
      deleted = true;
    } finally {
      if (!deleted) await held.release();
    }
  }
  // The row is gone (or was never this user's): a token a rotation journaled for
  // it is the last way to the Item. Plaid down: thrown, and a retry comes back here.
  await deps.recovery.settleItem(ref);
}

/** 'ok' | 'already_gone', or undefined when the row went away meanwhile. */
async function removeAtPlaid(ctx: VaultContext, deps: RemoveDeps, ref: Ref, held: HeldItem): Promise<string | undefined> {
  // A crashed rotation's new token goes into the row first. If that fails, the
  // journal keeps the token and the settle after the delete removes the Item with it.
  await deps.recovery.settleItem(ref, held.owner).catch(() => {});
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const row = await ctx.store.getItem(ref.itemId);
    if (!row || row.userId !== ref.userId) return undefined;
    try {
      await deps.plaid.removeItem(currentToken(ctx, ref, row));
      return 'ok';
    } catch (err) {
      if (!isTokenGone(err)) throw err;
    }
    const after = await ctx.store.getItem(ref.itemId);
    if (!after || after.userId !== ref.userId) return undefined;
    // Unchanged under the lease: the Item is gone at Plaid. Changed: a rotation
    // whose lease had expired wrote a new token meanwhile; remove with that one.
    if (after.tokenVersion === row.tokenVersion) return 'already_gone';
  }
  throw new RotationInProgressError(undefined, { details: { itemId: ref.itemId, retryAfterMs: 1000 } });
}

/** Open the row's envelope, audited like withToken. */
function currentToken(ctx: VaultContext, ref: Ref, row: ItemRow) {
  const event = { actor: ctx.instanceId, ...ref, action: 'token.decrypt', purpose: 'item.remove', requestId: null };
  try {
    const token = open(ctx.keyring, ref, row.envelope);
    ctx.audit.record({ ...event, outcome: 'ok' });
    return token;
  } catch (err) {
    ctx.audit.record({ ...event, outcome: isVaultError(err) ? err.code : 'error' });
    throw err;
  }
}
