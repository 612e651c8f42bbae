import type { VaultContext } from '../context.js';
import type { Secret } from '../crypto/secret.js';
import { isVaultError, ItemRelinkRequiredError, RotationInProgressError } from '../errors.js';
import { changeItemStatus, setItemStatus } from './item-status.js';
import type { ItemStatus } from '../types/items.js';
import type { TokenUse } from '../types/items.js';
import { withToken } from './with-token.js';

/** Record what a Plaid failure says about the item's health (ITEM_LOGIN_REQUIRED -> login_required). */
export async function noteItemError(ctx: VaultContext, use: { itemId: string; userId: string }, err: unknown): Promise<void> {
  if (!isVaultError(err, 'ERR_PLAID_ITEM_LOGIN_REQUIRED')) return;
  await setItemStatus(ctx, use, 'login_required', 'plaid_call').catch((e: unknown) => {
    ctx.logger.warn({ itemId: use.itemId, code: errorCode(e) }, 'could not record login_required');
  });
}

/**
 * How long a successful call waits, once Plaid has answered, for a status read
 * still in flight. The read normally lands long before Plaid's answer; one
 * that does not means a slow database, which must not slow the user's call
 * (an L1 hit needs no database at all). The repair then finishes behind it.
 */
const STATUS_READ_GRACE_MS = 100;

/**
 * Watches a call that needs the bank login (`provesLogin`): its success proves
 * the login works again, so `login_required` goes back to `active` without
 * waiting for Plaid's LOGIN_REPAIRED webhook (which may be lost, or never
 * configured), on whichever instance makes the call (DECISIONS 29).
 * `pending_expiration` is left alone: calls keep succeeding until consent
 * actually expires, so success says nothing about it.
 */
interface LoginWatch {
  /** The Plaid call has started: read the item's status beside it (once), unless the caller knows it. */
  started(): void;
  /** The call succeeded: repair `login_required`. Never throws; waits for a late status read only briefly. */
  succeeded(): Promise<void>;
}

function watchLogin(ctx: VaultContext, use: { itemId: string; userId: string }, knownStatus: ItemStatus | undefined): LoginWatch {
  let status: Promise<ItemStatus | undefined> | undefined = knownStatus === undefined ? undefined : Promise.resolve(knownStatus);
  let settled = knownStatus !== undefined;
  return {
    started() {
      // Concurrent with the Plaid call, which takes hundreds of ms: the read adds no latency.
      status ??= ctx.store.getItemStatus(use.itemId).then(
        (value) => {
          settled = true;
          return value;
        },
        (err: unknown) => {
          settled = true;
          ctx.logger.warn({ itemId: use.itemId, code: errorCode(err) }, 'could not read the item status to check for a repaired login');
          return undefined;
        },
      );
    },
    succeeded() {
      const repaired = (status ?? Promise.resolve(undefined)).then((value) =>
        value === 'login_required' ? repairLogin(ctx, use) : undefined,
      );
      return settled ? repaired : within(repaired, STATUS_READ_GRACE_MS);
    },
  };
}

/**
 * `login_required` -> `active`, compare-and-set: of instances succeeding at
 * the same moment one writes and audits it. The token is unchanged and no
 * cache holds the status, so nothing is invalidated. Never fails the call.
 */
async function repairLogin(ctx: VaultContext, use: { itemId: string; userId: string }): Promise<void> {
  await changeItemStatus(ctx, use, 'active', 'repaired_by_successful_call', ['login_required']).catch((e: unknown) => {
    ctx.logger.warn({ itemId: use.itemId, code: errorCode(e) }, 'could not record the repaired login');
  });
}

/** Resolves when `work` does or after `ms`, whichever is first; `work` carries on either way. */
function within(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function errorCode(err: unknown): string {
  return isVaultError(err) ? err.code : 'unknown';
}

/** How a successful call reflects on the item's health. */
export interface CallHealth {
  /** Success needs a working bank login (a data read; not creating an update-mode Link token). */
  provesLogin?: boolean;
  /** The item's status when the caller already read the row: saves the status read. */
  knownStatus?: ItemStatus;
}

/**
 * `withToken` for Plaid calls. If Plaid refuses a (possibly cached) token with
 * INVALID_ACCESS_TOKEN, the token may be stale after a rotation elsewhere:
 * purge every cache tier, reload from the database once and retry once.
 * ITEM_LOGIN_REQUIRED marks the item `login_required`; with `provesLogin`, a
 * success on a `login_required` item marks it `active` again (the status is
 * read from the store while Plaid answers, unless `knownStatus` is given).
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
  const login = health.provesLogin ? watchLogin(ctx, use, health.knownStatus) : undefined;
  // The status read starts once the token is resolved and the Plaid request is on
  // its way: never for a token the caller may not use, never competing with a
  // cache miss's own store read.
  const attempt = (u: TokenUse): Promise<T> =>
    withToken(ctx, u, (token) => {
      const result = call(token);
      login?.started();
      return result;
    });
  const succeeded = async (result: T): Promise<T> => {
    await login?.succeeded();
    return result;
  };
  try {
    return await succeeded(await attempt(use));
  } catch (err) {
    if (!isVaultError(err, 'ERR_PLAID_INVALID_ACCESS_TOKEN')) {
      await noteItemError(ctx, use, err);
      throw err;
    }
  }
  await ctx.cache.invalidate(use.itemId);
  try {
    return await succeeded(await attempt({ ...use, purpose: `${use.purpose}:retry` }));
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
