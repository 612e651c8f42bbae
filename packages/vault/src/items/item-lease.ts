import { randomUUID } from 'node:crypto';
import type { VaultContext } from '../context.js';
import { isVaultError, RotationInProgressError } from '../errors.js';
import type { ItemRow } from '../store/types.js';

/** How `items.remove` and `items.delete` wait for a rotation (from RotationOptions). */
export interface ItemLeaseOptions {
  leaseMs: number;
  /** How long to wait for a rotation that holds the item before ERR_ROTATION_IN_PROGRESS. */
  waitMs: number;
  pollMs: number;
  sleep: (ms: number) => Promise<void>;
  /**
   * A rotation of this item running in this process past its lease step, if
   * any: when its lease expired (Plaid slower than the lease), it may still
   * write a token, so the holder waits for it.
   */
  rotationRunning: (itemId: string) => Promise<void> | undefined;
}

export interface HeldItem {
  /** The row as read after the lease was taken: its envelope is the current token. */
  row: ItemRow;
  owner: string;
  /** Best effort; a no-op once the row is deleted (the lease goes with it). */
  release(): Promise<void>;
}

/**
 * Take an item's rotation lease for a removal or a local delete, so that a
 * rotation and a removal of the same item never overlap on any instance: a
 * rotation that holds the lease is waited for (up to `waitMs`, then
 * ERR_ROTATION_IN_PROGRESS, which the caller may retry), and no rotation can
 * start while the lease is held here (it waits, then finds the row gone).
 * Each call has an owner of its own, so the "already ours" rule of the lease
 * never lets a removal in through a rotation of the same instance.
 * Undefined when the row is missing or belongs to another user.
 *
 * @example
 * const held = await holdItem(ctx, ref, opts);
 * if (held) try { ... } finally { await held.release(); }
 */
export async function holdItem(
  ctx: VaultContext,
  ref: { userId: string; itemId: string },
  opts: ItemLeaseOptions,
): Promise<HeldItem | undefined> {
  const owner = `${ctx.instanceId}/remove-${randomUUID()}`;
  const giveUp = Date.now() + opts.waitMs;
  for (;;) {
    const seen = await ctx.store.getItem(ref.itemId);
    if (!seen || seen.userId !== ref.userId) return undefined;
    const now = ctx.clock.now();
    if (await ctx.store.acquireLease(ref.itemId, owner, new Date(now.getTime() + opts.leaseMs), now)) break;
    if (Date.now() >= giveUp) {
      const left = (seen.rotationLeaseUntil?.getTime() ?? now.getTime()) - now.getTime();
      throw new RotationInProgressError(undefined, {
        details: { itemId: ref.itemId, retryAfterMs: Math.min(5000, Math.max(1000, left)) },
      });
    }
    await opts.sleep(opts.pollMs);
  }
  const release = () =>
    ctx.store.releaseLease(ref.itemId, owner).catch((err: unknown) => {
      ctx.logger.warn({ itemId: ref.itemId, code: isVaultError(err) ? err.code : 'unknown' }, 'item lease not released; it will expire');
    });
  try {
    await opts.rotationRunning(ref.itemId)?.catch(() => {});
    const row = await ctx.store.getItem(ref.itemId);
    if (!row || row.userId !== ref.userId) return undefined;
    return { row, owner, release };
  } catch (err) {
    await release();
    throw err;
  }
}
