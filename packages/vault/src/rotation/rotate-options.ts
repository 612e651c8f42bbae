import { isVaultError, RotationFailedError } from '../errors.js';

/** Protocol points a test hook can stop at (the crash matrix kills the process there). */
export type RotationStep = 'leased' | 'before-invalidate' | 'invalidated' | 'journaled' | 'written' | 'purged';

export interface RotationOptions {
  /** How long a rotation may hold an item (default 60 s); a crashed holder's lease expires after it. */
  leaseMs?: number;
  /** How long a caller waits for another instance's rotation of the same item (default 2 x leaseMs). */
  waitMs?: number;
  /** Poll interval while waiting for another instance (default 50 ms). */
  pollMs?: number;
  /**
   * How long `items.remove` and `items.delete` wait for a rotation of the same
   * item before failing with ERR_ROTATION_IN_PROGRESS, which is safe to retry
   * (default 10 s: a rotation takes one Plaid call).
   */
  removeWaitMs?: number;
  /** Compare-and-swap write attempts before falling back to the journal (default 6). */
  writeAttempts?: number;
  /** Base back-off between write attempts (default 100 ms, doubled each time, full jitter, cap 2 s). */
  writeBaseMs?: number;
  /** Test-only: called after each protocol step; may block (the crash fixture waits to be killed there). */
  hooks?: { afterStep?(step: RotationStep, info: { itemId: string }): void | Promise<void> };
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export type ResolvedRotationOptions = Required<Omit<RotationOptions, 'hooks'>> & Pick<Required<RotationOptions>, 'hooks'>;

export function resolveRotationOptions(o: RotationOptions): ResolvedRotationOptions {
  const leaseMs = o.leaseMs ?? 60_000;
  return {
    leaseMs,
    waitMs: o.waitMs ?? 2 * leaseMs,
    pollMs: o.pollMs ?? 50,
    removeWaitMs: o.removeWaitMs ?? 10_000,
    writeAttempts: o.writeAttempts ?? 6,
    writeBaseMs: o.writeBaseMs ?? 100,
    hooks: o.hooks ?? {},
    sleep: o.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: o.random ?? Math.random,
  };
}

/**
 * The compare-and-swap write of a new token, retried with jittered back-off
 * while the database is unavailable. When it stays down, the new token is
 * already in the journal: the error says so and recovery replays it.
 */
export async function writeWithRetry(opts: ResolvedRotationOptions, write: () => Promise<number>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!isVaultError(err, 'ERR_STORE_UNAVAILABLE')) {
        throw new RotationFailedError('The new token could not be stored; it is kept in the recovery journal.', {
          cause: err,
          details: { journaled: true },
        });
      }
      if (attempt >= opts.writeAttempts) {
        throw new RotationFailedError('The database stayed unavailable; the new token is kept in the recovery journal.', {
          cause: err,
          details: { journaled: true },
        });
      }
      await opts.sleep(Math.floor(opts.random() * Math.min(2000, opts.writeBaseMs * 2 ** (attempt - 1))));
    }
  }
}
