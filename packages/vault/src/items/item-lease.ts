import { randomUUID } from 'node:crypto';
import type { VaultContext } from '../context.js';
import { isVaultError, RotationInProgressError } from '../errors.js';

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
  owner: string;
  /** Best effort (a lease left behind expires); not needed once the row is deleted, the lease goes with it. */
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
 * Undefined when the row is missing or belongs to another user. The caller
 * reads the row after this returns: that row's envelope is the current token.
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
  const giveUp = ctx.clock.now().getTime() + opts.waitMs;
  const busy = (leaseUntil: Date | null) => {
    const left = (leaseUntil?.getTime() ?? 0) - ctx.clock.now().getTime();
    return new RotationInProgressError(undefined, { details: { itemId: ref.itemId, retryAfterMs: Math.min(5000, Math.max(1000, left)) } });
  };
  for (;;) {
    const seen = await ctx.store.getItem(ref.itemId);
    if (!seen || seen.userId !== ref.userId) return undefined;
    const now = ctx.clock.now();
    if (await ctx.store.acquireLease(ref.itemId, owner, new Date(now.getTime() + opts.leaseMs), now)) break;
    if (ctx.clock.now().getTime() >= giveUp) throw busy(seen.rotationLeaseUntil);
    await opts.sleep(opts.pollMs);
  }
  const release = () =>
    ctx.store.releaseLease(ref.itemId, owner).catch((err: unknown) => {
      ctx.logger.warn({ itemId: ref.itemId, code: isVaultError(err) ? err.code : 'unknown' }, 'item lease not released; it will expire');
    });
  const running = opts.rotationRunning(ref.itemId);
  if (running && !(await settlesWithin(running, giveUp - ctx.clock.now().getTime()))) {
    await release();
    throw busy(null);
  }
  return { owner, release };
}

async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
