import type { VaultContext } from '../context.js';
import { envelopeKid, open } from '../crypto/envelope.js';
import { isVaultError } from '../errors.js';
import { isTokenGone } from '../plaid/errors.js';
import type { PlaidGateway } from '../plaid/types.js';
import type { RecoveryReport } from '../types/rotation.js';
import type { JournalRecord, RecoveryJournal } from './journal.js';
import { removeOrphanedItem } from './orphan-token.js';
import { markRelinkRequired } from './relink-required.js';

type Outcome = 'replayed' | 'relinkRequired' | 'alreadyApplied' | 'orphansRemoved' | 'remaining';

export interface Recovery {
  /** Every record in the journal (`vault.recover()`). One run at a time per process. */
  recover(): Promise<RecoveryReport>;
  /**
   * The records of one item of `userId` only, for a removal: `leaseOwner` is the
   * lease the caller holds, so it does not count as another instance rotating.
   * Every record is tried; the first failure is thrown afterwards.
   */
  settleItem(ref: { itemId: string; userId: string }, leaseOwner?: string): Promise<void>;
}

/** Is the process that wrote a record still running here? (The journal is local to this machine.) */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Replay the rotation journal (`vault.recover()`, and start-up when asked).
 * For each record left by a rotation that did not finish:
 * - the row was deleted meanwhile: a journaled new token is the only way left
 *   to the Item, so it is removed at Plaid with it first (kept when Plaid
 *   cannot be reached); a bare intent is dropped;
 * - the row moved past the record's version: the write landed (or a later
 *   rotation superseded it): drop the record;
 * - a new token was journaled: compare-and-swap it into the row;
 * - only the intent was journaled: probe the old token at Plaid; alive means
 *   nothing changed, dead means the new token is lost: `relink_required`.
 * Records of rotations still running (this process, or another live process)
 * are left alone, as are records that fail now (database or Plaid down).
 */
export function createRecovery(
  ctx: VaultContext,
  plaid: PlaidGateway,
  journal: RecoveryJournal,
  inFlight: () => ReadonlySet<string>,
): Recovery {
  async function release(record: JournalRecord): Promise<void> {
    await ctx.store.releaseLease(record.itemId, record.owner);
  }

  async function replay(record: JournalRecord, leaseOwner?: string): Promise<Outcome> {
    if (inFlight().has(record.id) || (record.pid !== process.pid && processAlive(record.pid))) return 'remaining';
    const item = { itemId: record.itemId, userId: record.userId };
    const row = await ctx.store.getItem(record.itemId);
    if (!row || row.userId !== record.userId) {
      if (record.state === 'token' && record.envelope) {
        await removeOrphanedItem(ctx, plaid, item, open(ctx.keyring, item, Buffer.from(record.envelope, 'base64')), 'recovery:row_deleted');
        await journal.remove(record.id);
        return 'orphansRemoved';
      }
      ctx.logger.warn({ itemId: record.itemId }, 'recovery: item was deleted since its rotation; record dropped');
      await journal.remove(record.id);
      return 'alreadyApplied';
    }
    if (row.tokenVersion > record.fromVersion) {
      await ctx.cache.invalidate(record.itemId); // the crash may have come before the purge
      await release(record);
      await journal.remove(record.id);
      return 'alreadyApplied';
    }
    if (record.state === 'token' && record.envelope) {
      const envelope = Buffer.from(record.envelope, 'base64');
      open(ctx.keyring, item, envelope); // fail here, not in the row, if the record is damaged
      const now = ctx.clock.now();
      await ctx.store.swapToken(
        record.itemId,
        record.fromVersion,
        { kid: envelopeKid(envelope), envelope, rotated: true, status: row.status === 'relink_required' ? 'active' : row.status },
        now,
      );
      await ctx.cache.invalidate(record.itemId);
      await release(record);
      ctx.audit.record({ actor: ctx.instanceId, ...item, action: 'recovery.replay', purpose: 'rotation', outcome: 'ok', requestId: null });
      ctx.audit.record({ actor: ctx.instanceId, ...item, action: 'item.rotate', purpose: 'recovery', outcome: 'ok', requestId: null });
      await journal.remove(record.id);
      return 'replayed';
    }
    // Another instance holds a live lease: it is rotating this item now, so a probe would race it.
    if (
      row.rotationLeaseOwner &&
      row.rotationLeaseOwner !== record.owner &&
      row.rotationLeaseOwner !== leaseOwner &&
      row.rotationLeaseUntil &&
      row.rotationLeaseUntil > ctx.clock.now()
    ) {
      return 'remaining';
    }
    if (row.status !== 'relink_required') {
      try {
        await plaid.getItem(open(ctx.keyring, item, row.envelope));
      } catch (err) {
        if (!isTokenGone(err)) throw err;
        await markRelinkRequired(ctx, item, 'recovery:rotation_lost');
        await release(record);
        await journal.remove(record.id);
        return 'relinkRequired';
      }
    }
    await release(record);
    await journal.remove(record.id);
    return 'alreadyApplied';
  }

  let running: Promise<RecoveryReport> | undefined;
  async function recoverAll(): Promise<RecoveryReport> {
    const counts: Record<Outcome, number> = { replayed: 0, relinkRequired: 0, alreadyApplied: 0, orphansRemoved: 0, remaining: 0 };
    for (const entry of await journal.list()) {
      if (!entry.record) {
        ctx.logger.error({ journalId: entry.id }, 'recovery: a journal record cannot be opened (wrong key or damaged); kept');
        counts.remaining++;
        continue;
      }
      try {
        counts[await replay(entry.record)]++;
      } catch (err) {
        keptForLater(entry.record, err);
        counts.remaining++;
      }
    }
    const { orphansRemoved, ...report } = counts;
    return orphansRemoved > 0 ? { ...report, orphansRemoved } : report;
  }

  function keptForLater(record: JournalRecord, err: unknown): void {
    ctx.logger.warn({ itemId: record.itemId, code: isVaultError(err) ? err.code : 'unknown' }, 'recovery: record kept for a later attempt');
  }

  return {
    // One full replay at a time per process.
    recover: () => (running ??= recoverAll().finally(() => (running = undefined))),
    async settleItem(ref, leaseOwner) {
      let failure: unknown;
      for (const entry of await journal.list()) {
        const record = entry.record;
        if (!record || record.itemId !== ref.itemId || record.userId !== ref.userId) continue;
        try {
          await replay(record, leaseOwner);
        } catch (err) {
          keptForLater(record, err);
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure;
    },
  };
}
