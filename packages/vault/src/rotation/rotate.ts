import type { VaultContext } from '../context.js';
import { open, seal } from '../crypto/envelope.js';
import type { Secret } from '../crypto/secret.js';
import { isVaultError, ItemNotFoundError, ItemRelinkRequiredError, RotationFailedError, RotationInProgressError } from '../errors.js';
import { isOutcomeUnknown, isTokenGone } from '../plaid/errors.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { ItemRow } from '../store/types.js';
import type { RotateResult } from '../types/rotation.js';
import type { JournalRecord, RecoveryJournal } from './journal.js';
import { removeOrphanedItem } from './orphan-token.js';
import { markRelinkRequired } from './relink-required.js';
import { writeWithRetry, type RotationOptions, type RotationStep, resolveRotationOptions } from './rotate-options.js';
import { assertId } from '../items/validate.js';

export type { RotationOptions, RotationStep };

export interface Rotator {
  rotate(ref: { itemId: string; userId?: string }): Promise<RotateResult>;
  /** Journal ids of rotations running in this process (recovery leaves them alone). */
  inFlight(): ReadonlySet<string>;
  /** Settles when this process's rotation of the item that got past its lease ends; undefined if none. */
  running(itemId: string): Promise<void> | undefined;
}

/**
 * Token rotation, following ARCHITECTURE "Rotation protocol":
 * lease (conditional UPDATE) -> journal intent -> /item/access_token/invalidate
 * -> journal the new token (sealed, fsynced) -> compare-and-swap write with
 * retries -> purge caches everywhere -> drop the journal record, release, audit.
 * An invalidate whose outcome is unknown is settled by probing the old token.
 * Callers in this process share one rotation per item; an instance that finds
 * the lease taken waits for the holder and reports its result.
 */
export function createRotator(ctx: VaultContext, plaid: PlaidGateway, journal: RecoveryJournal, options: RotationOptions = {}): Rotator {
  const opts = resolveRotationOptions(options);
  const running = new Map<string, Promise<RotateResult>>();
  const leased = new Map<string, Promise<void>>();
  const journalIds = new Set<string>();
  const step = async (name: RotationStep, itemId: string) => {
    await opts.hooks.afterStep?.(name, { itemId });
  };
  const joined = (row: ItemRow): RotateResult => ({
    itemId: row.itemId,
    outcome: row.status === 'relink_required' ? 'relink_required' : 'rotated',
    tokenVersion: row.tokenVersion,
  });

  async function ownedRow(ref: { itemId: string; userId?: string }): Promise<ItemRow> {
    const row = await ctx.store.getItem(ref.itemId);
    if (!row || (ref.userId !== undefined && row.userId !== ref.userId)) throw new ItemNotFoundError();
    return row;
  }

  /** Take the lease, or wait for the instance that holds it and return its outcome. */
  async function lease(itemId: string, seen: ItemRow): Promise<ItemRow | RotateResult> {
    // The injected clock, as for the lease itself: a test that moves time moves this deadline too.
    const giveUp = ctx.clock.now().getTime() + opts.waitMs;
    for (;;) {
      const now = ctx.clock.now();
      if (await ctx.store.acquireLease(itemId, ctx.instanceId, new Date(now.getTime() + opts.leaseMs), now)) {
        const row = await ownedRow({ itemId });
        if (row.tokenVersion === seen.tokenVersion && row.status !== 'relink_required') return row;
        await ctx.store.releaseLease(itemId, ctx.instanceId);
        return joined(row);
      }
      const row = await ownedRow({ itemId });
      if (row.tokenVersion !== seen.tokenVersion || row.status === 'relink_required') return joined(row);
      if (ctx.clock.now().getTime() > giveUp) throw new RotationInProgressError();
      await opts.sleep(opts.pollMs);
    }
  }

  // Best effort: a lease that cannot be released (DB blip) expires by itself and must not turn a done rotation into an error.
  async function release(itemId: string): Promise<void> {
    await ctx.store.releaseLease(itemId, ctx.instanceId).catch((err: unknown) => {
      ctx.logger.warn({ itemId, code: isVaultError(err) ? err.code : 'unknown' }, 'rotation lease not released; it will expire');
    });
  }

  async function finish(record: JournalRecord): Promise<void> {
    await journal.remove(record.id);
    await release(record.itemId);
  }

  /** Plaid gave no clear answer to invalidate: is the old token still alive? */
  async function settleUnknown(record: JournalRecord, oldToken: Secret): Promise<RotateResult> {
    const ref = { itemId: record.itemId, userId: record.userId };
    try {
      await plaid.getItem(oldToken);
    } catch (err) {
      if (isTokenGone(err)) {
        await markRelinkRequired(ctx, ref, 'rotation:invalidate_outcome_lost');
        await finish(record);
        return { itemId: record.itemId, outcome: 'relink_required', tokenVersion: record.fromVersion };
      }
      // Cannot tell yet: the intent stays in the journal and recovery probes again later.
      await release(record.itemId);
      throw new RotationFailedError('The token rotation outcome is not known yet; recovery will settle it.', {
        details: { itemId: record.itemId, pending: true },
      });
    }
    await finish(record);
    throw new RotationFailedError('Plaid did not rotate the token; the current token still works.', {
      details: { itemId: record.itemId, applied: false },
    });
  }

  async function rowDeleted(item: { itemId: string; userId: string }): Promise<boolean> {
    const row = await ctx.store.getItem(item.itemId).catch(() => null);
    return row === undefined || (row !== null && row.userId !== item.userId);
  }

  /**
   * The row was deleted while Plaid rotated (only possible once this lease had
   * expired and a removal took it): the new token is the only way to the
   * Item, so remove the Item with it. If Plaid cannot be reached the journal
   * record stays and recovery does it.
   */
  async function discardOrphan(record: JournalRecord, newToken: Secret): Promise<never> {
    const item = { itemId: record.itemId, userId: record.userId };
    try {
      await removeOrphanedItem(ctx, plaid, item, newToken, 'rotation:row_deleted');
    } catch (err) {
      throw new RotationFailedError('The item was deleted during its rotation; the new token is kept in the recovery journal.', {
        cause: err,
        details: { itemId: record.itemId, journaled: true },
      });
    }
    await journal.remove(record.id);
    throw new ItemNotFoundError();
  }

  async function run(ref: { itemId: string; userId?: string }): Promise<RotateResult> {
    const seen = await ownedRow(ref);
    if (seen.status === 'relink_required' || seen.status === 'revoked') throw new ItemRelinkRequiredError();
    const taken = await lease(ref.itemId, seen);
    if (!('envelope' in taken)) return taken;
    let ended!: () => void;
    leased.set(taken.itemId, new Promise<void>((resolve) => (ended = resolve)));
    try {
      return await rotateLeased(taken);
    } finally {
      leased.delete(taken.itemId);
      ended();
    }
  }

  async function rotateLeased(row: ItemRow): Promise<RotateResult> {
    const item = { itemId: row.itemId, userId: row.userId };
    await step('leased', row.itemId);

    const record: JournalRecord = {
      v: 1,
      id: journal.newId(),
      ...item,
      owner: ctx.instanceId,
      pid: process.pid,
      fromVersion: row.tokenVersion,
      state: 'intent',
      at: ctx.clock.now().toISOString(),
    };
    journalIds.add(record.id);
    try {
      let oldToken: Secret;
      try {
        oldToken = open(ctx.keyring, item, row.envelope);
        await journal.write(record);
      } catch (err) {
        await release(row.itemId);
        throw err;
      }
      await step('before-invalidate', row.itemId);

      let newToken: Secret;
      try {
        newToken = await plaid.invalidateToken(oldToken);
      } catch (err) {
        if (isOutcomeUnknown(err) || isVaultError(err, 'ERR_PLAID_API_ERROR')) return await settleUnknown(record, oldToken);
        if (isTokenGone(err)) {
          await markRelinkRequired(ctx, item, 'rotation:old_token_dead');
          await finish(record);
          return { itemId: row.itemId, outcome: 'relink_required', tokenVersion: row.tokenVersion };
        }
        await finish(record);
        throw err;
      }
      await step('invalidated', row.itemId);

      const envelope = seal(ctx.keyring, item, newToken.reveal());
      // If the journal cannot take it (disk full), the database write below is still the token's best chance.
      await journal.write({ ...record, state: 'token', envelope: envelope.toString('base64') }).catch((err: unknown) => {
        ctx.logger.error({ itemId: row.itemId, code: (err as NodeJS.ErrnoException).code ?? 'unknown' }, 'recovery journal write failed');
      });
      await step('journaled', row.itemId);

      let tokenVersion: number;
      try {
        tokenVersion = await writeWithRetry(opts, () =>
          ctx.store.swapToken(row.itemId, row.tokenVersion, { kid: ctx.keyring.activeKid, envelope, rotated: true }, ctx.clock.now()),
        );
      } catch (err) {
        if (!(await rowDeleted(item))) throw err;
        return await discardOrphan(record, newToken);
      }
      await step('written', row.itemId);
      await ctx.cache.invalidate(row.itemId);
      await step('purged', row.itemId);
      await finish(record);
      ctx.audit.record({ actor: ctx.instanceId, ...item, action: 'item.rotate', purpose: null, outcome: 'ok', requestId: null });
      return { itemId: row.itemId, outcome: 'rotated', tokenVersion };
    } finally {
      journalIds.delete(record.id);
    }
  }

  return {
    rotate(ref) {
      assertId(ref.itemId, 'itemId');
      if (ref.userId !== undefined) assertId(ref.userId, 'userId');
      // One rotation per item per process: concurrent callers share it and see the same token.
      let pending = running.get(ref.itemId);
      if (!pending) {
        pending = run(ref).finally(() => running.delete(ref.itemId));
        running.set(ref.itemId, pending);
        return pending;
      }
      return pending.then(async (result) => {
        await ownedRow(ref); // a caller naming another user gets ERR_ITEM_NOT_FOUND, not the shared result
        return result;
      });
    },
    inFlight: () => journalIds,
    running: (itemId) => leased.get(itemId),
  };
}
