import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { isVaultError, ItemRelinkRequiredError, RotationInProgressError } from '../errors.js';
import type { ItemStatus } from '../types.js';
import type { TokenUse } from '../vault-types.js';
import { withToken } from './with-token.js';

/**
 * Items this vault instance knows to be `login_required` (it set the status, from a
 * failed call or a webhook). Lets a successful call repair the status without a
 * store read on the hot path: a cache hit on an active item stays free of I/O.
 * What another instance (or this one before a restart) set is not here: those
 * items are repaired by a transactions sync (it reads the row anyway) or by
 * Plaid's LOGIN_REPAIRED webhook.
 */
const loginRequiredHints = new WeakMap<VaultContext, Set<string>>();

function hintsOf(ctx: VaultContext): Set<string> {
  let hints = loginRequiredHints.get(ctx);
  if (!hints) loginRequiredHints.set(ctx, (hints = new Set()));
  return hints;
}

/**
 * Set an item's status (if it changed), drop its cached token on every
 * instance and audit the change. Returns false when the item is gone.
 * `from`: change it only from one of these statuses (a guard against a race
 * with another writer). `invalidate: false` keeps the cached token (a change
 * that does not make the token unusable).
 */
export async function setItemStatus(
  ctx: VaultContext,
  ref: { itemId: string; userId: string | null },
  status: ItemStatus,
  reason: string,
  opts: { from?: readonly ItemStatus[]; invalidate?: boolean } = {},
): Promise<boolean> {
  const row = await ctx.store.getItem(ref.itemId);
  const hints = hintsOf(ctx);
  if (!row) {
    hints.delete(ref.itemId);
    return false;
  }
  if (opts.from && !opts.from.includes(row.status)) {
    if (row.status !== 'login_required') hints.delete(ref.itemId);
    return true;
  }
  if (status === 'login_required') hints.add(ref.itemId);
  else hints.delete(ref.itemId);
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
  if (opts.invalidate !== false) await ctx.cache.invalidate(ref.itemId);
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
 * A successful call that needs the bank login proves the login works again:
 * `login_required` goes back to `active` without waiting for Plaid's
 * LOGIN_REPAIRED webhook (which may be lost, or never configured).
 * `pending_expiration` is left alone: calls keep succeeding until consent
 * actually expires, so success says nothing about it. Never fails the call.
 */
async function noteItemSuccess(ctx: VaultContext, use: { itemId: string; userId: string }, knownStatus?: ItemStatus): Promise<void> {
  const suspect = knownStatus === undefined ? hintsOf(ctx).has(use.itemId) : knownStatus === 'login_required';
  if (!suspect) return;
  await setItemStatus(ctx, use, 'active', 'repaired_by_successful_call', { from: ['login_required'], invalidate: false }).catch(
    (e: unknown) => {
      ctx.logger.warn({ itemId: use.itemId, code: isVaultError(e) ? e.code : 'unknown' }, 'could not record the repaired login');
    },
  );
}

/** How a successful call reflects on the item's health. */
export interface CallHealth {
  /** Success needs a working bank login (a data read; not creating an update-mode Link token). */
  provesLogin?: boolean;
  /** The item's status when the caller already read the row (saves a lookup); else this instance's hints decide. */
  knownStatus?: ItemStatus;
}

/**
 * `withToken` for Plaid calls. If Plaid refuses a (possibly cached) token with
 * INVALID_ACCESS_TOKEN, the token may be stale after a rotation elsewhere:
 * purge every cache tier, reload from the database once and retry once.
 * ITEM_LOGIN_REQUIRED marks the item `login_required`; with `provesLogin`, a
 * success on a `login_required` item marks it `active` again.
 *
 * @example
 * const accounts = await callWithToken(ctx, use, (t) => plaid.getAccounts(t), { provesLogin: true });
 */
export async function callWithToken<T>(
  ctx: VaultContext,
  use: TokenUse,
  call: (token: Secret) => Promise<T>,
  health: CallHealth = {},
): Promise<T> {
  const succeeded = async (result: T): Promise<T> => {
    if (health.provesLogin) await noteItemSuccess(ctx, use, health.knownStatus);
    return result;
  };
  try {
    return await succeeded(await withToken(ctx, use, call));
  } catch (err) {
    if (!isVaultError(err, 'ERR_PLAID_INVALID_ACCESS_TOKEN')) {
      await noteItemError(ctx, use, err);
      throw err;
    }
  }
  await ctx.cache.invalidate(use.itemId);
  try {
    return await succeeded(await withToken(ctx, { ...use, purpose: `${use.purpose}:retry` }, call));
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
