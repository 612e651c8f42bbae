import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { isVaultError, ItemRelinkRequiredError, RotationInProgressError } from '../errors.js';
import type { ItemStatus } from '../types.js';
import type { TokenUse } from '../vault-types.js';
import { withToken } from './with-token.js';

/**
 * Set an item's status (if it changed), drop its cached token on every
 * instance and audit the change. Returns false when the item is gone.
 */
export async function setItemStatus(
  ctx: VaultContext,
  ref: { itemId: string; userId: string | null },
  status: ItemStatus,
  reason: string,
): Promise<boolean> {
  const row = await ctx.store.getItem(ref.itemId);
  if (!row) return false;
  if (row.status !== status) {
    await ctx.store.updateItem(ref.itemId, { status }, ctx.clock.now());
    ctx.audit.record({
      actor: ctx.instanceId,
      userId: row.userId,
      itemId: ref.itemId,
      action: 'item.status',
      purpose: `${status}:${reason}`,
      outcome: 'ok',
      requestId: null,
    });
  }
  await ctx.cache.invalidate(ref.itemId);
  return true;
}

/** Record what a Plaid failure says about the item's health (ITEM_LOGIN_REQUIRED -> login_required). */
export async function noteItemError(ctx: VaultContext, use: { itemId: string; userId: string }, err: unknown): Promise<void> {
  if (!isVaultError(err, 'ERR_PLAID_ITEM_LOGIN_REQUIRED')) return;
  await setItemStatus(ctx, use, 'login_required', 'plaid_call').catch((e: unknown) => {
    ctx.logger.warn({ itemId: use.itemId, code: isVaultError(e) ? e.code : 'unknown' }, 'could not record login_required');
  });
}

/**
 * `withToken` for Plaid calls. If Plaid refuses a (possibly cached) token with
 * INVALID_ACCESS_TOKEN, the token may be stale after a rotation elsewhere:
 * purge every cache tier, reload from the database once and retry once.
 * ITEM_LOGIN_REQUIRED marks the item `login_required`.
 */
export async function callWithToken<T>(ctx: VaultContext, use: TokenUse, call: (token: Secret) => Promise<T>): Promise<T> {
  try {
    return await withToken(ctx, use, call);
  } catch (err) {
    if (!isVaultError(err, 'ERR_PLAID_INVALID_ACCESS_TOKEN')) {
      await noteItemError(ctx, use, err);
      throw err;
    }
  }
  await ctx.cache.invalidate(use.itemId);
  try {
    return await withToken(ctx, { ...use, purpose: `${use.purpose}:retry` }, call);
  } catch (err) {
    await noteItemError(ctx, use, err);
    if (isVaultError(err, 'ERR_PLAID_INVALID_ACCESS_TOKEN')) throw await explainDeadToken(ctx, use.itemId, err);
    throw err;
  }
}

/** A token Plaid refuses twice: say why when the vault knows (a rotation mid-write, or a lost item). */
async function explainDeadToken(ctx: VaultContext, itemId: string, err: unknown): Promise<unknown> {
  const row = await ctx.store.getItem(itemId).catch(() => undefined);
  if (row?.status === 'relink_required') return new ItemRelinkRequiredError();
  if (row?.rotationLeaseUntil && row.rotationLeaseUntil > ctx.clock.now()) return new RotationInProgressError();
  return err;
}
